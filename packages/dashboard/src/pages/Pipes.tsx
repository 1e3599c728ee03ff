import { useState, type FormEvent } from 'react';
import type { Page, Pipe, VoiceProfile } from '@unpod/protocol';
import { api, listAll } from '../api.js';
import { Badge, Card, Empty, ErrorBox, Field, Link, ListState, Modal, PageHeader, useAsync } from '../components/ui.js';
import { displayNumber } from '../lib/format.js';
import { NEW_PIPE_FORM, formFromPipe, pipeBody, type PipeForm } from '../lib/pipe-form.js';

function PipeEditor({ pipe, profiles, onDone, onCancel }: { pipe: Pipe | null; profiles: VoiceProfile[]; onDone: () => void; onCancel: () => void }) {
  const [form, setForm] = useState<PipeForm>(pipe ? formFromPipe(pipe) : NEW_PIPE_FORM);
  const [problem, setProblem] = useState<{ field?: string; message: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof PipeForm>(k: K, v: PipeForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = pipeBody(form);
    if (!checked.ok) return setProblem({ field: checked.field, message: checked.message });
    setBusy(true);
    setProblem(undefined);
    try {
      if (pipe) await api('PATCH', `/v1/pipes/${encodeURIComponent(pipe.id)}`, checked.body);
      else await api('POST', '/v1/pipes', checked.body);
      onDone();
    } catch (err) {
      setProblem({ message: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  const invalid = (f: keyof PipeForm) => (problem?.field === f ? 'invalid' : '');
  return (
    <Modal title={pipe ? `Edit ${pipe.name}` : 'New pipe'} onClose={onCancel}>
      <form className="form" onSubmit={submit}>
        <div className="form-row">
          <Field label="Name">
            <input name="name" className={invalid('name')} value={form.name} onChange={(e) => set('name', e.target.value)} placeholder="support line" autoFocus />
          </Field>
          <Field label="Agent id" hint="The agent_id your AgentRunner registers under.">
            <input name="agent_id" className={invalid('agent_id')} value={form.agent_id} onChange={(e) => set('agent_id', e.target.value)} />
          </Field>
        </div>
        <Field label="Voice profile" hint="Speech-to-text and text-to-speech for this pipe's calls.">
          <select name="voice_profile" value={form.voice_profile} onChange={(e) => set('voice_profile', e.target.value)}>
            {profiles.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} · {p.language}
                {p.offline ? ' · offline' : ''}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Greeting" hint="Spoken by the server when the call starts. Leave it empty when your agent greets the caller itself (the example echo agent does).">
          <input name="greeting" value={form.greeting} onChange={(e) => set('greeting', e.target.value)} placeholder="Hi! How can I help you today?" />
        </Field>
        <div className="form-row">
          <Field label="Who speaks first">
            <select name="first_speaker" value={form.first_speaker} onChange={(e) => set('first_speaker', e.target.value as 'agent' | 'user')}>
              <option value="agent">The agent (greeting)</option>
              <option value="user">The caller</option>
            </select>
          </Field>
          <label className="check">
            <input name="recording" type="checkbox" checked={form.recording} onChange={(e) => set('recording', e.target.checked)} />
            Record calls (stereo WAV)
          </label>
        </div>
        <Field label="Instructions" hint="Passed to the agent with each call.">
          <textarea name="instructions" rows={2} value={form.instructions} onChange={(e) => set('instructions', e.target.value)} />
        </Field>
        <div className="form-row three">
          <Field label="Max duration (s)">
            <input name="max_call_duration_s" className={invalid('max_call_duration_s')} inputMode="numeric" value={form.max_call_duration_s} onChange={(e) => set('max_call_duration_s', e.target.value)} />
          </Field>
          <Field label="Idle hang-up (s)">
            <input name="idle_timeout_s" className={invalid('idle_timeout_s')} inputMode="numeric" value={form.idle_timeout_s} onChange={(e) => set('idle_timeout_s', e.target.value)} />
          </Field>
          <Field label="Silence prompt (s)">
            <input name="silence_timeout_s" className={invalid('silence_timeout_s')} inputMode="numeric" value={form.silence_timeout_s} onChange={(e) => set('silence_timeout_s', e.target.value)} />
          </Field>
        </div>
        <fieldset className="fieldset">
          <legend>Transfers</legend>
          <label className="check">
            <input type="checkbox" checked={!form.transfer_restricted} onChange={(e) => set('transfer_restricted', !e.target.checked)} />
            Allow transfers to any number
          </label>
          {form.transfer_restricted ? (
            <div className="form-row">
              <Field label="Allowed numbers" hint="E.164, comma separated. Empty with no prefixes: no transfers.">
                <input name="transfer_allowed_numbers" className={invalid('transfer_allowed_numbers')} value={form.transfer_allowed_numbers} onChange={(e) => set('transfer_allowed_numbers', e.target.value)} placeholder="+14155550100" />
              </Field>
              <Field label="Allowed prefixes">
                <input name="transfer_allowed_prefixes" className={invalid('transfer_allowed_prefixes')} value={form.transfer_allowed_prefixes} onChange={(e) => set('transfer_allowed_prefixes', e.target.value)} placeholder="+4420" />
              </Field>
            </div>
          ) : null}
        </fieldset>
        <Field label="Speech hints" hint="Phrases callers are likely to say, one per line (menu options, names, yes/no). The embedded recogniser tries them first on every turn the agent gives none of its own.">
          <textarea name="stt_hints" rows={3} className={invalid('stt_hints')} value={form.stt_hints} onChange={(e) => set('stt_hints', e.target.value)} placeholder={'yes\nno\nspeak to a human'} />
        </Field>
        {problem ? (
          <div className="error-box" role="alert">
            {problem.message}
          </div>
        ) : null}
        <div className="form-actions">
          <button type="button" className="btn ghost" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="btn primary" disabled={busy}>
            {busy ? 'Saving…' : pipe ? 'Save changes' : 'Create pipe'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function PipesPage() {
  const pipes = useAsync(() => listAll<Pipe>('/v1/pipes'));
  const profiles = useAsync(async () => (await api<Page<VoiceProfile>>('GET', '/v1/voice-profiles?limit=200')).data);
  const [editing, setEditing] = useState<Pipe | 'new' | null>(null);
  const [deleteError, setDeleteError] = useState<Error | undefined>();
  const profileName = (id: string) => profiles.data?.find((p) => p.id === id)?.name ?? id;
  const remove = async (p: Pipe) => {
    if (!confirm(`Delete pipe "${p.name}"? Attached numbers are detached.`)) return;
    try {
      await api('DELETE', `/v1/pipes/${encodeURIComponent(p.id)}`);
      pipes.reload();
    } catch (err) {
      setDeleteError(err as Error);
    }
  };
  return (
    <>
      <PageHeader
        title="Pipes"
        subtitle="A pipe binds numbers and a voice profile to your agent_id, with the call's greeting, recording and limits."
        actions={
          <button className="btn primary" onClick={() => setEditing('new')} disabled={!profiles.data}>
            New pipe
          </button>
        }
      />
      {deleteError ? <ErrorBox error={deleteError} /> : null}
      <ListState
        state={pipes}
        empty={
          <Card>
            <Empty title="No pipes yet">Create one to route calls to your agent. The example agent registers as echo-agent.</Empty>
          </Card>
        }
      >
        {(list) => (
          <div className="cards">
            {list.map((p) => (
              <Card
                key={p.id}
                title={p.name}
                actions={
                  <div className="row-actions">
                    <Link to={`/playground?pipe=${encodeURIComponent(p.id)}`} className="btn small">
                      Try it
                    </Link>
                    <button className="btn small" onClick={() => setEditing(p)}>
                      Edit
                    </button>
                    <button className="btn small ghost danger" onClick={() => void remove(p)}>
                      Delete
                    </button>
                  </div>
                }
              >
                <dl className="facts">
                  <dt>Agent</dt>
                  <dd>
                    <code>{p.agent_id}</code>
                  </dd>
                  <dt>Voice</dt>
                  <dd>{profileName(p.voice_profile)}</dd>
                  <dt>Greeting</dt>
                  <dd>{p.greeting ? `“${p.greeting}”` : <span className="muted">none</span>}</dd>
                  <dt>Numbers</dt>
                  <dd>{p.numbers.length ? p.numbers.map((n) => <Badge key={n}>{displayNumber(n)}</Badge>) : <span className="muted">none attached</span>}</dd>
                  <dt>Options</dt>
                  <dd>
                    {p.recording ? <Badge tone="info">recording</Badge> : null} <Badge tone="muted">max {Math.round(p.max_call_duration_s / 60)} min</Badge>{' '}
                    <Badge tone="muted">idle {p.idle_timeout_s} s</Badge>
                  </dd>
                  <dt className="hide-sm">Id</dt>
                  <dd className="mono small hide-sm">{p.id}</dd>
                </dl>
              </Card>
            ))}
          </div>
        )}
      </ListState>
      {editing && profiles.data ? (
        <PipeEditor
          pipe={editing === 'new' ? null : editing}
          profiles={profiles.data}
          onCancel={() => setEditing(null)}
          onDone={() => {
            setEditing(null);
            pipes.reload();
          }}
        />
      ) : null}
    </>
  );
}
