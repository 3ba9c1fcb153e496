/**
 * Client connections to Temporal, with an error that names the address and what to check
 * (an operator's first question when a command cannot reach the server).
 */
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';

export class TemporalUnreachableError extends Error {
  constructor(address: string, cause: unknown) {
    super(`cannot reach Temporal at ${address} (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}); check TEMPORAL_ADDRESS and that the server is running (lakehouse dev starts one)`);
    this.name = 'TemporalUnreachableError';
  }
}

export async function connectTemporal(config: { temporal: Pick<Config['temporal'], 'address'> }, timeoutMs = 10_000): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: Math.min(5_000, timeoutMs) });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (err) {
      lastErr = err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  throw new TemporalUnreachableError(config.temporal.address, lastErr);
}

export async function temporalClient(config: { temporal: Pick<Config['temporal'], 'address' | 'namespace'> }, timeoutMs?: number): Promise<Client> {
  const connection = await connectTemporal(config, timeoutMs);
  return new Client({ connection, namespace: config.temporal.namespace });
}
