/**
 * `bluezone serve`, `bluezone migrate`, `bluezone apikeys add`: the server and its database.
 * Every command that touches the database takes `--db PATH` (a SQLite file) or uses
 * `DATABASE_URL` (PostgreSQL); the rest of the configuration comes from the environment
 * (docs/operations.md).
 *
 * @module
 */
import {
  type ApiKeyRole,
  type Config,
  ConfigError,
  closeOnSignals,
  createApiKey,
  describeStorage,
  loadConfig,
  migrateToLatest,
  openStorage,
  type RunningServer,
  STANDALONE_API_KEY_ROLES,
  startServer,
} from '@bluezone/server';
import type { Command } from 'commander';
import { demoBanner, startDemo } from '../demo/seed.js';
import { ExitCode, UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { intOption } from '../options.js';

interface DbOption {
  db?: string;
}

/** The server configuration from the environment, with `--db` and other overrides applied. */
export function configFrom(io: CliIo, options: DbOption & { port?: string; host?: string }): Config {
  const env: Record<string, string | undefined> = { ...io.env };
  if (options.db !== undefined) {
    env['BLUEZONE_DB'] = options.db;
    delete env['DATABASE_URL'];
  }
  const port = intOption(options.port, '--port', 0, 65_535);
  if (port !== undefined) env['BLUEZONE_PORT'] = String(port);
  if (options.host !== undefined) env['BLUEZONE_HOST'] = options.host;
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message, ExitCode.config);
    throw error;
  }
}

const dbOption = [
  '--db <path>',
  'SQLite database file (default: $BLUEZONE_DB or ./data/bluezone.db; without it, DATABASE_URL selects PostgreSQL)',
] as const;

export function registerServerCommands(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Run the Bluezone server (migrates the database first)')
    .option('--port <port>', 'TCP port (default $BLUEZONE_PORT or 8080; 0 = any free port)')
    .option('--host <address>', 'address to listen on (default $BLUEZONE_HOST or 127.0.0.1)')
    .option(...dbOption)
    .option(
      '--demo',
      'seed the demo (users, synthetic installs, a traced outbreak) into a new database, once',
    )
    .action(async (options: DbOption & { port?: string; host?: string; demo?: boolean }) => {
      const config = configFrom(io, options);
      let server: RunningServer;
      if (options.demo) {
        const progress = (line: string) => io.stderr(`${line}\n`);
        const demo = await startDemo(config, { log: progress });
        server = demo.server;
        io.stderr(demoBanner(server.url, demo.seeded));
      } else {
        server = await startServer(config);
      }
      io.stderr(
        `Bluezone server listening on ${server.url} (${describeStorage(config)}); API docs at ${server.url}/docs\n`,
      );
      await new Promise<void>((resolve) => closeOnSignals(server, resolve));
    });

  program
    .command('migrate')
    .description('Bring the database schema to the latest version')
    .option(...dbOption)
    .option('--json', 'print {"applied":[…],"current":[…]}')
    .action(async (options: DbOption & { json?: boolean }) => {
      const config = configFrom(io, options);
      const storage = await openStorage(config);
      try {
        const report = await migrateToLatest(storage);
        if (options.json) io.stdout(`${JSON.stringify(report)}\n`);
        else
          io.stdout(
            `${describeStorage(config)}: ${report.applied.length === 0 ? 'already up to date' : `applied ${report.applied.join(', ')}`} (${report.current.length} migrations)\n`,
          );
      } finally {
        await storage.close();
      }
    });

  const apikeys = program.command('apikeys').description('API keys for integrations and the app');
  apikeys
    .command('add')
    .description('Create an API key; the key is printed once and stored only as a hash')
    .requiredOption('--role <role>', `one of ${STANDALONE_API_KEY_ROLES.join(', ')}`)
    .option('--name <name>', 'what the key is for', 'unnamed')
    .option(...dbOption)
    .option('--json', 'print {"id","key","role"}')
    .action(async (options: DbOption & { role: string; name: string; json?: boolean }) => {
      if (!(STANDALONE_API_KEY_ROLES as readonly string[]).includes(options.role)) {
        throw new UsageError(
          `--role must be one of ${STANDALONE_API_KEY_ROLES.join(', ')}, got ${JSON.stringify(options.role)}`,
        );
      }
      if (options.name.length > 100) throw new UsageError('--name must be at most 100 characters');
      const config = configFrom(io, options);
      const storage = await openStorage(config);
      try {
        await migrateToLatest(storage);
        const created = await createApiKey(
          storage.db,
          options.role as ApiKeyRole,
          options.name,
          io.now().getTime(),
        );
        if (options.json) io.stdout(`${JSON.stringify(created)}\n`);
        else
          io.stdout(
            `API key ${created.id} (role ${created.role}):\n${created.key}\nStore it now: it cannot be shown again.\n`,
          );
      } finally {
        await storage.close();
      }
    });
}
