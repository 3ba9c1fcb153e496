/**
 * Turns whatever a load threw into what Temporal should do about it.
 *
 * Non-retryable (retrying cannot help; the type names are in lib/constants.ts ERROR_TYPES, which the
 * workflows list as nonRetryableErrorTypes):
 *   - bad input and unknown tenants (thrown directly by input.ts, before any SQL);
 *   - SQLSTATE class 42 (undefined table 42P01, undefined column 42703, undefined function, syntax,
 *     privilege): the schema is not what this code was written against;
 *   - class 23 (integrity constraint violations): the same rows would violate it again;
 *   - class 22 (data exceptions): the same source value would fail again.
 * Retryable, with a stable type so the UI groups them:
 *   - connection loss (class 08, 57P01–57P03, Node socket errors), resource exhaustion (class 53);
 *   - deadlock 40P01, serialization failure 40001, lock timeout 55P03;
 *   - statement timeout 57014 — unless *we* cancelled the statement because the activity was
 *     cancelled, in which case the activity reports cancellation instead (CancelledFailure).
 * Anything else is retried too: an unknown failure is more often transient than not, and the
 * workflows cap attempts.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { ERROR_TYPES } from '../../lib/constants';

/** Retryable failure types (stable names for the UI and metrics; not in NON_RETRYABLE_ERROR_TYPES). */
export const RETRYABLE_TYPES = {
  databaseUnavailable: 'DatabaseUnavailable',
  transactionConflict: 'TransactionConflict',
  statementTimeout: 'StatementTimeout',
  loadFailed: 'LoadFailed',
} as const;

export interface Classification {
  retryable: boolean;
  type: string;
}

const NODE_CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
// pg reports a socket that closed under it as a plain Error with one of these messages.
const CONNECTION_MESSAGE = /connection terminated|connection (is )?closed|terminating connection|timeout exceeded when trying to connect|client has encountered a connection error|not queryable/i;

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Pure classification of an error thrown by pg or Node; `cancelledByUs` says whether the activity
 * had asked Postgres to cancel its statement (so a 57014 is ours, not a statement_timeout).
 */
export function classifyError(err: unknown, cancelledByUs = false): Classification | { cancelled: true } {
  const state = sqlState(err);
  if (state) {
    const cls = state.slice(0, 2);
    if (state === '57014') return cancelledByUs ? { cancelled: true } : { retryable: true, type: RETRYABLE_TYPES.statementTimeout };
    if (cls === '08' || state === '57P01' || state === '57P02' || state === '57P03' || cls === '53') {
      return { retryable: true, type: RETRYABLE_TYPES.databaseUnavailable };
    }
    if (state === '40001' || state === '40P01' || state === '55P03') return { retryable: true, type: RETRYABLE_TYPES.transactionConflict };
    if (cls === '42') return { retryable: false, type: ERROR_TYPES.schemaMismatch };
    if (cls === '23') return { retryable: false, type: ERROR_TYPES.constraintViolation };
    if (cls === '22') return { retryable: false, type: ERROR_TYPES.invalidInput };
    return { retryable: true, type: RETRYABLE_TYPES.loadFailed };
  }
  const nodeCode = (err as { code?: unknown } | null)?.code;
  if (typeof nodeCode === 'string' && NODE_CONNECTION_CODES.has(nodeCode)) return { retryable: true, type: RETRYABLE_TYPES.databaseUnavailable };
  if (err instanceof Error && CONNECTION_MESSAGE.test(err.message)) return { retryable: true, type: RETRYABLE_TYPES.databaseUnavailable };
  if (cancelledByUs) return { cancelled: true };
  return { retryable: true, type: RETRYABLE_TYPES.loadFailed };
}

export interface FailureContext {
  /** e.g. "fact_txn for tenant 0b…": prefixes the one-line message. */
  what: string;
  cancelledByUs?: boolean;
  /** The activity's cancellation reason (a CancelledFailure inside Temporal). */
  cancelReason?: unknown;
}

/** The error the activity throws: ApplicationFailure (retryable or not) or CancelledFailure. */
export function toActivityFailure(err: unknown, ctx: FailureContext): Error {
  // Already decided (input validation, unknown tenant, or a cancellation raised between statements).
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  const c = classifyError(err, ctx.cancelledByUs);
  if ('cancelled' in c) {
    return ctx.cancelReason instanceof Error ? ctx.cancelReason : new CancelledFailure(`${ctx.what}: cancelled`);
  }
  const cause = err instanceof Error ? err : new Error(String(err));
  const state = sqlState(err);
  const detail = [cause.message.split('\n')[0], state ? `(SQLSTATE ${state})` : ''].filter(Boolean).join(' ');
  return ApplicationFailure.create({ message: `${ctx.what}: ${detail}`, type: c.type, nonRetryable: !c.retryable, cause });
}
