import path from 'node:path';
import { Readable } from 'node:stream';
import { Call, CallCreate, CallListQuery, page } from '@unpod/protocol';
import { ApiError, notFound } from '../../errors.js';
import { DirectoryRecordingStore } from '../../../ops/recordings/index.js';
import { publicCall } from '../../store/repos/calls.js';
import type { ControlDeps } from '../app.js';
import { route } from '../route.js';

export function callRoutes({ store, liveCalls, config, recordings: configured }: ControlDeps) {
  let recordings = configured;
  const recordingStore = () => (recordings ??= new DirectoryRecordingStore(path.join(config.dataDir, 'recordings')));
  const load = async (spaceId: string, id: string, detail = false) => {
    const call = await store.calls.get(spaceId, id, detail);
    if (!call) throw notFound('call');
    return call;
  };

  return [
    route({
      method: 'get',
      path: '/v1/calls',
      summary: 'List calls, newest first; filter by status, pipe, agent, direction, transport.',
      tag: 'calls',
      query: CallListQuery,
      response: page(Call),
      handler: async ({ spaceId, query }) => {
        const result = await store.calls.list(spaceId, query, query);
        return { body: { data: result.data.map(publicCall), next_cursor: result.next_cursor } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/calls',
      summary: 'Start a call (asynchronous: returns `pending`). Text calls return a one-use `client_url`.',
      tag: 'calls',
      body: CallCreate,
      response: Call,
      status: 201,
      handler: async ({ spaceId, body }) => {
        const transport = body.transport ?? (body.to_number ? 'sip' : 'text');
        let pipe = body.pipe_id !== undefined ? await store.pipes.get(spaceId, body.pipe_id) : undefined;
        if (body.pipe_id !== undefined && !pipe) throw new ApiError('pipe_not_found', `no pipe "${body.pipe_id}" in this space`, 'pipe_id');
        if (!pipe && body.agent_id !== undefined) pipe = await store.pipes.findByAgent(spaceId, body.agent_id);
        if (pipe && body.agent_id !== undefined && body.agent_id !== pipe.agent_id) {
          throw new ApiError('validation_failed', `agent_id does not match the pipe's agent_id "${pipe.agent_id}"`, 'agent_id');
        }
        const agentId = body.agent_id ?? pipe!.agent_id;
        let fromNumber = body.from_number ?? null;
        if (transport === 'sip' && fromNumber === null) {
          fromNumber = pipe?.numbers[0] ?? null;
          if (fromNumber === null) {
            throw new ApiError('validation_failed', 'from_number is required: the pipe has no attached number to call from', 'from_number');
          }
        }
        const call = await store.calls.create(spaceId, {
          pipe_id: pipe?.id ?? null,
          agent_id: agentId,
          direction: transport === 'sip' ? 'outbound' : 'inbound',
          transport,
          from_number: fromNumber,
          to_number: body.to_number ?? null,
          instructions: body.instructions ?? pipe?.instructions ?? null,
          data: body.data ?? {},
          node_id: config.nodeId,
        });
        const extra = await liveCalls.launch(call, pipe);
        const fresh = (await store.calls.get(spaceId, call.id)) ?? call;
        return { body: { ...publicCall(fresh), ...extra } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/calls/:id',
      summary: 'Get a call with its transcript and per-turn metrics.',
      tag: 'calls',
      response: Call,
      handler: async ({ spaceId, params }) => ({ body: publicCall(await load(spaceId, params.id!, true)) }),
    }),
    route({
      method: 'post',
      path: '/v1/calls/:id/hangup',
      summary: 'End a live call; 409 when it already ended.',
      tag: 'calls',
      response: Call,
      idempotent: false,
      handler: async ({ spaceId, params }) => {
        const call = await load(spaceId, params.id!);
        if (call.status === 'completed' || call.status === 'failed') {
          throw new ApiError('call_not_active', `call already ended (${call.status})`);
        }
        await liveCalls.hangup(call);
        return { body: publicCall(await load(spaceId, params.id!, true)) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/calls/:id/recording',
      summary: "Download the call's recording (audio/wav); 404 when the call was not recorded.",
      tag: 'calls',
      handler: async ({ spaceId, params }) => {
        const call = await load(spaceId, params.id!);
        if (!call.recording_path) throw new ApiError('not_found', 'this call has no recording');
        const object = await recordingStore().get(call.recording_path);
        if (!object) throw new ApiError('not_found', 'the recording file is missing');
        const body = Readable.toWeb(object.stream) as ReadableStream;
        return new Response(body, {
          headers: { 'content-type': 'audio/wav', 'content-length': String(object.sizeBytes), 'content-disposition': `attachment; filename="${call.id}.wav"` },
        });
      },
    }),
  ];
}
