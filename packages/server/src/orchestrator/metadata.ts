import type { Pipe } from '@unpod/protocol';
import type { CallRecord } from '../control/store/repos/calls.js';

/**
 * `job.assign.metadata` and `call.started.metadata` for a call. Keys are chosen so both the
 * reference SDK's and ours CallContext rules (spec 5) give sensible fields:
 *
 * - `direction`: `inbound` | `outbound`.
 * - `user_number`: the remote party (inbound: the caller, `from_number`; outbound: the callee,
 *   `to_number`). Set explicitly because the reference SDK's fallback order would otherwise pick
 *   the dialled number on inbound calls. Inbound calls also carry `caller_number`.
 * - `from_number`, `to_number`: as on the call, when known.
 * - `instructions`: per-call instructions (call create or pipe), when set.
 * - `data`: the caller-supplied call data (always an object, so `ctx.data` is a copy of it plus
 *   the routing identity below, and never the whole metadata).
 * - Routing identity: `agent_id` (spec 5: the server's value wins over same-named `data` keys).
 * - Also: `call_id`, `pipe_id`, `voice_profile_id`, `space_id`, `transport`.
 */
export function callMetadata(call: CallRecord, pipe: Pipe | undefined): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    call_id: call.id,
    direction: call.direction,
    transport: call.transport,
    agent_id: call.agent_id,
    space_id: call.space_id,
    data: structuredClone(call.data),
  };
  if (call.pipe_id) metadata.pipe_id = call.pipe_id;
  if (pipe) metadata.voice_profile_id = pipe.voice_profile;
  if (call.instructions !== null) metadata.instructions = call.instructions;
  const remote = call.direction === 'inbound' ? call.from_number : call.to_number;
  if (remote) metadata.user_number = remote;
  if (call.direction === 'inbound' && call.from_number) metadata.caller_number = call.from_number;
  if (call.from_number) metadata.from_number = call.from_number;
  if (call.to_number) metadata.to_number = call.to_number;
  return metadata;
}
