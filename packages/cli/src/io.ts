/**
 * The CLI's port to the outside world, so that commands run in-process in tests.
 *
 * @module
 */
import { readFile, writeFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

/** What a command may touch. */
export interface CliIo {
  /** Writes to standard output (the caller adds newlines). */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Reads a whole file. Missing or unreadable files become a {@link UsageError}. */
  readFile(path: string): Promise<Uint8Array>;
  /** Writes a whole file. */
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /** The current time. */
  now(): Date;
  /** True when standard error is a terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
  /** Environment variables (configuration of the server commands). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input as UTF-8 (`--password-stdin`); absent where there is none. */
  readonly readStdin?: () => Promise<string>;
}

/** Reads a file as UTF-8 text through `io`. */
export async function readText(io: CliIo, path: string): Promise<string> {
  return new TextDecoder('utf-8').decode(await io.readFile(path));
}

/** Reads and parses a JSON file through `io`; a syntax error names the file. */
export async function readJson(io: CliIo, path: string): Promise<unknown> {
  const text = await readText(io, path);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function describeFsError(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `cannot read ${path}: no such file`;
  if (code === 'EISDIR') return `cannot read ${path}: it is a directory`;
  if (code === 'EACCES') return `cannot read ${path}: permission denied`;
  return `cannot read ${path}: ${(error as Error).message}`;
}

/** The real process: stdout, stderr, the file system and the clock. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readFile: async (path) => {
      try {
        return new Uint8Array(await readFile(path));
      } catch (error) {
        throw new UsageError(describeFsError(path, error));
      }
    },
    writeFile: async (path, data) => {
      try {
        await writeFile(path, data);
      } catch (error) {
        throw new UsageError(`cannot write ${path}: ${(error as Error).message}`);
      }
    },
    now: () => new Date(),
    interactive: Boolean(process.stderr.isTTY),
    env: process.env,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
