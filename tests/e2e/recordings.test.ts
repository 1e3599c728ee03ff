/**
 * Recordings in a shared location, black box: real `unpod serve` nodes record a WebSocket audio
 * call (the agent's spoken greeting on the right channel), and the recording is downloaded from
 * `GET /v1/calls/{id}/recording`: from another node sharing `UNPOD_RECORDINGS_DIR` and one
 * PostgreSQL schema, and from a node storing recordings in an S3 bucket (s3rver, a local server
 * speaking the S3 REST protocol), where the upload leaves no local copy behind.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseWav } from '@unpod/media';
import { AudioCallClient } from '@unpod/testkit/audio-client';
import { createPgSchema } from '@unpod/testkit/postgres';
import { startTestServer, type TestServer } from '@unpod/testkit/server';
import { api, startEchoAgent, waitForCallEnd, waitForWorkers } from './helpers.js';

const RATE = 16_000;
const cleanups: Array<() => Promise<void> | void> = [];
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'unpod-rec-e2e-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function node(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer({ ...options, args: ['--sip-port', 'off', ...(options?.args ?? [])] });
  cleanups.push(() => s.close());
  return s;
}

/** A recorded call on `s`: the echo agent greets, the caller hangs up once the greeting played. */
async function recordedCall(s: TestServer): Promise<string> {
  const pipe = await api(s, 'POST', '/v1/pipes', { name: `rec-${Math.random().toString(36).slice(2, 8)}`, agent_id: 'rec-echo', recording: true, greeting: 'This call is recorded.' });
  expect(pipe.status, JSON.stringify(pipe.body)).toBe(201);
  const agent = startEchoAgent(s, 'rec-echo');
  cleanups.push(() => void agent.kill('SIGKILL'));
  await waitForWorkers(s, 'rec-echo');
  const created = await api<{ id: string; client_url: string }>(s, 'POST', '/v1/calls', { transport: 'websocket', agent_id: 'rec-echo' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const client = await AudioCallClient.connect(created.body.client_url, RATE);
  cleanups.push(() => client.close());
  await client.next('call.connected', 0);
  client.startLine();
  await client.next('agent.audio.ended', 0, 30_000);
  client.send({ event: 'hangup' });
  await client.next('call.ended', 0);
  const call = await waitForCallEnd(s, created.body.id);
  expect(call.recording_url).toBe(`/v1/calls/${created.body.id}/recording`);
  return created.body.id;
}

/** Downloads a recording and checks it is the call: stereo WAV with the greeting on the agent channel. */
async function expectRecording(s: TestServer, callId: string): Promise<void> {
  const res = await fetch(`${s.baseUrl}/v1/calls/${callId}/recording`, { headers: { authorization: `Bearer ${s.apiKey}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('audio/wav');
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
  const wav = parseWav(bytes);
  expect(wav.channels).toBe(2);
  let agentPeak = 0;
  for (let i = 1; i < wav.samples.length; i += 2) agentPeak = Math.max(agentPeak, Math.abs(wav.samples[i]!));
  expect(agentPeak).toBeGreaterThan(1000);
}

describe('recordings in a shared location', () => {
  test('a call recorded on node A downloads from node B through the shared recordings directory', { timeout: 120_000 }, async () => {
    const pg = await createPgSchema('rec');
    cleanups.push(() => pg.drop());
    const shared = path.join(root, 'shared');
    const space = `rec-${Math.random().toString(36).slice(2, 10)}`;
    const env = { UNPOD_RECORDINGS_DIR: shared };
    const a = await node({ databaseUrl: pg.url, space, env, args: ['--node-id', 'rec-a'] });
    const b = await node({ databaseUrl: pg.url, space, env, args: ['--node-id', 'rec-b'] });
    const callId = await recordedCall(a);
    expect(readdirSync(shared)).toEqual([`${callId}.wav`]);
    await expectRecording(b, callId);
    // A node that does not share the directory has the row but not the file: a clear 404.
    const c = await node({ databaseUrl: pg.url, space, args: ['--node-id', 'rec-c'] });
    const res = await fetch(`${c.baseUrl}/v1/calls/${callId}/recording`, { headers: { authorization: `Bearer ${c.apiKey}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('the recording file is missing');
  });

  test('with an S3 bucket the recording is uploaded when the call ends, served from the bucket, and no local copy stays', { timeout: 120_000 }, async () => {
    const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(root, 's3') });
    const address = (await s3.run()) as AddressInfo;
    cleanups.push(() => s3.close());
    const endpoint = `http://127.0.0.1:${address.port}`;
    const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    const admin = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await admin.send(new CreateBucketCommand({ Bucket: 'unpod-rec' }));
    admin.destroy();
    const s = await node({
      env: {
        UNPOD_RECORDINGS_S3_BUCKET: 'unpod-rec',
        UNPOD_RECORDINGS_S3_ENDPOINT: endpoint,
        UNPOD_RECORDINGS_S3_PREFIX: 'calls/',
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
    });
    const callId = await recordedCall(s);
    expect(existsSync(path.join(root, 's3', 'unpod-rec', 'calls', `${callId}.wav._S3rver_object`))).toBe(true);
    const spool = path.join(s.dataDir, 'recordings-spool');
    expect(existsSync(spool) ? readdirSync(spool) : []).toEqual([]);
    await expectRecording(s, callId);
  });
});
