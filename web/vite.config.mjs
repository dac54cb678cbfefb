// Builds the dashboard (web/) into dist/web, served by cao-server at `/` (src/server/routes/web.ts).
// `npm run web:dev` serves it with hot reload on :5173 and passes the API (and the terminal
// WebSocket) through to a cao-server on CAO_API_PORT (default 9889); start that server with
// CAO_CORS_ORIGINS=http://localhost:5173 so it accepts the dev page (API and terminal WebSocket).
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const api = `http://127.0.0.1:${process.env.CAO_API_PORT ?? '9889'}`;
const proxied = ['/sessions', '/terminals', '/inbox', '/agents', '/events', '/health'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 1024,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(
      proxied.map((p) => [p, { target: api, changeOrigin: true, ws: p === '/terminals' }]),
    ),
  },
});
