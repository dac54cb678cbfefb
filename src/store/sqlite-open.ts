/**
 * Opening a SQLite file, with the two failures a user can meet turned into errors that say
 * what to do: a native module built for another Node (better-sqlite3's raw "compiled against a
 * different Node.js version using NODE_MODULE_VERSION …") and a file that is not a database.
 */
import Database from 'better-sqlite3';
import { CaoError, errorMessage } from '../lib/errors.js';

export type SqliteDb = Database.Database;

/**
 * `new Database(file, options)`, then `check(db)` (a first read), with known failures as
 * CaoError. `what` names the file for people, e.g. "The database".
 */
export function openSqlite(
  file: string,
  options: Database.Options,
  check: (db: SqliteDb) => void,
  what = 'The database',
): SqliteDb {
  let db: SqliteDb;
  try {
    db = new Database(file, options);
  } catch (e) {
    throw nativeModuleError(e) ?? e;
  }
  try {
    check(db);
    return db;
  } catch (e) {
    db.close();
    throw corruptError(e, file, what) ?? e;
  }
}

/** better-sqlite3's addon was built for another Node version: say which, and the fix. */
export function nativeModuleError(e: unknown, node = process.version): CaoError | undefined {
  const message = errorMessage(e);
  if (!/NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)) {
    return undefined;
  }
  const built = /using\s+NODE_MODULE_VERSION (\d+)/.exec(message)?.[1];
  const wants = /requires\s+NODE_MODULE_VERSION (\d+)/.exec(message)?.[1];
  return new CaoError(
    'UNAVAILABLE',
    `cao was built for another Node.js than the one running it (${node}` +
      (built && wants ? `, module version ${wants}; better-sqlite3 was built for ${built}` : '') +
      `). Rebuild it for this Node: run 'npm rebuild better-sqlite3' in cao's folder, or run cao with the Node it was built with.`,
    { cause: e },
  );
}

/** SQLITE_NOTADB / SQLITE_CORRUPT at open: name the file and what to do with it. */
export function corruptError(e: unknown, file: string, what: string): CaoError | undefined {
  const code = (e as { code?: unknown }).code;
  if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') return undefined;
  return new CaoError(
    'UNAVAILABLE',
    `${what} ${file} is not a usable SQLite database (${errorMessage(e)}). ` +
      `Move it aside (mv '${file}' '${file}.broken') and start cao-server again: it creates a new one and finds the agents still running in tmux again.`,
    { cause: e },
  );
}

/**
 * One read-only query on another program's SQLite file (OpenCode's sessions): the rows, or
 * undefined when the file is not there or cannot be read now (locked, not a database, another
 * schema). The file is never created or written.
 */
export function queryReadOnly(
  file: string,
  sql: string,
  params: readonly (string | number)[],
): Record<string, unknown>[] | undefined {
  let db: SqliteDb | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 1_000 });
    return db.prepare(sql).all(...params) as Record<string, unknown>[];
  } catch (e) {
    const native = nativeModuleError(e);
    if (native) throw native;
    return undefined;
  } finally {
    db?.close();
  }
}
