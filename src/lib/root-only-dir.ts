/**
 * A directory that only root can write to, itself and every parent up to `/`. Some CLIs read
 * a file only from such a place: Gemini CLI skips a "system settings" file (the one per-launch
 * way to give it MCP servers) unless the file and all its parents are owned by root and not
 * writable by group or others. `/tmp` (1777) fails that, so a CAO_HOME below it (a checkout in
 * /tmp, a test run) needs another place: `/run/cao/<hash of CAO_HOME>`, on the root-owned tmpfs
 * most systems have; one folder per CAO_HOME, so that each server sweeps only its own files.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where to keep such files for CAO_HOME `home` when its tmp/ does not qualify. */
export function fallbackRootOnlyDir(home: string): string {
  return join('/run/cao', createHash('sha256').update(resolve(home)).digest('hex').slice(0, 16));
}

const WRITABLE_BY_GROUP_OR_OTHERS = 0o022;

export interface OwnerAndMode {
  uid: number;
  mode: number;
}

/** `path` and every parent are owned by root (uid 0) and not writable by group or others. */
export function isRootOnly(
  path: string,
  stat: (p: string) => OwnerAndMode | undefined = statOrUndefined,
): boolean {
  let p = resolve(path);
  for (;;) {
    const s = stat(p);
    if (!s || s.uid !== 0 || (s.mode & WRITABLE_BY_GROUP_OR_OTHERS) !== 0) return false;
    const parent = dirname(p);
    if (parent === p) return true;
    p = parent;
  }
}

/**
 * `preferred` when it is root-only, else the fallback (created 0700 when missing) when that is;
 * undefined when neither is, or when not running as root (nothing would be root-owned).
 */
export function findRootOnlyDir(preferred: string, fallback: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (isRootOnly(preferred)) return preferred;
  try {
    mkdirSync(fallback, { recursive: true, mode: 0o700 });
    chmodSync(dirname(fallback), 0o700);
    chmodSync(fallback, 0o700);
  } catch {
    return undefined;
  }
  return isRootOnly(fallback) ? fallback : undefined;
}

function statOrUndefined(p: string): OwnerAndMode | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
