import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index.ts') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}`, import.meta.url));

// Tests run against the TypeScript sources of every workspace package, not their build output.
export default defineConfig({
  resolve: {
    alias: {
      '@bluezone/protocol': src('protocol'),
      '@bluezone/crypto-node': src('crypto-node'),
      // The subpaths first: an alias also matches the imports below its name.
      '@bluezone/device/sqlite': src('device', 'sqlite.ts'),
      '@bluezone/device/node-workers': src('device', 'node-workers.ts'),
      '@bluezone/device': src('device'),
      '@bluezone/reports': src('reports'),
      '@bluezone/server': src('server'),
      '@bluezone/sim': src('sim'),
      '@bluezone/cli': src('cli', 'main.ts'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    sequence: { shuffle: true },
    testTimeout: 30_000,
  },
});
