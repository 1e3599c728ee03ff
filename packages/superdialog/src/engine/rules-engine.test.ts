import { describe, expect, it } from 'vitest';
import { DialogMachine } from '../machine.js';
import { parsePlaybook } from '../playbook/load.js';
import { ScriptedProvider } from '../llm/fake.js';
import { scriptedHttp, SPA_CLOCK, spaPlaybook } from '../testing/spa.js';
import { EventLog } from './events.js';
import { fold } from './state.js';

function spa(http = scriptedHttp({ status: 201, data: { ref: 'HS-7' } }), extra = '') {
  const machine = new DialogMachine(spaPlaybook(extra), { clock: SPA_CLOCK, http });
  return { machine, http, runtime: machine.playbookEngine!.runtime };
}

async function say(machine: DialogMachine, ...lines: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const l of lines) out.push((await machine.turn(l)).text);
  return out;
}

describe('playbook engine, rules provider', () => {
  it('books end to end: extraction, hard-gate confirmation, typed HTTP body, terminal outcome', async () => {
    const { machine, http, runtime } = spa();
    expect((await machine.start()).text).toBe('Welcome to Harbour Spa.');
    expect(machine.state.checkpoint).toBe('spa.collect');
    const replies = await say(machine, 'a deep tissue massage on friday please');
    expect(runtime.state.slots.service).toMatchObject({ value: 'massage', status: 'confirmed', by: 'rules' });
    // `date` is hard-gated: provisional until the caller confirms the read-back.
    expect(runtime.state.slots.date).toMatchObject({ value: '2026-03-13', status: 'provisional' });
    expect(replies[0]).toBe('Just to confirm: date Friday 13 March. Is that right?');
    await say(machine, 'yes', 'two of us');
    expect(runtime.state.slots.date!.status).toBe('confirmed');
    expect(runtime.state.slots.guests!.value).toBe(2);
    const last = await machine.turn("I'm Jo");
    expect(last.text).toBe('Booked: massage for 2 on 2026-03-13. Your reference is HS-7. Goodbye!');
    expect(last.metadata).toMatchObject({ checkpoint: 'spa.done', ended: true, outcome: 'booked', action: { type: 'end' } });
    expect(machine.isComplete).toBe(true);
    expect(http.requests[0]).toMatchObject({ method: 'POST', body: { name: 'Jo', service: 'massage', date: '2026-03-13', guests: 2 }, headers: { Authorization: 'Bearer sk_live_supersecret123' } });
  });

  it('keeps the state a pure fold of an append-only log that round-trips through JSONL', async () => {
    const { machine, runtime } = spa();
    await machine.start();
    await say(machine, 'a facial tomorrow', 'yes', 'just me, one', 'my name is Ana');
    const events = runtime.log.events;
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    const raw = machine.exportLog({ raw: true });
    const rebuilt = fold(EventLog.fromJsonl(raw).events, runtime.playbook);
    expect(rebuilt).toEqual(runtime.state);
    expect(() => EventLog.fromJsonl(raw.split('\n').slice(1).join('\n'))).toThrow(/not contiguous/);
    const resumed = DialogMachine.resume(runtime.playbook, raw, { clock: SPA_CLOCK });
    expect(resumed.state.checkpoint).toBe(machine.state.checkpoint);
  });

  it('never lets secrets into exported events, listeners or logs', async () => {
    const seen: string[] = [];
    const logs: string[] = [];
    const logger = { debug: (f: object, m?: string) => logs.push(JSON.stringify(f) + m), info: () => undefined, warn: () => undefined, error: () => undefined };
    const http = scriptedHttp({ status: 201, data: { ref: 'R1' } });
    const machine = new DialogMachine(spaPlaybook(), { clock: SPA_CLOCK, http, logger, onEvent: (e) => seen.push(JSON.stringify(e)) });
    await machine.start();
    await say(machine, 'sauna tomorrow for 2, I am Kim', 'yes');
    expect(machine.isComplete).toBe(true);
    const exported = machine.exportLog();
    for (const text of [exported, seen.join('\n'), logs.join('\n')]) {
      expect(text).not.toContain('supersecret');
    }
    expect(exported).toContain('api_key=***');
    expect(logs.join('\n')).not.toContain('Kim');
  });

  it('code tools get real arguments; a thrown error stays an error, retried then routed', async () => {
    const calls: Array<Record<string, unknown>> = [];
    const playbook = spaPlaybook().spec;
    const tools = playbook.tools.map((t) => (t.id === 'create_booking' ? { ...t, type: 'code' as const, args: { who: '{{ slots.name }}', guests: '{{ slots.guests }}' } } : t));
    const machine = new DialogMachine({ ...playbook, tools } as unknown as Record<string, unknown>, {
      clock: SPA_CLOCK,
      tools: {
        create_booking: (args) => {
          calls.push(args);
          throw new Error('calendar is full');
        },
      },
    });
    await machine.start();
    await say(machine, 'massage on 2026-03-20 for 3, name is Lee', 'yes');
    expect(calls).toEqual([
      { who: 'Lee', guests: 3 },
      { who: 'Lee', guests: 3 },
    ]);
    const runtime = machine.playbookEngine!.runtime;
    expect(runtime.state.results.booking).toMatchObject({ ok: false, error: 'calendar is full' });
    expect(runtime.state.slots.error_context!.value).toBe('book:create_booking');
    expect(machine.state.checkpoint).toBe('spa.collect');
  });

  it('routes on an exact HTTP status branch', async () => {
    const { machine } = spa(scriptedHttp({ status: 409, data: { error: 'taken' } }));
    await machine.start();
    await say(machine, 'facial 2026-03-20 for 1, I am Bo', 'yes');
    expect(machine.state.checkpoint).toBe('spa.collect');
    expect(machine.playbookEngine!.runtime.state.results.pipeline).toMatchObject({ ok: false });
  });

  it('global intents: a person -> transfer action (call not completed), goodbye -> end', async () => {
    const a = spa().machine;
    await a.start();
    const t = await a.turn('can I talk to a real person please');
    expect(t.text).toBe('Let me connect you with a member of our team.');
    expect(t.metadata).toMatchObject({ ended: true, outcome: 'transferred', action: { type: 'transfer', target: 'reception' } });
    const b = spa().machine;
    await b.start();
    const g = await b.turn("that's all, goodbye");
    expect(g.metadata).toMatchObject({ ended: true, outcome: 'caller_ended', action: { type: 'end' } });
    expect(g.text).toBe('Thank you for calling. Goodbye!');
  });

  it('an interrupt can re-enter a checkpoint visited before', async () => {
    const { machine } = spa();
    await machine.start();
    expect((await machine.turn('when are you open?')).text).toBe('We are open from nine to nine. Shall we continue with your booking?');
    await machine.turn('yes, continue');
    expect(machine.state.checkpoint).toBe('spa.collect');
    await machine.turn('what are your opening hours again?');
    expect(machine.state.checkpoint).toBe('spa.faq');
  });

  it('silence: prompts in order, then routes to the policy target', async () => {
    const { machine } = spa();
    await machine.start();
    expect(await machine.onExternal('silence')).toBe('Still there?');
    expect(await machine.onExternal('silence')).toBe('Shall we continue?');
    expect(await machine.onExternal('silence')).toBe('Call us any time. Bye!');
    expect(machine.playbookEngine!.runtime.state.outcome).toBe('abandoned');
  });

  it('turn budget: a steering note past the budget, then on_failure', async () => {
    const { machine, runtime } = spa();
    await machine.start();
    for (let i = 0; i < 7; i++) await machine.turn('hmm');
    expect(runtime.state.steering?.text).toMatch(/Wrap this step up/);
    await machine.turn('hmm');
    await machine.turn('hmm');
    expect(runtime.state.outcome).toBe('abandoned');
  });

  it('barge-in: the log keeps only what the caller heard', async () => {
    const { machine, runtime } = spa();
    await machine.start();
    const controller = new AbortController();
    const pieces: string[] = [];
    for await (const p of machine.stream('a massage', { signal: controller.signal })) {
      pieces.push(p);
      if (pieces.length === 2) {
        machine.markInterrupted(pieces[0]!);
        controller.abort();
      }
    }
    expect(pieces.join('')).toBe('Which day?');
    const last = runtime.state.transcript[runtime.state.transcript.length - 1]!;
    expect(last).toMatchObject({ role: 'assistant', interrupted: true, text: 'Which' });
    expect(machine.chatContext().at(-1)).toEqual({ role: 'assistant', content: last.text });
    // The Director's work survived the barge-in.
    expect(runtime.state.slots.service!.value).toBe('massage');
  });

  it('marks an interruption after the turn, trimming to the heard prefix', async () => {
    const { machine } = spa();
    await machine.start();
    await machine.turn('a sauna');
    machine.markInterrupted('Which');
    expect(machine.chatContext().at(-1)).toEqual({ role: 'assistant', content: 'Which' });
  });

  it('derives speech hints from the checkpoint: enum values and synonyms, dates, numbers, yes/no, intents', async () => {
    const { machine } = spa();
    const opening = await machine.start();
    expect(opening.metadata.hints).toEqual(expect.arrayContaining(['massage', 'facial', 'sauna', 'deep tissue', 'tomorrow', 'next friday', 'two', 'goodbye', 'human']));
    await machine.turn('massage on friday');
    expect(machine.hints()).toEqual(expect.arrayContaining(['yes', 'no']));
  });

  it('gives no speech hints while only free-form slots are missing, so the open vocabulary hears a name', async () => {
    const loaded = parsePlaybook(
      `journeys:
  main:
    checkpoints:
      - id: ask
        slots:
          time: { type: time, required: true }
          name: { type: str, required: true }
        reply: "{% if not slots.time %}What time?{% else %}Your name?{% endif %}"
        advance_when: [{ to: done, requires: [time, name] }]
      - id: done
        say_verbatim: Thanks.`,
    );
    const machine = new DialogMachine(loaded.playbook, { provider: 'rules', clock: SPA_CLOCK });
    await machine.start();
    expect(machine.hints()).toEqual(expect.arrayContaining(['nine', 'half past']));
    await machine.turn('at nine in the morning');
    expect(machine.hints()).toEqual([]);
  });

  it('changing the provider mid-call keeps the conversation where it is', async () => {
    const { machine, runtime } = spa();
    await machine.start();
    await machine.turn('a facial please');
    const llm = new ScriptedProvider([
      { toolCalls: [{ id: 'v1', name: 'record_verdict', arguments: JSON.stringify({ slots: { guests: 4 }, advance: null }) }] },
      'Lovely, four guests. Which day?',
    ]);
    machine.setProvider(llm);
    const t = await machine.turn('we are four');
    expect(t.text).toBe('Lovely, four guests. Which day?');
    expect(runtime.state.slots.service!.value).toBe('facial');
    expect(runtime.state.slots.guests).toMatchObject({ value: 4, by: 'director' });
  });

  it('stops a runaway auto loop with a degraded event instead of hanging', async () => {
    const loop = `
policies: { barrier_ms: 0 }
journeys:
  j:
    checkpoints:
      - { id: a, auto: true, advance_when: [{ to: b }] }
      - { id: b, auto: true, advance_when: [{ to: a }] }
`;
    const machine = new DialogMachine(parsePlaybook(loop).playbook, { clock: SPA_CLOCK });
    await machine.start();
    expect(machine.playbookEngine!.runtime.log.events).toContainEqual(expect.objectContaining({ type: 'degraded', detail: 'quiesce_hop_exhaustion' }));
  });
});

