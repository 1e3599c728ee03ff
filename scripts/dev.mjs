// Runs `unpod dev` (or reuses a stack already running on the same data dir), makes sure a pipe
// for the example echo agent exists, and runs that agent against the stack.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(process.env.UNPOD_DATA_DIR ?? path.join(root, '.unpod'));
const agentId = 'echo-agent';
const children = [];

function stopAll(code) {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  process.exitCode = code;
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function readDevEnv() {
  const text = readFileSync(path.join(dataDir, 'dev.env'), 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
}

async function ensurePipe(baseUrl, apiKey) {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const list = await (await fetch(`${baseUrl}/v1/pipes?agent_id=${agentId}`, { headers })).json();
  if (list.data?.length) return list.data[0];
  const res = await fetch(`${baseUrl}/v1/pipes`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'Echo demo', agent_id: agentId, voice_profile: 'VP_embedded_en', recording: true }),
  });
  if (!res.ok) throw new Error(`cannot create the demo pipe: ${res.status} ${await res.text()}`);
  return res.json();
}

function startAgent(env) {
  const entry = path.join(root, 'examples', 'echo-agent', 'dist', 'index.js');
  const agent = spawn(process.execPath, [entry], { stdio: 'inherit', env: { ...process.env, ...env } });
  children.push(agent);
  agent.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`[dev] echo agent exited with ${code}`);
    stopAll(code ?? 0);
  });
}

const unpod = spawn(process.execPath, [path.join(root, 'packages', 'server', 'bin', 'unpod.js'), 'dev', '--data-dir', dataDir, ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
children.push(unpod);
let agentStarted = false;
const onReady = async () => {
  if (agentStarted) return;
  agentStarted = true;
  const env = readDevEnv();
  const pipe = await ensurePipe(env.UNPOD_BASE_URL, env.UNPOD_API_KEY);
  startAgent(env);
  console.log(`  Demo pipe  ${pipe.id} (agent_id ${agentId})`);
  console.log(`  Talk to it from another terminal:  npx unpod chat --agent-id ${agentId}\n`);
};
createInterface({ input: unpod.stdout }).on('line', (line) => {
  if (!line.startsWith('unpod listening on')) console.log(line);
  if (line.startsWith('unpod listening on') || line.includes('already running')) {
    onReady().catch((err) => {
      console.error(`[dev] ${err.message}`);
      stopAll(1);
    });
  }
});
unpod.on('exit', (code) => {
  // `unpod dev` exits 0 at once when a stack is already running: keep the agent attached to it.
  if (code === 0 && agentStarted && children.some((c) => c !== unpod && c.exitCode === null)) return;
  if (code !== 0) stopAll(code ?? 1);
});
