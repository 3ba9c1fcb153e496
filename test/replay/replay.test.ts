/**
 * Committed histories of real hourly, nightly and backfill runs replay against today's workflow code
 * without non-determinism errors.
 */
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { HISTORIES_DIR } from '../support/replay';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('workflow replay', () => {
  it('has histories for the hourly, nightly and backfill workflows', () => {
    expect(files.map((f) => f.replace(/\.json$/, ''))).toEqual(expect.arrayContaining(['hourly', 'nightly', 'backfill']));
  });

  it.each(files)('%s replays without non-determinism', async (file) => {
    const history = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
    const result = await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file);
    expect(result).toBeUndefined();
  });
});
