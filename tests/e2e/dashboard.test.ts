/**
 * The Platform dashboard end to end, in a real browser: `unpod dev` (real CLI process, embedded
 * speech engines) with the example echo agent as runner, and Debian's Chromium driven by
 * playwright-core. Chromium's fake microphone plays a WAV synthesised with flite, so the voice
 * test speaks to the agent exactly as a user would; the typing test uses the text transport.
 * Screenshots of every page go to `test-artifacts/dashboard/` (look at them).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeWavFile } from '@unpod/media';
import { FliteTts } from '@unpod/server';
import { spawnNode, type WatchedProcess } from '@unpod/testkit/processes';
import { unpodCliPath, type TestServer } from '@unpod/testkit/server';
import { api, startEchoAgent, waitForWorkers } from './helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'dashboard');
const CHROMIUM = process.env.UNPOD_CHROMIUM ?? '/usr/bin/chromium';
const AGENT_ID = 'echo-agent';
/** Generous bounds for speech recognition on a shared 2-core machine; never asserted as performance. */
const SPEECH_WAIT_MS = 90_000;

let workDir: string;
let dev: WatchedProcess;
let agent: WatchedProcess;
let baseUrl: string;
let apiKey: string;
let loginUrl: string;
let questionWav: string;
const contexts: BrowserContext[] = [];

/** The caller's question as a WAV: speech with silence around it, so each loop is one turn. */
async function synthesizeQuestion(file: string, text: string): Promise<void> {
  const tts = new FliteTts();
  const parts: Int16Array[] = [];
  for await (const chunk of tts.synthesize(text, { voice: 'slt', sampleRateHz: 16_000 })) parts.push(chunk.samples);
  await tts.close();
  const lead = 8_000;
  const tail = 40_000;
  const total = new Int16Array(lead + parts.reduce((n, p) => n + p.length, 0) + tail);
  let at = lead;
  for (const p of parts) {
    total.set(p, at);
    at += p.length;
  }
  await writeWavFile(file, { sampleRateHz: 16_000, channels: 1 }, total);
}

