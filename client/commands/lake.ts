// Placeholder until the lake commands land (issue 6).
import type { Command } from 'commander';

export function registerLakeCommands(_program: Command): void {}
