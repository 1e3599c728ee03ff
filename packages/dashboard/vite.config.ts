import { defineConfig } from 'vite';

// The dashboard is served by the Unpod server at `/`. `npm run dev -w @unpod/dashboard` proxies
// the API to a server on 127.0.0.1:7700 (override with UNPOD_BASE_URL).
const api = process.env.UNPOD_BASE_URL ?? 'http://127.0.0.1:7700';

export default defineConfig({
  base: '/',
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/v1': { target: api, ws: true, changeOrigin: false }, '/openapi.json': api } },
});
