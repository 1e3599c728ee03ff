import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { machineInfo, type MachineInfo } from './machine.js';

/** `bench/results/`, from both the sources and the compiled `bench/dist/lib/`. */
export const RESULTS_DIR = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../results/' : '../results/', import.meta.url));

export interface BenchReport<P, R> {
  benchmark: string;
  date: string;
  machine: MachineInfo;
  parameters: P;
  results: R[];
}

/** Write `<RESULTS_DIR>/<name>.json` (or `file` when given) and return the path. */
export async function writeResults<P, R>(name: string, parameters: P, results: R[], file?: string): Promise<string> {
  const report: BenchReport<P, R> = { benchmark: name, date: new Date().toISOString(), machine: machineInfo(), parameters, results };
  const target = file ?? path.join(RESULTS_DIR, `${name}.json`);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, JSON.stringify(report, null, 2) + '\n');
  return target;
}
