import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { isDimDateFkViolation } from '../../activities/loaders/dim-date';
import { classifyError, RETRYABLE_TYPES, toActivityFailure } from '../../activities/loaders/errors';
import { ERROR_TYPES, NON_RETRYABLE_ERROR_TYPES } from '../../lib/constants';

/** What pg's DatabaseError looks like: an Error with a SQLSTATE `code`. */
function pgError(code: string, message = `pg error ${code}`): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

describe('classifyError', () => {
  it.each([
    ['42P01', ERROR_TYPES.schemaMismatch], // undefined_table
    ['42703', ERROR_TYPES.schemaMismatch], // undefined_column
    ['42883', ERROR_TYPES.schemaMismatch], // undefined_function
    ['23505', ERROR_TYPES.constraintViolation], // unique_violation
    ['23503', ERROR_TYPES.constraintViolation], // foreign_key_violation
    ['23502', ERROR_TYPES.constraintViolation], // not_null_violation
    ['23514', ERROR_TYPES.constraintViolation], // check_violation
    ['22P02', ERROR_TYPES.invalidInput], // invalid_text_representation
  ])('SQLSTATE %s is non-retryable %s', (code, type) => {
    expect(classifyError(pgError(code))).toEqual({ retryable: false, type });
    expect(NON_RETRYABLE_ERROR_TYPES).toContain(type);
  });

  it.each([
    ['40P01', RETRYABLE_TYPES.transactionConflict], // deadlock_detected
    ['40001', RETRYABLE_TYPES.transactionConflict], // serialization_failure
    ['55P03', RETRYABLE_TYPES.transactionConflict], // lock_not_available
    ['57014', RETRYABLE_TYPES.statementTimeout], // query_canceled by statement_timeout
    ['57P01', RETRYABLE_TYPES.databaseUnavailable], // admin_shutdown (pg_terminate_backend)
    ['08006', RETRYABLE_TYPES.databaseUnavailable], // connection_failure
    ['53300', RETRYABLE_TYPES.databaseUnavailable], // too_many_connections
    ['XX000', RETRYABLE_TYPES.loadFailed], // internal_error: unknown, retried
  ])('SQLSTATE %s is retryable %s', (code, type) => {
    expect(classifyError(pgError(code))).toEqual({ retryable: true, type });
    expect(NON_RETRYABLE_ERROR_TYPES).not.toContain(type);
  });

  it('a 57014 after we asked Postgres to cancel is a cancellation, not a timeout', () => {
    expect(classifyError(pgError('57014'), true)).toEqual({ cancelled: true });
  });

  it('socket-level connection loss is retryable', () => {
    expect(classifyError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toEqual({ retryable: true, type: RETRYABLE_TYPES.databaseUnavailable });
    expect(classifyError(new Error('Connection terminated unexpectedly'))).toEqual({ retryable: true, type: RETRYABLE_TYPES.databaseUnavailable });
  });
});

describe('toActivityFailure', () => {
  it('wraps a pg error in a one-line ApplicationFailure naming the load and SQLSTATE', () => {
    const f = toActivityFailure(pgError('42703', 'column "ts" does not exist\nLINE 3: ...'), { what: 'fact_txn for tenant t1' });
    expect(f).toBeInstanceOf(ApplicationFailure);
    const af = f as ApplicationFailure;
    expect(af.message).toBe('fact_txn for tenant t1: column "ts" does not exist (SQLSTATE 42703)');
    expect(af.type).toBe(ERROR_TYPES.schemaMismatch);
    expect(af.nonRetryable).toBe(true);
  });

  it('keeps transient errors retryable', () => {
    const af = toActivityFailure(pgError('40P01', 'deadlock detected'), { what: 'x' }) as ApplicationFailure;
    expect(af.nonRetryable).toBe(false);
    expect(af.type).toBe(RETRYABLE_TYPES.transactionConflict);
  });

  it('passes ApplicationFailure and CancelledFailure through unchanged', () => {
    const bad = ApplicationFailure.nonRetryable('unknown tenant: x', ERROR_TYPES.unknownTenant);
    expect(toActivityFailure(bad, { what: 'x' })).toBe(bad);
    const c = new CancelledFailure('cancelled');
    expect(toActivityFailure(c, { what: 'x' })).toBe(c);
  });

  it('reports our own cancellation with the activity cancellation reason', () => {
    const reason = new CancelledFailure('CANCELLED');
    expect(toActivityFailure(pgError('57014'), { what: 'x', cancelledByUs: true, cancelReason: reason })).toBe(reason);
    expect(toActivityFailure(pgError('57014'), { what: 'x', cancelledByUs: true })).toBeInstanceOf(CancelledFailure);
  });
});

describe('isDimDateFkViolation', () => {
  it('recognises the facts\' FK to dim_date (re-run after extending it), and only that FK', () => {
    const fk = (detail: string) => Object.assign(pgError('23503'), { detail });
    expect(isDimDateFkViolation(fk('Key (d)=(2045-03-01) is not present in table "dim_date".'))).toBe(true);
    expect(isDimDateFkViolation(fk('Key (loan_id)=(x) is not present in table "dim_loan".'))).toBe(false);
    expect(isDimDateFkViolation(Object.assign(pgError('23505'), { detail: 'table "dim_date"' }))).toBe(false);
  });
});
