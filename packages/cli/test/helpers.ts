/**
 * Runs the CLI in-process with a captured console and the real file system.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processIo } from '../src/io.js';
import { run } from '../src/main.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `bluezone <argv…>` in-process. `now` fixes the clock; `env` replaces the environment. */
export async function runCli(
  argv: readonly string[],
  options: { now?: Date; env?: Record<string, string> } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io = {
    ...processIo(),
    stdout: (text: string) => {
      stdout += text;
    },
    stderr: (text: string) => {
      stderr += text;
    },
    now: () => options.now ?? new Date(),
    interactive: false,
    ...(options.env ? { env: options.env } : {}),
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

/** A fresh temporary directory; `file(name, content)` writes into it and returns the path. */
export function tempDir(): { dir: string; file: (name: string, content: string | Uint8Array) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'bluezone-cli-'));
  return {
    dir,
    file: (name, content) => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}
