/**
 * One cao-server per CAO_HOME. Two servers on one home adopt the same terminals and type into
 * them both, so messages go out twice or merged; the second must stop before it opens the
 * database or touches tmux.
 *
 * The lock is SQLite's own locking on a file of its own (`CAO_HOME/db/server.lock`): opened with
 * `locking_mode = EXCLUSIVE` and written once, SQLite keeps a POSIX (fcntl) write lock on the
 * file for as long as the connection is open. The kernel drops that lock when the process
 * ends, however it ends (kill -9 included), so a crashed server never leaves a stale lock and
 * nothing has to guess whether a recorded pid still lives. Alternatives were worse: a pid file
 * goes stale and races; a Unix socket's file outlives a crash and the next server must unlink
 * it, which races again (and socket paths are limited to ~100 bytes); flock(2) needs a native
 * module, and better-sqlite3 already is one.
 *
 * Who holds the lock is written beside it (`CAO_HOME/db/server.json`: pid, then the URL once the port
 * is bound), only so that a second server can say whom it met; the lock alone decides.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CaoError } from '../lib/errors.js';
import type { CaoPaths } from '../lib/paths.js';
import { openSqlite, type SqliteDb } from './sqlite-open.js';

export interface HomeHolder {
  pid: number;
  home: string;
  /** Where it serves, once it listens. */
  url?: string;
}

export interface HomeLock {
  /** Records where this server serves (for a second server's message and for `cao`). */
  serving(url: string): void;
  /** Releases the lock and removes the holder file. Idempotent. */
  release(): void;
}

export type LockPaths = Pick<CaoPaths, 'home' | 'serverLock' | 'serverInfo'>;

/**
 * Takes CAO_HOME's lock or throws CONFLICT naming the server that holds it. The lock file's
 * folder (CAO_HOME/db) must exist.
 */
export function lockHome(paths: LockPaths): HomeLock {
  const { home } = paths;
  const pid = process.pid;
  let db: SqliteDb;
  try {
    db = openSqlite(paths.serverLock, { timeout: 0 }, take, 'The lock file');
  } catch (e) {
    if ((e as { code?: unknown }).code === 'SQLITE_BUSY') throw heldBy(paths);
    throw e;
  }
  const info = paths.serverInfo;
  const write = (h: HomeHolder): void => writeFileSync(info, JSON.stringify(h), { mode: 0o600 });
  write({ pid, home });
  let released = false;
  return {
    serving(url) {
      write({ pid, home, url });
    },
    release() {
      if (released) return;
      released = true;
      rmSync(info, { force: true });
      db.close();
    },
  };
}

function take(db: SqliteDb): void {
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = OFF');
  db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY, pid INTEGER NOT NULL)');
  // a write takes the EXCLUSIVE lock, which this locking mode keeps until close
  db.prepare('INSERT OR REPLACE INTO holder (id, pid) VALUES (1, ?)').run(process.pid);
}

/** The server recorded as holding CAO_HOME, when its record names a live process. */
export function readHolder(paths: Pick<CaoPaths, 'serverInfo'>): HomeHolder | undefined {
  let h: Partial<HomeHolder>;
  try {
    h = JSON.parse(readFileSync(paths.serverInfo, 'utf8')) as Partial<HomeHolder>;
  } catch {
    return undefined;
  }
  if (typeof h.pid !== 'number' || typeof h.home !== 'string' || !alive(h.pid)) return undefined;
  return { pid: h.pid, home: h.home, ...(typeof h.url === 'string' ? { url: h.url } : {}) };
}

function heldBy(paths: LockPaths): CaoError {
  const h = readHolder(paths);
  const who = h
    ? `cao-server pid ${h.pid}${h.url ? ` (serving ${h.url})` : ' (still starting)'}`
    : 'another cao-server';
  return new CaoError(
    'CONFLICT',
    `CAO_HOME ${paths.home} is in use by ${who}. Only one cao-server may use a CAO_HOME: use that one` +
      `${h ? `, stop it first (kill ${h.pid})` : ''}, or start this one with another CAO_HOME_DIR.`,
    { details: { holder: h ?? null } },
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
