/**
 * `bluezone users add`: creates a portal user (the first national admin, typically) directly in
 * the database. The password comes from standard input with `--password-stdin`, or is generated
 * and printed once; it is stored only as an argon2id hash.
 *
 * @module
 */
import {
  ApiError,
  createUser,
  loadAdminUnits,
  migrateToLatest,
  openStorage,
  USER_ROLES,
  type UserRole,
} from '@bluezone/server';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { configFrom } from './server.js';

interface UsersAddOptions {
  username: string;
  role: string;
  province?: string;
  district?: string[];
  passwordStdin?: boolean;
  db?: string;
  json?: boolean;
}

/** Registers `bluezone users …`. */
export function registerUsersCommands(program: Command, io: CliIo): void {
  const users = program.command('users').description('Health-authority users of the portal and admin API');
  users
    .command('add')
    .description('Create a user; a generated password is printed once and stored only as a hash')
    .requiredOption('--username <name>', '3 to 64 lower-case letters, digits, ".", "_" or "-"')
    .requiredOption('--role <role>', `one of ${USER_ROLES.join(', ')}`)
    .option('--province <code>', 'GSO province code (every role but national_admin)')
    .option('--district <code...>', 'limit the user to these GSO district codes of the province')
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .option(
      '--db <path>',
      'SQLite database file (default: $BLUEZONE_DB or ./data/bluezone.db; without it, DATABASE_URL selects PostgreSQL)',
    )
    .option('--json', 'print {"user", "password"?} as JSON')
    .action(async (options: UsersAddOptions) => {
      if (!(USER_ROLES as readonly string[]).includes(options.role)) {
        throw new UsageError(
          `--role must be one of ${USER_ROLES.join(', ')}, got ${JSON.stringify(options.role)}`,
        );
      }
      let password: string | undefined;
      if (options.passwordStdin) {
        if (!io.readStdin)
          throw new UsageError('--password-stdin needs standard input, which is not available here');
        password = (await io.readStdin()).replace(/\r?\n$/, '');
        if (password === '')
          throw new UsageError('--password-stdin read an empty password; pipe the password in');
      }
      const config = configFrom(io, options);
      const storage = await openStorage(config);
      try {
        await migrateToLatest(storage);
        const created = await createUser(
          { storage, adminUnits: loadAdminUnits() },
          'cli',
          {
            username: options.username,
            role: options.role as UserRole,
            provinceCode: options.province ?? null,
            districtCodes: options.district ?? null,
            password,
          },
          io.now().getTime(),
        ).catch((error: unknown) => {
          if (error instanceof ApiError)
            throw new UsageError(error.message.replace(/\bprovinceCode\b/, '--province'));
          throw error;
        });
        if (options.json) io.stdout(`${JSON.stringify(created)}\n`);
        else {
          const u = created.user;
          const scope = u.provinceCode === null ? 'national' : `province ${u.provinceCode}`;
          io.stdout(`User ${u.username} (${u.id}), role ${u.role}, ${scope}.\n`);
          if (created.password !== undefined)
            io.stdout(`Password:\n${created.password}\nStore it now: it cannot be shown again.\n`);
        }
      } finally {
        await storage.close();
      }
    });
}
