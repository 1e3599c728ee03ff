import { parsePlaybook } from '../playbook/load.js';
import type { Playbook } from '../playbook/playbook.js';
import type { HttpFn } from '../engine/tools.js';

/**
 * Test fixture: a small spa-booking playbook exercising slots (one hard-gated), an HTTP tool with
 * a secret bearer token, a pipeline with retry, intents, an interrupt, a silence policy and a
 * turn budget. Our own wording; used by the engine tests and the benchmark.
 */
export const SPA_YAML = `
persona: You are Sol, the booking assistant of Harbour Spa. Short replies, one question at a time.
guidelines: { channel: voice, call_type: booking, timezone: Europe/Berlin }
env:
  API_BASE: http://spa.invalid/api
  API_TOKEN: sk_live_supersecret123
intents:
  talk_to_human: { transfer_to: reception }
policies:
  barrier_ms: 1000
  silence: { max_prompts: 2, prompts: ["Still there?", "Shall we continue?"], then: abandon }
interrupts:
  - { id: hours, when: the caller asks about opening hours, to: faq, keywords: [opening hours, open] }
tools:
  - id: create_booking
    method: POST
    url: "{{ env.API_BASE }}/bookings?api_key={{ env.API_TOKEN }}"
    headers: { Authorization: "Bearer {{ env.API_TOKEN }}" }
    body: { name: "{{ slots.name }}", service: "{{ slots.service }}", date: "{{ slots.date }}", guests: "{{ slots.guests }}" }
    store_response_as: booking
    slot_updates: { reference: ref }
pipelines:
  - id: book
    steps:
      - tool: create_booking
        on: { ok: continue, http_409: collect, failed: { retry: 1, on_exhaust: collect } }
journeys:
  spa:
    checkpoints:
      - id: greet
        auto: true
        say_verbatim: Welcome to Harbour Spa.
        advance_when: [{ to: collect }]
      - id: collect
        goal: Get service, date, guests and name.
        turn_budget: 6
        on_failure: abandon
        slots:
          service: { type: enum, required: true, values: [massage, facial, sauna], synonyms: { massage: [deep tissue] }, ask: "Which treatment: massage, facial or sauna?" }
          date: { type: date, required: true, gate: hard, ask: "Which day?" }
          guests: { type: int, required: true, ask: "For how many people?" }
          name: { type: str, required: true, ask: "Your name, please?" }
        advance_when:
          - { to: book, when: all details are known and confirmed, requires: [service, date, guests, name] }
      - id: book
        pipeline: book
        say_verbatim: "Booked: {{ slots.service }} for {{ slots.guests }} on {{ slots.date }}."
        advance_when: [{ judge: expr, when: pipeline.ok, to: done }]
      - id: done
        terminal: true
        outcome: booked
        say_verbatim: "Your reference is {{ slots.reference }}. Goodbye!"
      - id: faq
        say_verbatim: We are open from nine to nine. Shall we continue with your booking?
        advance_when: [{ to: collect, when: the caller wants to continue, keywords: ["@yes", continue] }]
      - id: abandon
        terminal: true
        outcome: abandoned
        say_verbatim: Call us any time. Bye!
`;

export function spaPlaybook(overrides = ''): Playbook {
  return parsePlaybook(SPA_YAML + overrides, { file: 'spa.yaml' }).playbook;
}

/** A fixed session clock: Tuesday 2026-03-10, 10:00 UTC. */
export const SPA_CLOCK = (): Date => new Date('2026-03-10T10:00:00Z');

/** A scripted HTTP seam: answers in order, records every request. */
export function scriptedHttp(...replies: Array<{ status: number; data: unknown } | Error>): HttpFn & { requests: Array<Parameters<HttpFn>[0]> } {
  const requests: Array<Parameters<HttpFn>[0]> = [];
  const fn = (async (req) => {
    requests.push(req);
    const next = replies.shift() ?? { status: 500, data: { error: 'no reply scripted' } };
    if (next instanceof Error) throw next;
    return next;
  }) as HttpFn & { requests: typeof requests };
  fn.requests = requests;
  return fn;
}
