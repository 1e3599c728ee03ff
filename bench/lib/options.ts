/**
 * Benchmark parameters from `--name value` / `--name=value` flags, else `BENCH_NAME` env, else the
 * default. Invalid numbers fail at once with the option named.
 */
export function readOption(name: string, fallback: string, argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}`) {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      return value;
    }
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback;
}

export function readNumberOption(name: string, fallback: number, { min = 0, integer = false } = {}): number {
  const raw = readOption(name, String(fallback));
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} / BENCH_${name.toUpperCase().replace(/-/g, '_')}: "${raw}" is not ${integer ? 'an integer' : 'a number'} >= ${min}`);
  }
  return n;
}
