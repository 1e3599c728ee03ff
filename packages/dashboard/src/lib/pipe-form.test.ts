import type { Pipe } from '@unpod/protocol';
import { describe, expect, it } from 'vitest';
import { NEW_PIPE_FORM, formFromPipe, pipeBody, splitList } from './pipe-form.js';

describe('pipe form', () => {
  it('builds a create body with nulls for empty optional text', () => {
    const r = pipeBody({ ...NEW_PIPE_FORM, name: ' Support ', greeting: '  ', instructions: '' });
    expect(r).toEqual({
      ok: true,
      body: {
        name: 'Support',
        agent_id: 'echo-agent',
        voice_profile: 'VP_embedded_en',
        greeting: null,
        first_speaker: 'agent',
        instructions: null,
        recording: true,
        max_call_duration_s: 3600,
        idle_timeout_s: 30,
        silence_timeout_s: 8,
        transfer_allowed_numbers: [],
        transfer_allowed_prefixes: [],
        stt_hints: null,
      },
    });
  });

  it('sends null allowlists when transfers are unrestricted', () => {
    const r = pipeBody({ ...NEW_PIPE_FORM, name: 'x', transfer_restricted: false, transfer_allowed_numbers: '+14155550100' });
    expect(r.ok && r.body).toMatchObject({ transfer_allowed_numbers: null, transfer_allowed_prefixes: null });
  });

  it('points at the first bad field', () => {
    expect(pipeBody({ ...NEW_PIPE_FORM, name: '' })).toMatchObject({ ok: false, field: 'name' });
    expect(pipeBody({ ...NEW_PIPE_FORM, name: 'x', agent_id: 'bad id' })).toMatchObject({ ok: false, field: 'agent_id' });
    expect(pipeBody({ ...NEW_PIPE_FORM, name: 'x', idle_timeout_s: '4' })).toMatchObject({ ok: false, field: 'idle_timeout_s' });
    expect(pipeBody({ ...NEW_PIPE_FORM, name: 'x', max_call_duration_s: '60.5' })).toMatchObject({ ok: false, field: 'max_call_duration_s' });
    expect(pipeBody({ ...NEW_PIPE_FORM, name: 'x', transfer_allowed_numbers: '+1415, 555' })).toMatchObject({ ok: false, field: 'transfer_allowed_numbers' });
    expect(pipeBody({ ...NEW_PIPE_FORM, name: 'x', transfer_allowed_prefixes: '44' })).toMatchObject({ ok: false, field: 'transfer_allowed_prefixes' });
    expect(pipeBody({ ...NEW_PIPE_FORM, name: 'x', stt_hints: `yes\n${'x'.repeat(201)}` })).toMatchObject({ ok: false, field: 'stt_hints' });
    const hinted = pipeBody({ ...NEW_PIPE_FORM, name: 'x', stt_hints: ' yes \n\n no ' });
    expect(hinted.ok && hinted.body.stt_hints).toEqual(['yes', 'no']);
    const none = pipeBody({ ...NEW_PIPE_FORM, name: 'x' });
    expect(none.ok && none.body.stt_hints).toBeNull();
  });

  it('round-trips a stored pipe', () => {
    const pipe: Pipe = {
      id: 'PIPE_1',
      name: 'Sales',
      voice_profile: 'VP_embedded_en',
      agent_id: 'sales@eu',
      greeting: 'Hi',
      first_speaker: 'user',
      instructions: null,
      recording: false,
      max_call_duration_s: 600,
      idle_timeout_s: 20,
      silence_timeout_s: 5,
      endpointing: { silence_ms: 600, max_turn_s: 30, barge_in: true, barge_in_min_ms: 250 },
      transfer_allowed_numbers: ['+14155550100', '+14155550101'],
      transfer_allowed_prefixes: null,
      transfer_refusal_phrase: 'No.',
      stt_hints: ['yes', 'no', 'speak to a human'],
      numbers: [],
      created_at: '',
      updated_at: '',
    };
    const r = pipeBody(formFromPipe(pipe));
    expect(r.ok && r.body).toMatchObject({ agent_id: 'sales@eu', first_speaker: 'user', recording: false, transfer_allowed_numbers: ['+14155550100', '+14155550101'], transfer_allowed_prefixes: [], stt_hints: ['yes', 'no', 'speak to a human'] });
  });

  it('splits lists on commas, spaces and newlines', () => {
    expect(splitList(' a, b\nc;;d ')).toEqual(['a', 'b', 'c', 'd']);
  });
});
