/**
 * Where cao keeps its secrets: CAO_HOME/auth/ (0700) holds the owner token, the viewer token
 * and the dashboard's cookie key, each a file of mode 0600. cao-server creates them on first
 * start; the CLI reads the owner token from here, so only the user who owns CAO_HOME (or root)
 * can drive cao-server.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CaoPaths } from './paths.js';
import { newToken } from './secrets.js';

export interface AuthFiles {
  dir: string;
  owner: string;
  viewer: string;
  cookieKey: string;
}

export function authFiles(paths: Pick<CaoPaths, 'home'>): AuthFiles {
  const dir = join(paths.home, 'auth');
  return {
    dir,
    owner: join(dir, 'owner.token'),
    viewer: join(dir, 'viewer.token'),
    cookieKey: join(dir, 'cookie.key'),
  };
}

/** The file's secret, or undefined when it does not exist or cannot be read. */
export function readSecret(file: string): string | undefined {
  try {
    const s = readFileSync(file, 'utf8').trim();
    return s === '' ? undefined : s;
  } catch {
    return undefined;
  }
}

/** Reads the secrets, creating the missing ones (0600 in a 0700 folder). */
export function ensureSecrets(files: AuthFiles): {
  owner: string;
  viewer: string;
  cookieKey: string;
} {
  mkdirSync(files.dir, { recursive: true, mode: 0o700 });
  chmodSync(files.dir, 0o700);
  const get = (file: string, make: () => string): string => {
    const existing = readSecret(file);
    if (existing) {
      chmodSync(file, 0o600);
      return existing;
    }
    const value = make();
    // wx: never overwrite one another process wrote meanwhile
    try {
      writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
      return value;
    } catch {
      return readSecret(file) ?? value;
    }
  };
  return {
    owner: get(files.owner, () => newToken('owner')),
    viewer: get(files.viewer, () => newToken('viewer')),
    cookieKey: get(files.cookieKey, () => randomBytes(32).toString('base64url')),
  };
}
