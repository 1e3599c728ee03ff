import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SPA_YAML } from '../testing/spa.js';
import { WELLNESS_FLOW } from '../testing/flows.js';
import { main } from './main.js';

function io(input: string[] = []) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => (stdout += d.toString()));
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  return {
    io: { stdin: Readable.from(input.map((l) => `${l}\n`)), stdout: out, stderr: err, env: {} },
    text: () => ({ stdout, stderr }),
  };
}

async function files(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sd-cli-'));
  await writeFile(path.join(dir, 'spa.yaml'), SPA_YAML);
  await writeFile(path.join(dir, 'spa-code.yaml'), SPA_YAML.replace('  - id: create_booking\n', '  - id: create_booking\n    type: code\n'));
  await writeFile(path.join(dir, 'tools.mjs'), 'export const tools = { create_booking: (args) => ({ ref: `T-${args.name ?? "x"}` }) };');
  await writeFile(path.join(dir, 'bad.yaml'), 'journeys:\n  main:\n    checkpoints:\n      - id: a\n        gate: firm\n');
  await writeFile(path.join(dir, 'flow.json'), JSON.stringify(WELLNESS_FLOW));
  await writeFile(
    path.join(dir, 'suite.yaml'),
    ['scripts:', '  - name: greets and asks', '    turns:', '      - say: a facial', '        expect: { checkpoint: collect, slots: { service: facial } }', '  - name: wrong', '    turns:', '      - say: hi', '        expect: { ended: true }', 'personas:', '  - name: brisk', '    goal: book a facial', '    replies: [facial for one on 2026-12-01, yes, I am Ro]', '    ground_truth_slots: { service: facial, guests: 1 }'].join('\n'),
  );
  return dir;
}

describe('superdialog CLI', () => {
  it('chat: talks to a playbook on stdin/stdout with a status line on stderr, and writes the log', async () => {
    const dir = await files();
    const t = io(['sauna tomorrow for two', 'yes', 'I am Noor', '/quit']);
    const log = path.join(dir, 'chat.jsonl');
    expect(await main(['chat', path.join(dir, 'spa.yaml'), '--log', log], t.io)).toBe(0);
    const { stdout, stderr } = t.text();
    expect(stdout).toContain('agent> Welcome to Harbour Spa.');
    expect(stdout).toMatch(/agent> Just to confirm: date \w+ \d+ \w+\. Is that right\?/);
    expect(stderr).toContain('[spa.collect v');
    const events = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(events[0]!.type).toBe('session_start');
  });

  it('validate: ok summary, or every problem with file, line, path and reason', async () => {
    const dir = await files();
    const good = io();
    expect(await main(['validate', path.join(dir, 'spa.yaml')], good.io)).toBe(0);
    expect(good.text().stdout).toMatch(/^ok: playbook, 6 checkpoints, 1 tools, initial spa.greet/);
    const bad = io();
    expect(await main(['validate', path.join(dir, 'bad.yaml')], bad.io)).toBe(1);
    expect(bad.text().stderr).toMatch(/bad\.yaml:5: journeys\.main\.checkpoints\[0\]\.gate: Invalid option/);
  });

  it('compile: a flow to playbook YAML plus the coverage report', async () => {
    const dir = await files();
    const t = io();
    expect(await main(['compile', path.join(dir, 'flow.json')], t.io)).toBe(0);
    expect(t.text().stdout).toContain('collect_details');
    expect(t.text().stderr).toMatch(/3 checkpoints, 0 tools, 0 interrupts/);
  });

  it('eval: runs the suite, prints scores and a pass/fail line', async () => {
    const dir = await files();
    const t = io();
    expect(await main(['eval', path.join(dir, 'spa-code.yaml'), path.join(dir, 'suite.yaml'), '--tools', path.join(dir, 'tools.mjs')], t.io)).toBe(1);
    const { stdout } = t.text();
    expect(stdout).toContain('PASS  greets and asks');
    expect(stdout).toContain('FAIL  wrong');
    expect(stdout).toMatch(/PASS {2}persona brisk {2}turns=3 completed=true outcome=booked slots=1.00/);
    expect(stdout).toMatch(/objective \d\.\d{3}/);
    expect(stdout).toContain('2 passed, 1 failed');
  });

  it('prints usage for unknown commands', async () => {
    const t = io();
    expect(await main(['dance'], t.io)).toBe(2);
    expect(t.text().stderr).toContain('usage: superdialog');
  });
});
