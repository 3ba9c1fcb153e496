/**
 * A real S3-compatible server on loopback (moto's server from PyPI) for tests and `dev`; the AWS SDK
 * talks HTTP to it exactly as it would to S3.
 */
import path from 'node:path';
import { startProcess, type ManagedProcess } from './child';
import { waitForPort } from './ports';
import { motoServerPath } from './tools';

export interface S3Server {
  endpoint: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startS3Server(opts: { port: number; stateDir: string; log?: (l: string) => void }): Promise<S3Server> {
  const bin = motoServerPath(opts.log);
  const proc = startProcess('s3', bin, ['-H', '127.0.0.1', '-p', String(opts.port)], path.join(opts.stateDir, 'logs', 's3.log'));
  await waitForPort(opts.port, 'S3 server (moto)', 60_000);
  return { endpoint: `http://127.0.0.1:${opts.port}`, process: proc, stop: () => proc.stop() };
}
