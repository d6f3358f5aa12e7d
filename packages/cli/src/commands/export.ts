/**
 * `bluezone export …`: key export files. (Filled in by the key export work.)
 *
 * @module
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';

export function registerExportCommands(_program: Command, _io: CliIo): void {}
