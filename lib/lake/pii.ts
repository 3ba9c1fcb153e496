/**
 * PII tokens for the lake (ARCHITECTURE §3 rule 7): a keyed HMAC-SHA256, not a bare hash — a bare
 * hash of an email or a phone number is reversed by hashing the candidates, an HMAC is not without
 * the key.
 *
 * Tokens are joinable: the same person's email gives the same token in `dim_loan.borrower_email` and
 * in `fact_notify.recipient`, because every column uses one key and one normalisation (so
 * "Ann@X.com " and "ann@x.com" match, as do "(555) 010-2000" and "555-010-2000"). They are stable
 * across runs and differ under another key, so rotating ETL_PII_TOKEN_KEY unlinks old exports.
 */
import { createHmac } from 'node:crypto';

export const TOKEN_PREFIX = 'tok_';

const PHONE_LIKE = /^[+\d\s().-]{7,}$/;

/** The form of a value that is tokenised: case, spacing and phone punctuation do not change a token. */
export function normalizePii(value: string): string {
  const v = value.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (PHONE_LIKE.test(v)) {
    const digits = v.replace(/\D/g, '');
    if (digits.length >= 7) return (v.startsWith('+') ? '+' : '') + digits;
  }
  return v.toLowerCase();
}

export type Tokenizer = (value: string) => string;

/**
 * `tok_` + the first 128 bits of HMAC-SHA256(key, normalised value), base64url: 26 characters, no
 * collision in practice, and no length or character class of the original leaks through.
 */
export function createTokenizer(key: string): Tokenizer {
  if (key.length < 16) throw new Error('PII token key must be at least 16 characters');
  // Repeated values (a recipient notified many times, a shared phone) are common in one export;
  // the cache is bounded so a large dimension cannot grow it without limit.
  const cache = new Map<string, string>();
  return (value: string): string => {
    const hit = cache.get(value);
    if (hit !== undefined) return hit;
    const token = TOKEN_PREFIX + createHmac('sha256', key).update(normalizePii(value), 'utf8').digest().subarray(0, 16).toString('base64url');
    if (cache.size >= 50_000) cache.clear();
    cache.set(value, token);
    return token;
  };
}
