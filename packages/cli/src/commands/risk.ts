/**
 * `bluezone risk …`: risk scoring. (Filled in by the risk scoring work.)
 *
 * @module
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';

export function registerRiskCommands(_program: Command, _io: CliIo): void {}
