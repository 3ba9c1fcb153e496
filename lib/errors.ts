/**
 * Errors the CLI and API turn into a one-line message and exit code 2 (bad input changes nothing).
 * Temporal-side error *types* live in lib/constants.ts (ERROR_TYPES).
 */
export class BadInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadInputError';
  }
}