async function browser(options: { viewport?: { width: number; height: number }; wav?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const userDataDir = await mkdtemp(path.join(workDir, 'chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    viewport: options.viewport ?? { width: 1366, height: 860 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      ...(options.wav ? [`--use-file-for-fake-audio-capture=${options.wav}`] : []),
    ],
  });
  contexts.push(context);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('close', () => expect(errors, 'uncaught page errors').toEqual([]));
  return { context, page };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function signInWithKey(page: Page): Promise<void> {
  await page.goto(baseUrl);
  await page.fill('input[name=api-key]', apiKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('.sidebar');
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (listed in scripts/debian-packages.txt)`);
  if (!existsSync(path.join(ROOT, 'packages', 'dashboard', 'dist', 'index.html'))) throw new Error('the dashboard is not built: run npm run build');
  await mkdir(ARTIFACTS, { recursive: true });
  workDir = await mkdtemp(path.join(tmpdir(), 'unpod-dashboard-'));
  questionWav = path.join(workDir, 'question.wav');
  await synthesizeQuestion(questionWav, 'what time does the store open tomorrow');

  dev = spawnNode(unpodCliPath(), ['dev', '--port', '0', '--sip-port', 'off', '--data-dir', path.join(workDir, 'data')], { UNPOD_LOG_LEVEL: 'warn' });
  const dashboardLine = await dev.waitForLine(/^\s+Dashboard\s+http/, 30_000);
  loginUrl = /(http\S+\?login=ll_\S+)/.exec(dashboardLine)![1]!;
  apiKey = /(sk_\S+)/.exec(await dev.waitForLine(/^\s+API key\s+sk_/))![1]!;
  baseUrl = /(http\S+)/.exec(await dev.waitForLine(/^\s+URL\s+http/))![1]!;
  const server = { baseUrl, apiKey };
  // The echo agent needs only the URL and key of a server.
  agent = startEchoAgent(server as TestServer, AGENT_ID);
  await waitForWorkers(server, AGENT_ID);
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await agent?.kill('SIGTERM');
  await dev?.kill('SIGTERM');
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('dashboard in Chromium', () => {
  test('sign in with the one-time link, create a pipe, attach a number, talk by voice, find the call with its recording', async () => {
    const { page } = await browser({ wav: questionWav });

    // The link printed by `unpod dev` signs in once and leaves no token in the address bar.
    await page.goto(loginUrl);
    await page.waitForSelector('.sidebar');
    expect(page.url()).not.toContain('login=');
    // Browser-side code goes as strings: this file is type-checked without the DOM library.
    expect(await page.evaluate<string | null>("sessionStorage.getItem('unpod.apiKey')")).toMatch(/^sk_/);
    await page.waitForSelector('.stat');
    await shot(page, '01-overview');

    // Pipes: create one bound to the echo agent, recording on.
    await page.click('nav >> text=Pipes');
    await page.click('button:has-text("New pipe")');
    await page.fill('input[name=name]', 'E2E voice line');
    await page.fill('input[name=agent_id]', AGENT_ID);
    await page.fill('input[name=greeting]', 'Hello from the end to end test.');
    expect(await page.isChecked('input[name=recording]')).toBe(true);
    await shot(page, '02-pipe-editor');
    await page.click('button:has-text("Create pipe")');
    await page.waitForSelector('.card:has-text("E2E voice line")');
    await shot(page, '03-pipes');
    const pipes = await api<{ data: Array<{ id: string; name: string; recording: boolean; greeting: string }> }>({ baseUrl, apiKey }, 'GET', '/v1/pipes');
    const pipe = pipes.body.data.find((p) => p.name === 'E2E voice line')!;
    expect(pipe).toMatchObject({ recording: true, greeting: 'Hello from the end to end test.' });

    // Numbers: register one and attach it to the new pipe.
    await page.click('nav >> text=Numbers & trunks');
    await page.waitForSelector('input[name=number]');
    await page.fill('input[name=number]', '+14155550142');
    await page.click('button:has-text("Register number")');
    const row = page.locator('tr', { hasText: '+1 415 555 0142' });
    await row.waitFor();
    await row.locator('select').selectOption(pipe.id);
    await row.locator('button:has-text("Attach")').click();
    await page.locator('tr', { hasText: '+1 415 555 0142' }).locator('.badge:has-text("E2E voice line")').waitFor();
    // A SIP trunk with a DID, synced into the numbers list.
    await page.click('button:has-text("Register trunk")');
    await page.fill('input[placeholder="my provider"]', 'E2E carrier');
    await page.fill('input[placeholder="sip.provider.example"]', 'sip.carrier.example');
    await page.fill('input[placeholder="+14155550100, +14155550101"]', '+14155550177');
    await page.click('form button:has-text("Register trunk")');
    await page.locator('tr', { hasText: 'E2E carrier' }).locator('button:has-text("Sync numbers")').click();
    await page.locator('.note', { hasText: 'E2E carrier: 1 number synced, 1 new.' }).waitFor();
    await page.locator('tr', { hasText: '+1 415 555 0177' }).locator('td', { hasText: 'E2E carrier' }).waitFor();
    await shot(page, '04-numbers');
    const attached = await api<{ numbers: string[] }>({ baseUrl, apiKey }, 'GET', `/v1/pipes/${pipe.id}`);
    expect(attached.body.numbers).toEqual(['+14155550142']);

    // Playground: speak through the fake microphone.
    await page.click('nav >> text=Playground');
    await page.selectOption('select[name=pipe]', pipe.id);
    await page.click('button:has-text("Start voice call")');
    const said = page.locator('.bubble.user[data-role=user]').first();
    await said.waitFor({ timeout: SPEECH_WAIT_MS });
    const heard = (await said.innerText()).toLowerCase();
    expect(heard).toMatch(/tomorrow|store|open|time/);
    const reply = page.locator('.bubble.agent[data-role=agent]', { hasText: 'You said:' }).first();
    await reply.waitFor({ timeout: SPEECH_WAIT_MS });
    await page.locator('.latency-table tbody tr').first().waitFor({ timeout: SPEECH_WAIT_MS });
    await shot(page, '05-playground-voice');
    await page.click('button:has-text("Hang up")');
    await page.click('text=Open the call page');

    // The call page: transcript, latencies, recording.
    await page.waitForSelector('audio[data-testid=recording]', { timeout: 30_000 });
    await page.locator('.transcript .bubble.user').first().waitFor();
    const callId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await shot(page, '06-call');
    const call = await api<{ status: string; recording_url: string | null; transport: string; transcript: Array<{ role: string; text: string }> }>({ baseUrl, apiKey }, 'GET', `/v1/calls/${callId}`);
    expect(call.body).toMatchObject({ status: 'completed', transport: 'websocket', recording_url: `/v1/calls/${callId}/recording` });
    expect(call.body.transcript.some((t) => t.role === 'user' && t.text.length > 0)).toBe(true);
    const audioOk = await page.evaluate<{ type: string; size: number }>(`(async () => {
      const blob = await (await fetch(document.querySelector('audio[data-testid=recording]').src)).blob();
      return { type: blob.type, size: blob.size };
    })()`);
    expect(audioOk.type).toBe('audio/wav');
    expect(audioOk.size).toBeGreaterThan(10_000);

    // The calls list shows it, recorded.
    await page.click('nav >> text=Calls');
    const listed = page.locator('tr', { hasText: callId.slice(0, 14) });
    await listed.waitFor();
    expect(await listed.locator('.rec').count()).toBe(1);
    await shot(page, '07-calls');

    // The remaining pages render with data.
    await page.click('nav >> text=Workers');
    await page.locator('td', { hasText: AGENT_ID }).first().waitFor();
    await shot(page, '08-workers');
    await page.click('nav >> text=Voice profiles');
    const card = page.locator('.card').filter({ has: page.locator('.badge:has-text("offline")') }).first();
    await card.waitFor();
    const sample = page.waitForResponse((r) => r.url().endsWith('/sample'));
    await card.locator('button:has-text("Hear it")').click();
    const sampleRes = await sample;
    expect(sampleRes.status()).toBe(200);
    expect(sampleRes.headers()['content-type']).toBe('audio/wav');
    await shot(page, '09-voice-profiles');
    await page.click('nav >> text=Analytics');
    await page.locator('.chart svg').first().waitFor();
    await shot(page, '10-analytics');
    await page.click('nav >> text=Overview');
    await page.locator('.calls-table tr', { hasText: callId.slice(0, 14) }).waitFor();
    await shot(page, '11-overview-after-call');
    await page.close();
  }, 300_000);

  test('the login link works once', async () => {
    // Spend the link here too, so this test stands alone; the first test already used it.
    await fetch(`${baseUrl}/v1/auth/login-link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: new URL(loginUrl).searchParams.get('login') }) });
    const { page } = await browser();
    await page.goto(loginUrl);
    await page.waitForSelector('.signin');
    expect(await page.locator('.error-box').innerText()).toMatch(/invalid, expired or already used/);
    await shot(page, '12-sign-in-link-used');
    await page.close();
  });

  test('typing in the playground: text call with streamed replies and per-turn latency, watched live on the call page and hung up from there', async () => {
    const created = await api<{ id: string }>({ baseUrl, apiKey }, 'POST', '/v1/pipes', { name: 'E2E text line', agent_id: AGENT_ID, greeting: 'Type away.' });
    expect(created.status).toBe(201);
    const { context, page } = await browser();
    await signInWithKey(page);
    await page.click('nav >> text=Playground');
    await page.selectOption('select[name=pipe]', created.body.id);
    await page.click('button[role=radio]:has-text("Text")');
    await page.click('button:has-text("Start text chat")');
    await page.waitForSelector('.badge:has-text("listening"), .badge:has-text("speaking"), .badge:has-text("idle")');
    const input = page.locator('input[name=message]');
    await input.fill('hello there');
    await input.press('Enter');
    await page.locator('.bubble.agent[data-role=agent]', { hasText: 'You said: hello there' }).waitFor();
    await input.fill('second line');
    await page.click('button:has-text("Send")');
    await page.locator('.bubble.agent[data-role=agent]', { hasText: 'You said: second line' }).waitFor();
    await page.locator('.latency-table tbody tr').nth(1).waitFor();
    await shot(page, '13-playground-text');

    // The live call page, in a second tab of the same session: replay, then live updates.
    const [watch] = await Promise.all([context.waitForEvent('page'), page.click('text=Watch it live in a new tab')]);
    await watch.waitForLoadState();
    await watch.locator('.bubble.agent', { hasText: 'You said: second line' }).waitFor();
    await watch.locator('.badge.live:has-text("live")').first().waitFor();
    await input.fill('third line');
    await input.press('Enter');
    await watch.locator('.bubble.user', { hasText: 'third line' }).waitFor();
    await watch.locator('.bubble.agent', { hasText: 'You said: third line' }).waitFor();
    await shot(watch, '14-call-live');
    await watch.click('button:has-text("Hang up")');
    await watch.locator('.badge:has-text("completed")').waitFor();
    await watch.locator('.stat-value:has-text("api hangup")').waitFor();
    await page.waitForSelector('text=Open the call page');
    await watch.close();
    await page.close();
  }, 120_000);

  test('phone width: navigation and pages fit', async () => {
    const { page } = await browser({ viewport: { width: 390, height: 844 } });
    await signInWithKey(page);
    await page.waitForSelector('.stat');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, '15-phone-overview');
    await page.click('nav >> text=Playground');
    await page.waitForSelector('button:has-text("Start voice call")');
    await shot(page, '16-phone-playground');
    await page.close();
  }, 60_000);
});
