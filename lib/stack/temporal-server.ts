/**
 * The real Temporal dev server (`temporal server start-dev`: SQLite persistence, UI) started from the
 * binary installed by lib/stack/tools.ts. We spawn it ourselves rather than through the SDK's
 * TestWorkflowEnvironment, whose ~5 s start-up wait is too short on a 2-core machine.
 */
import path from 'node:path';
import { startProcess, type ManagedProcess } from './child';
import { waitForPort } from './ports';
import { temporalCliPath } from './tools';

export interface TemporalDevServer {
  address: string;
  uiUrl: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(opts: {
  port: number;
  uiPort: number;
  stateDir: string;
  /** Persist history across restarts (dev, demo --keep); tests use an in-memory database. */
  dbFile?: string;
  /** Namespaces to create besides `default` (tests that own schedules use their own). */
  namespaces?: string[];
  log?: (l: string) => void;
}): Promise<TemporalDevServer> {
  const bin = temporalCliPath(opts.log);
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--namespace', 'default',
    ...(opts.namespaces ?? []).flatMap((ns) => ['--namespace', ns]),
    '--log-level', 'warn',
  ];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  const proc = startProcess('temporal', bin, args, path.join(opts.stateDir, 'logs', 'temporal.log'));
  try {
    await waitForPort(opts.port, 'Temporal dev server', 90_000);
    await waitForPort(opts.uiPort, 'Temporal UI', 30_000);
  } catch (err) {
    await proc.stop(); // a server that never came up must not outlive the attempt
    throw err;
  }
  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    process: proc,
    stop: () => proc.stop(),
  };
}
