/**
 * The SDK's main entry runs in React Native, browsers and Node: it bundles for the browser with
 * no Node built-in, and no source file but the Node adapters (SQLite, matching worker threads)
 * names a Node module or global. Control tests prove both checks can fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
/** The Node-only entries and the worker script: never imported by the main entry. */
const NODE_ADAPTERS = ['sqlite.ts', 'node-workers.ts', 'node-workers-worker.ts'];

async function bundleForBrowser(entry: string) {
  return build({
    entryPoints: [`${srcDir}${entry}`],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
}

/** Node-only names a portable source must not use (outside comments). */
const NODE_ONLY =
  /\b(?:from ['"](?:node:[a-z_/]+|fs|path|os|crypto|buffer|stream|util|child_process|better-sqlite3)['"]|Buffer\.|process\.|require\(|__dirname|__filename)/;

function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe('the device SDK is runtime-agnostic', () => {
  it('bundles its main entry for the browser platform with no Node built-in', async () => {
    const result = await bundleForBrowser('index.ts');
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('packages/device/src/'))).toBe(true);
    expect(inputs.some((p) => p.includes('sqlite') || p.includes('node-workers'))).toBe(false);
    expect(inputs.filter((p) => p.startsWith('node:') || !p.includes('/'))).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/\brequire\(["'](node:|fs|crypto|buffer)/);
  });

  it('uses no Node module or global in any source file but the Node adapters', () => {
    const files = readdirSync(srcDir).filter((f) => f.endsWith('.ts') && !NODE_ADAPTERS.includes(f));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) =>
      NODE_ONLY.test(withoutComments(readFileSync(`${srcDir}${f}`, 'utf8'))),
    );
    expect(offenders).toEqual([]);
  });

  it('is a check that can fail: the SQLite adapter does not bundle for the browser and names Node', async () => {
    await expect(bundleForBrowser('sqlite.ts')).rejects.toThrow(/fs|path|node:/);
    expect(NODE_ONLY.test(withoutComments(readFileSync(`${srcDir}sqlite.ts`, 'utf8')))).toBe(true);
  });

  it('is a check that can fail: the worker-thread matcher does not bundle for the browser and names Node', async () => {
    await expect(bundleForBrowser('node-workers.ts')).rejects.toThrow(/node:/);
    for (const file of ['node-workers.ts', 'node-workers-worker.ts']) {
      expect(NODE_ONLY.test(withoutComments(readFileSync(`${srcDir}${file}`, 'utf8')))).toBe(true);
    }
  });
});
