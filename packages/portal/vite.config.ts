import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `npm start` runs the server; the dev server forwards the API to it (same origin for the cookie). */
const API = 'http://127.0.0.1:8080';

// The portal is served by the Bluezone server from `dist/` at the site root.
export default defineConfig({
  plugins: [react()],
  base: '/',
  // ECharts (~500 kB) is its own chunk, loaded only by the graph page: no warning for it.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/admin': API, '/v1': API, '/api': API } },
});
