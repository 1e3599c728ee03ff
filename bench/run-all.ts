import { main as bridge } from './bridge.js';
import { main as cloudTts } from './cloud-tts.js';
import { main as cluster } from './cluster.js';
import { main as controlPlane } from './control-plane.js';
import { main as dialog } from './dialog.js';
import { main as failover } from './failover.js';
import { main as ops } from './ops.js';
import { main as sip } from './sip.js';
import { main as voice } from './voice.js';

/** Every benchmark in turn (`npm run bench` at the root); each writes its own results file. */
const BENCHMARKS: Array<[string, () => Promise<void>]> = [
  ['control-plane', controlPlane],
  ['bridge', bridge],
  ['cluster', cluster],
  ['dialog', dialog],
  ['voice', voice],
  ['failover', failover],
  ['sip', sip],
  ['cloud-tts', cloudTts],
  ['ops', ops],
];

for (const [name, run] of BENCHMARKS) {
  process.stderr.write(`== ${name}\n`);
  await run();
}
