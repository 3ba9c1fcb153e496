// Placeholder until the API commands land (issue 8).
import type { Command } from 'commander';

export function registerApiCommands(_program: Command): void {}
