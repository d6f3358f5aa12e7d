/**
 * The `bluezone` command. Thin: parses arguments and calls the packages. {@link run} is the
 * in-process entry point used by tests; `bin/bluezone.js` calls it with the real process.
 *
 * @module
 */
import { Command, CommanderError } from 'commander';
import { registerBenchCommands } from './commands/bench.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerExportCommands } from './commands/export.js';
import { registerExportsCommands } from './commands/exports.js';
import { registerImportCommands } from './commands/import.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerLegacyCommands } from './commands/legacy.js';
import { registerReportCommands } from './commands/report.js';
import { registerRiskCommands } from './commands/risk.js';
import { registerServerCommands } from './commands/server.js';
import { registerSimCommand } from './commands/sim.js';
import { registerStatsCommands } from './commands/stats.js';
import { registerUsersCommands } from './commands/users.js';
import { ExitCode, isUserError, UsageError } from './errors.js';
import { type CliIo, processIo } from './io.js';

/** Version printed by `bluezone --version`. */
export const VERSION = '0.1.0';

/** Commander's output through `io`; its errors become one `bluezone: …` line with a pointer to --help. */
function output(io: CliIo) {
  return {
    writeOut: (text: string) => io.stdout(text),
    writeErr: (text: string) => io.stderr(text),
    outputError: (text: string, write: (text: string) => void) =>
      write(`bluezone: ${text.replace(/^error: /, '').trimEnd()} (see --help)\n`),
  };
}

/** Builds the command tree; actions write through `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('bluezone')
    .description('Bluezone: proximity detection, tracing, statistics and reports')
    .version(VERSION)
    .configureOutput(output(io))
    .exitOverride();
  registerKeysCommands(program, io);
  registerLegacyCommands(program, io);
  registerExportCommands(program, io);
  registerRiskCommands(program, io);
  registerServerCommands(program, io);
  registerUsersCommands(program, io);
  registerStatsCommands(program, io);
  registerImportCommands(program, io);
  registerReportCommands(program, io);
  registerExportsCommands(program, io);
  registerBenchCommands(program, io);
  registerDemoCommand(program, io);
  registerSimCommand(program, io);
  // Subcommands inherit output and exit handling.
  const configure = (command: Command) => {
    command.configureOutput(output(io)).exitOverride();
    command.commands.forEach(configure);
  };
  program.commands.forEach(configure);
  return program;
}

/** Runs the command line `argv` (without the node and script paths) and returns the exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
      ) {
        return ExitCode.ok;
      }
      // Commander already printed its one-line message.
      return ExitCode.usage;
    }
    if (isUserError(error)) {
      io.stderr(`bluezone: ${error.message}\n`);
      return error instanceof UsageError ? error.exitCode : ExitCode.usage;
    }
    io.stderr(
      `bluezone: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return ExitCode.internal;
  }
}
