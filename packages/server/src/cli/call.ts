import type { Command } from 'commander';
import { WebSocket } from 'ws';
import { concatPcm16, createResampler, pcm16FromBytes, pcm16ToBytes, readWavFile, writeWavFile } from '@unpod/media';
import { FRAME_NAMES, ServerToClientFrame, parseFrame, type ServerToClientFrame as ServerFrame } from '@unpod/protocol';
import { loadConfig } from '../config.js';
import { clientCredentials } from './credentials.js';

/** Adds `unpod call` to the CLI. */
export function registerCallCommand(program: Command): void {
  program
    .command('call')
    .description('Call an agent over WebSocket audio: speak a WAV file into the call and save what the agent said.')
    .option('--agent-id <id>', 'agent to call (its pipe is used when it has one)')
    .option('--pipe-id <id>', 'pipe to call')
    .requiredOption('--wav <file>', 'what the caller says (PCM16 or G.711 WAV; sent in real time)')
    .requiredOption('--out <file>', 'where to save the agent audio (WAV)')
    .option('--timeout <seconds>', 'longest wait for the reply after speaking', '30')
    .option('--no-wait-greeting', 'speak at once instead of after the agent greeting')
    .option('--base-url <url>', 'server URL (env UNPOD_BASE_URL)')
    .option('--api-key <key>', 'API key (env UNPOD_API_KEY)')
    .option('--data-dir <dir>', 'data dir whose dev.env to read (env UNPOD_DATA_DIR, default ./.unpod)')
    .action(async (flags: { agentId?: string; pipeId?: string; wav: string; out: string; timeout: string; waitGreeting: boolean; baseUrl?: string; apiKey?: string; dataDir?: string }) => {
      const timeoutS = Number(flags.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new Error('--timeout must be a positive number of seconds');
      await runCall({ ...flags, timeoutS, dataDir: loadConfig({ dataDir: flags.dataDir }).dataDir });
    });
}

export interface CallOptions {
  agentId?: string | undefined;
  pipeId?: string | undefined;
  wav: string;
  out: string;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  dataDir: string;
  /** Longest wait for the agent's reply after the question, in seconds. */
  timeoutS: number;
  /** Wait for the agent's greeting to finish before speaking. */
  waitGreeting: boolean;
}

const FRAME_MS = 20;
const RATES = [8000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];
/** Without agent audio this long after connecting, there is no greeting to wait for. */
const NO_GREETING_AFTER_MS = 4000;
/** The reply is over when the agent has been quiet this long after its last audio. */
const REPLY_DONE_QUIET_MS = 1200;
/** Silence put between agent utterances in the saved file. */
const GAP_MS = 300;

/**
 * `unpod call`: a WebSocket audio call from a WAV file. Streams the file into the call in real
 * time (after the agent's greeting), keeps streaming silence while the agent answers, then hangs
 * up and saves everything the agent said (utterances joined by short pauses) to `--out`.
 * Transcripts (the caller's as recognised, the agent's text) are printed as they come.
 */
export async function runCall(opts: CallOptions): Promise<void> {
  if (!opts.agentId && !opts.pipeId) throw new Error('pass --agent-id or --pipe-id');
  const { baseUrl, apiKey } = await clientCredentials(opts);
  const { samples: question, sampleRateHz } = await loadQuestion(opts.wav);

  const res = await fetch(`${baseUrl}/v1/calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ transport: 'websocket', ...(opts.agentId ? { agent_id: opts.agentId } : {}), ...(opts.pipeId ? { pipe_id: opts.pipeId } : {}) }),
  });
  const call = (await res.json()) as { id?: string; client_url?: string; status?: string; end_reason?: string; error?: { code: string; message: string } };
  if (!res.ok || !call.id) throw new Error(`cannot start a call: ${call.error?.code ?? res.status}: ${call.error?.message ?? 'unexpected response'}`);
  if (!call.client_url) throw new Error(`call ${call.id} ended before it started (${call.end_reason ?? call.status}): ${call.error?.message ?? ''}`);

  const out = process.stdout;
  const socket = new WebSocket(`${call.client_url}&sample_rate=${sampleRateHz}`, { perMessageDeflate: false });
  const frameSamples = (sampleRateHz * FRAME_MS) / 1000;
  const agentAudio: Int16Array[] = [];
  let utterancesHeard = 0;
  let lastAgentAudioMs = 0;
  let agentPlaying = false;
  let greetingDone = !opts.waitGreeting;
  let questionSentAtMs: number | null = null;
  let replyStarted = false;
  let endReason: string | null = null;
  let endError: string | null = null;

  const phase = (): 'greeting' | 'question' | 'listening' => (!greetingDone ? 'greeting' : questionSentAtMs === null ? 'question' : 'listening');

  await new Promise<void>((resolve, reject) => {
    let questionAt = 0;
    let ticks = 0;
    let startMs = 0;
    let timer: NodeJS.Timeout | undefined;
    const hangup = () => {
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ event: 'hangup' }));
    };
    // One 20 ms frame per tick in real time: silence, then the question, then silence again.
    const tick = () => {
      if (socket.readyState !== WebSocket.OPEN || endReason !== null) return;
      const now = performance.now();
      while (startMs + ticks * FRAME_MS <= now) {
        ticks++;
        let frame: Int16Array = new Int16Array(frameSamples);
        const current = phase();
        if (current === 'greeting' && !agentPlaying && utterancesHeard === 0 && now - startMs > NO_GREETING_AFTER_MS) greetingDone = true;
        if (phase() === 'question') {
          frame = question.slice(questionAt, questionAt + frameSamples);
          if (frame.length < frameSamples) frame = padded(frame, frameSamples);
          questionAt += frameSamples;
          if (questionAt >= question.length) questionSentAtMs = now;
        }
        socket.send(pcm16ToBytes(frame));
      }
      if (phase() === 'listening') {
        const waited = now - questionSentAtMs!;
        const quiet = !agentPlaying && now - lastAgentAudioMs > REPLY_DONE_QUIET_MS;
        if ((replyStarted && quiet) || waited > opts.timeoutS * 1000) return hangup();
      }
      timer = setTimeout(tick, Math.max(0, startMs + ticks * FRAME_MS - performance.now()));
    };
    socket.on('error', (err) => reject(new Error(`call socket error: ${err.message}`)));
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        agentAudio.push(pcm16FromBytes(data as Buffer));
        lastAgentAudioMs = performance.now();
        return;
      }
      const parsed = parseFrame<ServerFrame>(data.toString(), ServerToClientFrame, 'event', FRAME_NAMES.serverToClient);
      if (!parsed.ok) return;
      const frame = parsed.frame;
      switch (frame.event) {
        case 'call.connected':
          out.write(`Connected to call ${call.id} (${sampleRateHz} Hz).\n`);
          startMs = performance.now();
          tick();
          break;
        case 'agent.audio.started':
          if (utterancesHeard++ > 0) agentAudio.push(new Int16Array(Math.round((sampleRateHz * GAP_MS) / 1000)));
          agentPlaying = true;
          if (questionSentAtMs !== null) replyStarted = true;
          break;
        case 'agent.audio.ended':
          agentPlaying = false;
          lastAgentAudioMs = performance.now();
          if (!greetingDone) greetingDone = true;
          break;
        case 'user.text':
          out.write(`caller: ${frame.text}\n`);
          break;
        case 'agent.text.end':
          out.write(`agent:  ${frame.text}\n`);
          break;
        case 'error':
          out.write(`[error ${frame.code}: ${frame.message}]\n`);
          if (endReason === null) endError = `${frame.code}: ${frame.message}`;
          break;
        case 'call.ended':
          endReason = frame.reason;
          out.write(`[call ended: ${frame.reason}] Details: GET ${baseUrl}/v1/calls/${call.id}\n`);
          break;
        default:
          break;
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });

  const reply = concatPcm16(agentAudio);
  await writeWavFile(opts.out, { sampleRateHz, channels: 1 }, reply);
  out.write(`Saved ${(reply.length / sampleRateHz).toFixed(1)} s of agent audio to ${opts.out}\n`);
  if (questionSentAtMs === null) throw new Error(`the call ended before the question was sent (${endReason ?? 'socket closed'}${endError ? `; ${endError}` : ''})`);
}

/** The WAV as mono PCM16 at a rate the transport takes (first channel; other rates go to 16 kHz). */
async function loadQuestion(file: string): Promise<{ samples: Int16Array; sampleRateHz: number }> {
  const wav = await readWavFile(file);
  let samples = wav.samples;
  if (wav.channels > 1) {
    const mono = new Int16Array(Math.floor(samples.length / wav.channels));
    for (let i = 0; i < mono.length; i++) mono[i] = samples[i * wav.channels]!;
    samples = mono;
  }
  if (RATES.includes(wav.sampleRateHz)) return { samples, sampleRateHz: wav.sampleRateHz };
  const resampler = await createResampler({ inRateHz: wav.sampleRateHz, outRateHz: 16_000 });
  try {
    return { samples: concatPcm16([resampler.process(samples), resampler.flush()]), sampleRateHz: 16_000 };
  } finally {
    resampler.close();
  }
}

function padded(frame: Int16Array, length: number): Int16Array {
  const out = new Int16Array(length);
  out.set(frame);
  return out;
}

