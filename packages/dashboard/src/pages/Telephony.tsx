import { useState, type FormEvent } from 'react';
import type { PhoneNumber, Pipe, Trunk, TrunkSyncResult } from '@unpod/protocol';
import { api, listAll } from '../api.js';
import { Badge, Card, Empty, ErrorBox, Field, ListState, PageHeader, useAction, useAsync } from '../components/ui.js';
import { displayNumber } from '../lib/format.js';
import { splitList } from '../lib/pipe-form.js';

function RegisterNumber({ trunks, pipes, onDone }: { trunks: Trunk[]; pipes: Pipe[]; onDone: () => void }) {
  const [number, setNumber] = useState('');
  const [trunk, setTrunk] = useState('');
  const [pipe, setPipe] = useState('');
  const action = useAction(async () => {
    const n = number.replace(/[\s()-]/g, '');
    if (!/^\+[1-9]\d{1,14}$/.test(n)) throw new Error('Enter the number in E.164 form, such as +14155550123.');
    await api('POST', '/v1/numbers', { number: n, trunk_id: trunk || null, pipe_id: pipe || null });
    setNumber('');
    onDone();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run();
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <input name="number" placeholder="+14155550123" value={number} onChange={(e) => setNumber(e.target.value)} aria-label="Phone number" />
      <select value={trunk} onChange={(e) => setTrunk(e.target.value)} aria-label="Trunk">
        <option value="">no trunk</option>
        {trunks.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
      <select name="pipe" value={pipe} onChange={(e) => setPipe(e.target.value)} aria-label="Attach to pipe">
        <option value="">not attached</option>
        {pipes.map((p) => (
          <option key={p.id} value={p.id}>
            → {p.name}
          </option>
        ))}
      </select>
      <button className="btn primary" disabled={action.busy}>
        Register number
      </button>
      {action.error ? <div className="error-box full">{action.error.message}</div> : null}
    </form>
  );
}

function NumberRow({ n, pipes, trunks, onChange }: { n: PhoneNumber; pipes: Pipe[]; trunks: Trunk[]; onChange: () => void }) {
  const [target, setTarget] = useState(pipes[0]?.id ?? '');
  const attach = useAction(async () => {
    await api('POST', `/v1/numbers/${encodeURIComponent(n.id)}/attach`, { pipe_id: target });
    onChange();
  });
  const detach = useAction(async () => {
    await api('POST', `/v1/numbers/${encodeURIComponent(n.id)}/detach`);
    onChange();
  });
  const release = useAction(async () => {
    if (!confirm(`Release ${n.number}? It stops routing.`)) return;
    await api('DELETE', `/v1/numbers/${encodeURIComponent(n.id)}`);
    onChange();
  });
  const pipe = pipes.find((p) => p.id === n.pipe_id);
  const error = attach.error ?? detach.error ?? release.error;
  return (
    <tr>
      <td className="mono">{displayNumber(n.number)}</td>
      <td className="hide-sm">{trunks.find((t) => t.id === n.trunk_id)?.name ?? <span className="muted">–</span>}</td>
      <td>{pipe ? <Badge tone="good">{pipe.name}</Badge> : <Badge tone="muted">available</Badge>}</td>
      <td className="row-actions">
        {n.pipe_id ? (
          <button className="btn small" onClick={() => void detach.run()} disabled={detach.busy}>
            Detach
          </button>
        ) : pipes.length ? (
          <>
            <select value={target} onChange={(e) => setTarget(e.target.value)} aria-label={`Pipe for ${n.number}`}>
              {pipes.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <button className="btn small" onClick={() => void attach.run()} disabled={attach.busy || !target}>
              Attach
            </button>
          </>
        ) : null}
        <button className="btn small ghost danger" onClick={() => void release.run()}>
          Release
        </button>
        {error ? <span className="error-text">{error.message}</span> : null}
      </td>
    </tr>
  );
}

function RegisterTrunk({ onDone }: { onDone: () => void }) {
  const [f, setF] = useState({ name: '', host: '', port: '5060', transport: 'udp', username: '', password: '', dids: '' });
  const action = useAction(async () => {
    if (!f.name.trim() || !f.host.trim()) throw new Error('A trunk needs a name and the provider host.');
    await api('POST', '/v1/trunks', {
      name: f.name.trim(),
      host: f.host.trim(),
      port: Number(f.port) || 5060,
      transport: f.transport,
      username: f.username.trim() || null,
      password: f.password || null,
      dids: splitList(f.dids),
    });
    setF({ name: '', host: '', port: '5060', transport: 'udp', username: '', password: '', dids: '' });
    onDone();
  });
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  return (
    <form
      className="form"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run();
      }}
    >
      <div className="form-row three">
        <Field label="Name">
          <input value={f.name} onChange={set('name')} placeholder="my provider" />
        </Field>
        <Field label="Host">
          <input value={f.host} onChange={set('host')} placeholder="sip.provider.example" />
        </Field>
        <Field label="Port / transport">
          <div className="pair">
            <input value={f.port} onChange={set('port')} inputMode="numeric" />
            <select value={f.transport} onChange={set('transport')}>
              <option value="udp">UDP</option>
              <option value="tcp">TCP</option>
            </select>
          </div>
        </Field>
      </div>
      <div className="form-row three">
        <Field label="Username">
          <input value={f.username} onChange={set('username')} autoComplete="off" />
        </Field>
        <Field label="Password">
          <input value={f.password} onChange={set('password')} type="password" autoComplete="new-password" />
        </Field>
        <Field label="DIDs" hint="Numbers on this trunk; Sync imports them.">
          <input value={f.dids} onChange={set('dids')} placeholder="+14155550100, +14155550101" />
        </Field>
      </div>
      {action.error ? <div className="error-box">{action.error.message}</div> : null}
      <div className="form-actions">
        <button className="btn primary" disabled={action.busy}>
          Register trunk
        </button>
      </div>
    </form>
  );
}

export function TelephonyPage() {
  const numbers = useAsync(() => listAll<PhoneNumber>('/v1/numbers'));
  const trunks = useAsync(() => listAll<Trunk>('/v1/trunks'));
  const pipes = useAsync(() => listAll<Pipe>('/v1/pipes'));
  const [showTrunk, setShowTrunk] = useState(false);
  const [syncNote, setSyncNote] = useState<string | undefined>();
  const sync = useAction(async (t: Trunk) => {
    const result = await api<TrunkSyncResult>('POST', `/v1/trunks/${encodeURIComponent(t.id)}/sync`);
    setSyncNote(`${t.name}: ${result.synced} number${result.synced === 1 ? '' : 's'} synced, ${result.new} new.`);
    numbers.reload();
  });
  const reload = () => {
    numbers.reload();
    pipes.reload();
  };
  return (
    <>
      <PageHeader title="Numbers & trunks" subtitle="Phone numbers route to pipes; SIP trunks connect them to your provider." />
      <Card title="Numbers">
        {trunks.data && pipes.data ? <RegisterNumber trunks={trunks.data} pipes={pipes.data} onDone={reload} /> : null}
        <ListState state={numbers} empty={<Empty title="No numbers yet">Register a number you own (E.164) and attach it to a pipe.</Empty>}>
          {(list) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>Number</th>
                    <th className="hide-sm">Trunk</th>
                    <th>Pipe</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((n) => (
                    <NumberRow key={`${n.id}:${n.pipe_id ?? ''}`} n={n} pipes={pipes.data ?? []} trunks={trunks.data ?? []} onChange={reload} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </ListState>
      </Card>
      <Card
        title="SIP trunks"
        actions={
          <button className="btn small" onClick={() => setShowTrunk((s) => !s)}>
            {showTrunk ? 'Close' : 'Register trunk'}
          </button>
        }
      >
        {showTrunk ? (
          <RegisterTrunk
            onDone={() => {
              setShowTrunk(false);
              trunks.reload();
            }}
          />
        ) : null}
        {sync.error ? <ErrorBox error={sync.error} /> : syncNote ? <div className="note">{syncNote}</div> : null}
        <ListState state={trunks} empty={<Empty title="No trunks">Calls still work from the browser; a trunk is for real phone lines.</Empty>}>
          {(list) => (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Host</th>
                    <th className="hide-sm">Auth</th>
                    <th className="hide-sm">DIDs</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {list.map((t) => (
                    <tr key={t.id}>
                      <td>
                        <strong>{t.name}</strong>
                      </td>
                      <td className="mono">
                        {t.host}:{t.port}/{t.transport}
                      </td>
                      <td className="hide-sm">{t.username ? `digest (${t.username})` : t.source_ips.length ? 'IP allowlist' : 'none'}</td>
                      <td className="hide-sm">{t.dids.length}</td>
                      <td className="row-actions">
                        <button className="btn small" onClick={() => void sync.run(t)} disabled={sync.busy}>
                          Sync numbers
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </ListState>
      </Card>
    </>
  );
}
