/**
 * The running activity's heartbeat and cancellation signal, or undefined when the same code runs
 * outside Temporal (tests, benchmarks, scripts) — so loads and exports work in both.
 */
import { Context } from '@temporalio/activity';

export interface ActivityHandle {
  heartbeat(details?: unknown): void;
  cancellationSignal: AbortSignal;
}

export function currentActivity(): ActivityHandle | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
