/**
 * Keeps a long load alive and cancellable.
 *
 * A load is one long SQL statement (a full load of millions of rows runs for a minute or more) and
 * Node is idle while Postgres works, so heartbeats come from a timer, not from progress callbacks.
 * Temporal delivers cancellation only to activities that heartbeat; when it arrives, the guard asks
 * Postgres to cancel the statement that is running (`pg_cancel_backend`), the statement fails with
 * 57014, the transaction rolls back, and the activity reports CancelledFailure. Between statements
 * there is nothing to cancel, so the load also calls `throwIfCancelled()` before each step and
 * before COMMIT.
 *
 * Outside an activity (tests, scripts) there is no Context: the guard then neither heartbeats nor
 * cancels, and the load behaves the same otherwise.
 */
import { CancelledFailure } from '@temporalio/common';
import { Client, type Pool } from 'pg';
import { currentActivity } from '../activity-context';

/** Heartbeat period: well under the workflows' 30 s heartbeatTimeout (the SDK throttles to ~0.8×). */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export interface HeartbeatDetails {
  tenantId: string;
  stream: string;
  phase: string;
}

export class LoadGuard {
  private readonly activity = currentActivity();
  private timer: NodeJS.Timeout | undefined;
  private backend: { pid: number; xactStart: string } | undefined;
  private cancelRequested = false;
  private readonly onAbort = () => this.requestCancel();

  constructor(
    private readonly pool: Pool,
    private readonly details: HeartbeatDetails,
    private readonly intervalMs = HEARTBEAT_INTERVAL_MS,
  ) {}

  start(): this {
    if (!this.activity) return this;
    this.beat();
    this.timer = setInterval(() => this.beat(), this.intervalMs);
    // Lets the worker exit even if a guard were ever left running.
    this.timer.unref();
    const signal = this.activity.cancellationSignal;
    if (signal.aborted) this.cancelRequested = true;
    else signal.addEventListener('abort', this.onAbort, { once: true });
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.activity?.cancellationSignal.removeEventListener('abort', this.onAbort);
    this.backend = undefined;
  }

  /** The phase shown in the heartbeat details (the UI's "last heartbeat"). */
  phase(phase: string): void {
    this.details.phase = phase;
    this.throwIfCancelled();
  }

  get cancelled(): boolean {
    return this.cancelRequested;
  }

  get cancelReason(): unknown {
    return this.activity?.cancellationSignal.reason;
  }

  /**
   * Registers the backend running the load's transaction. `xactStart` is that transaction's now()
   * as text (microseconds): the cancel request names it, so it can never hit a later transaction on
   * the same pooled connection after this one ended.
   */
  attach(pid: number, xactStart: string): void {
    this.backend = { pid, xactStart };
    if (this.cancelRequested) void this.cancelBackend();
  }

  detach(): void {
    this.backend = undefined;
  }

  throwIfCancelled(): void {
    if (!this.cancelRequested) return;
    const reason = this.cancelReason;
    throw reason instanceof Error ? reason : new CancelledFailure(`${this.details.stream} for tenant ${this.details.tenantId}: cancelled`);
  }

  private beat(): void {
    try {
      this.activity?.heartbeat({ ...this.details });
    } catch {
      // Heartbeating after the activity finished throws in some SDK versions; nothing to do.
    }
  }

  private requestCancel(): void {
    this.cancelRequested = true;
    void this.cancelBackend();
  }

  private async cancelBackend(): Promise<void> {
    const target = this.backend;
    if (!target) return;
    // A connection of its own, with the pool's settings: when every pooled connection is busy
    // with loads (the very situation a cancel is for), waiting for the pool could outlast the
    // heartbeat timeout.
    const client = new Client(this.pool.options);
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(
        `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND xact_start = $2::timestamptz`,
        [target.pid, target.xactStart],
      );
    } catch {
      // Best effort: if Postgres is unreachable the statement fails on its own; the activity's
      // own error handling then reports it.
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
