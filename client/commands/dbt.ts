// Placeholder until the dbt command lands (issue 9).
import type { Command } from 'commander';

export function registerDbtCommand(_program: Command): void {}
