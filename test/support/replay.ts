/**
 * Replay histories are recorded from real runs in the integration tests and committed, so a change
 * to workflow code that would break running workflows fails test/replay/. To refresh them after an
 * intended, versioned change: RECORD_REPLAY_HISTORIES=1 npx vitest run --project integration test/integration
 */
import type { WorkflowHandle } from '@temporalio/client';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/stack/tools';

export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_REPLAY_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  mkdirSync(HISTORIES_DIR, { recursive: true });
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(history, null, 1)}\n`);
}
