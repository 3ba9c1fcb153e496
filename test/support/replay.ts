/**
 * Replay histories are recorded from real runs in the integration tests and committed, so a change
 * to workflow code that would break running workflows fails test/replay/. To refresh them after an
 * intended, versioned change: RECORD_REPLAY_HISTORIES=1 npx vitest run --project integration test/integration
 */
import type { WorkflowHandle } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, temporalCliPath } from '../../lib/stack/tools';

export interface RecordedHistory {
  workflowId: string;
  history: unknown;
}

export const HISTORIES_DIR = path.join(PROJECT_ROOT, 'test', 'replay', 'histories');

export async function recordHistory(handle: WorkflowHandle, name: string, address: string, namespace = 'default'): Promise<void> {
  if (process.env.RECORD_REPLAY_HISTORIES !== '1') return;
  // The Temporal CLI writes the canonical JSON history (the SDK's proto helpers do not survive
  // vitest's module loading: two protobufjs instances).
  const json = execFileSync(temporalCliPath(), ['workflow', 'show', '--workflow-id', handle.workflowId, '--address', address, '--namespace', namespace, '--output', 'json'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // Replay needs the original workflow ID: child IDs are derived from it.
  const recorded: RecordedHistory = { workflowId: handle.workflowId, history: JSON.parse(json.toString('utf8')) };
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${JSON.stringify(recorded)}\n`);
}
