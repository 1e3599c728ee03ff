import { defineConfig } from 'vitest/config';

// One suite for the whole monorepo. Tests import workspace packages through their built `dist`
// (the test command builds first), so what is tested is what ships.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts', 'bench/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
