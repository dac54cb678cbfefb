/**
 * Secret tokens: the owner's and the viewers' (files in CAO_HOME/auth), and each terminal's
 * (its identity at /mcp and the API). A token is 256 random bits, base64url, with a prefix
 * that says what it is; cao keeps a terminal's token only as its SHA-256 hash.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenKind = 'owner' | 'viewer' | 'terminal';

const PREFIX: Record<TokenKind, string> = { owner: 'cao_o_', viewer: 'cao_v_', terminal: 'cao_t_' };

export function newToken(kind: TokenKind): string {
  return `${PREFIX[kind]}${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 of the token, hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two secrets in constant time (by their hashes, so lengths never leak). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(a).digest(),
    createHash('sha256').update(b).digest(),
  );
}

/** Whether `s` has the shape of a cao token (cheap check before any lookup). */
export const looksLikeToken = (s: string): boolean => /^cao_[ovt]_[A-Za-z0-9_-]{43}$/.test(s);
