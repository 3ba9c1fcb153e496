/**
 * Committed histories of real hourly, nightly and backfill runs replay against today's workflow code
 * without non-determinism errors. The integration tests record them (RECORD_REPLAY_HISTORIES=1, see
 * test/support/replay.ts) after an intended, versioned change to workflow code.
 */
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { HISTORIES_DIR, type RecordedHistory } from '../support/replay';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

describe('workflow replay', () => {
  it('has histories for the hourly, nightly and backfill workflows', () => {
    expect(files).toEqual(['backfill.json', 'hourly.json', 'nightly.json']);
  });

  it.each(files)('%s replays without non-determinism', async (file) => {
    const { workflowId, history } = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as RecordedHistory;
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, workflowId)).resolves.toBeUndefined();
  });
});
