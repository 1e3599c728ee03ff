#!/usr/bin/env node
// Entry point of the `unpod` CLI: runs the compiled TypeScript in ../dist.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('unpod: the server is not built yet; run `npm run build` at the repository root first\n');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
