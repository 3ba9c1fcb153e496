/**
 * Failures of the lake export the caller must not retry (bad input, missing configuration, a schema
 * that does not match the lake contract, a reconciliation mismatch). The activities turn them into
 * non-retryable ApplicationFailures of the same type; everything else (S3 or Postgres unreachable,
 * a footer check that failed) is an ordinary error and retries.
 */
import { ERROR_TYPES } from '../constants';

export type LakeErrorType = (typeof ERROR_TYPES)[keyof typeof ERROR_TYPES];

export class LakeError extends Error {
  constructor(
    readonly type: LakeErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'LakeError';
  }
}

/** The written file does not hold what was sent: retried (a fresh attempt rewrites it). */
export class LakeVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LakeVerificationError';
  }
}
