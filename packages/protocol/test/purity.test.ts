import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = (pkg: string) => fileURLToPath(new URL(`../../${pkg}/src/index.ts`, import.meta.url));

async function bundleForBrowser(pkg: string) {
  return build({
    entryPoints: [entry(pkg)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
}

describe('the protocol package is runtime-agnostic', () => {
  it('bundles for the browser platform with no Node built-in', async () => {
    const result = await bundleForBrowser('protocol');
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes('packages/protocol/src/'))).toBe(true);
    expect(inputs.filter((p) => p.startsWith('node:') || !p.includes('/'))).toEqual([]);
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/\brequire\(["'](node:|fs|crypto|buffer)/);
  });

  it('is a check that can fail: the Node adapter does not bundle for the browser', async () => {
    await expect(bundleForBrowser('crypto-node')).rejects.toThrow(/node:crypto/);
  });
});
