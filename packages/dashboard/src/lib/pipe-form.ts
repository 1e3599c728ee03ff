import type { Pipe } from '@unpod/protocol';

/** The pipe editor's fields, all as the form holds them (strings and booleans). */
export interface PipeForm {
  name: string;
  agent_id: string;
  voice_profile: string;
  greeting: string;
  first_speaker: 'agent' | 'user';
  instructions: string;
  recording: boolean;
  max_call_duration_s: string;
  idle_timeout_s: string;
  silence_timeout_s: string;
  /** Comma or newline separated E.164 numbers; empty = anyone (when prefixes are empty too). */
  transfer_allowed_numbers: string;
  transfer_allowed_prefixes: string;
  /** False: no transfer allowed at all. */
  transfer_restricted: boolean;
  /** Speech hints: phrases callers are likely to say, one per line; empty = none. */
  stt_hints: string;
}

export const NEW_PIPE_FORM: PipeForm = {
  name: '',
  agent_id: 'echo-agent',
  voice_profile: 'VP_embedded_en',
  // Empty: the example agents greet the caller themselves; a second greeting would follow theirs.
  greeting: '',
  first_speaker: 'agent',
  instructions: '',
  recording: true,
  max_call_duration_s: '3600',
  idle_timeout_s: '30',
  silence_timeout_s: '8',
  transfer_allowed_numbers: '',
  transfer_allowed_prefixes: '',
  transfer_restricted: true,
  stt_hints: '',
};

export function formFromPipe(p: Pipe): PipeForm {
  const restricted = p.transfer_allowed_numbers !== null || p.transfer_allowed_prefixes !== null;
  return {
    name: p.name,
    agent_id: p.agent_id,
    voice_profile: p.voice_profile,
    greeting: p.greeting ?? '',
    first_speaker: p.first_speaker,
    instructions: p.instructions ?? '',
    recording: p.recording,
    max_call_duration_s: String(p.max_call_duration_s),
    idle_timeout_s: String(p.idle_timeout_s),
    silence_timeout_s: String(p.silence_timeout_s),
    transfer_allowed_numbers: (p.transfer_allowed_numbers ?? []).join(', '),
    transfer_allowed_prefixes: (p.transfer_allowed_prefixes ?? []).join(', '),
    transfer_restricted: restricted,
    stt_hints: (p.stt_hints ?? []).join('\n'),
  };
}

/** Split a comma/space/newline separated list, dropping blanks. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The request body for `POST /v1/pipes` or `PATCH /v1/pipes/{id}`, or the first problem found
 * (field and message) so the form can point at it before the server does.
 */
export function pipeBody(f: PipeForm): { ok: true; body: Record<string, unknown> } | { ok: false; field: keyof PipeForm; message: string } {
  if (!f.name.trim()) return { ok: false, field: 'name', message: 'Give the pipe a name.' };
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/.test(f.agent_id.trim())) {
    return { ok: false, field: 'agent_id', message: 'agent_id: letters, digits and _ . : @ - (the id your AgentRunner registers under).' };
  }
  const ints: Array<[keyof PipeForm, number, number]> = [
    ['max_call_duration_s', 10, 86_400],
    ['idle_timeout_s', 5, 3600],
    ['silence_timeout_s', 1, 600],
  ];
  const values: Record<string, number> = {};
  for (const [field, min, max] of ints) {
    const raw = String(f[field]).trim();
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) return { ok: false, field, message: `${field.replace(/_/g, ' ')} must be a whole number from ${min} to ${max}.` };
    values[field] = n;
  }
  const numbers = splitList(f.transfer_allowed_numbers);
  const prefixes = splitList(f.transfer_allowed_prefixes);
  const bad = numbers.find((n) => !/^\+[1-9]\d{1,14}$/.test(n));
  if (bad) return { ok: false, field: 'transfer_allowed_numbers', message: `${bad} is not an E.164 number such as +14155550123.` };
  const badPrefix = prefixes.find((n) => !/^\+\d{1,15}$/.test(n));
  if (badPrefix) return { ok: false, field: 'transfer_allowed_prefixes', message: `${badPrefix} is not a prefix such as +4420.` };
  const hints = f.stt_hints
    .split('\n')
    .map((h) => h.trim())
    .filter(Boolean);
  const longHint = hints.find((h) => h.length > 200);
  if (longHint) return { ok: false, field: 'stt_hints', message: `Speech hints are short phrases (200 characters at most): "${longHint.slice(0, 40)}..."` };
  if (hints.length > 500) return { ok: false, field: 'stt_hints', message: 'At most 500 speech hints.' };
  return {
    ok: true,
    body: {
      name: f.name.trim(),
      agent_id: f.agent_id.trim(),
      voice_profile: f.voice_profile,
      greeting: f.greeting.trim() || null,
      first_speaker: f.first_speaker,
      instructions: f.instructions.trim() || null,
      recording: f.recording,
      ...values,
      transfer_allowed_numbers: f.transfer_restricted ? numbers : null,
      transfer_allowed_prefixes: f.transfer_restricted ? prefixes : null,
      stt_hints: hints.length > 0 ? hints : null,
    },
  };
}
