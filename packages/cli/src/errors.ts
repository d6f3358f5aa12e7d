/**
 * CLI error handling: user errors (bad arguments, bad input files) end with exit code 2 and one
 * line on stderr; anything else is a bug and ends with exit code 1 and its stack.
 *
 * @module
 */
import { ProtocolError } from '@bluezone/protocol';

/** Exit codes of the `bluezone` command. */
export const ExitCode = { ok: 0, internal: 1, usage: 2, config: 78 } as const;

/** A user error: bad arguments or bad input. Its message is shown as is, without a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The process exit code: 2, or 78 (EX_CONFIG) for a bad configuration value. */
  readonly exitCode: number;

  constructor(message: string, exitCode: number = ExitCode.usage) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** True for errors caused by the user's input rather than by a bug. */
export function isUserError(error: unknown): error is Error {
  return error instanceof UsageError || error instanceof ProtocolError;
}
