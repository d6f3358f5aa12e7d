import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The portal is served by the Bluezone server from `dist/` at the site root.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
