/**
 * The database file under the store: deleted or replaced while open (noticed at the next
 * write, never written to as a ghost), corrupt at open, and a native module built for another
 * Node (the message better-sqlite3 gives, turned into one that says what to do).
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaoError } from '../lib/errors.js';
import { nativeModuleError } from './sqlite-open.js';
import { SqliteStore } from './sqlite-store.js';

let root: string | undefined;
const stores: SqliteStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function dbFile(): string {
  root = mkdtempSync(join(tmpdir(), 'cao-store-'));
  return join(root, 'cao.db');
}

const session = (name: string) => ({
  name,
  workingDirectory: '/w',
  env: {},
  createdAt: new Date().toISOString(),
});

async function rejection(p: Promise<unknown>): Promise<CaoError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CaoError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('SqliteStore and its file', () => {
  for (const how of ['deleted', 'replaced'] as const) {
    it(`notices at the next write that the file was ${how}, reports it once, and writes no more`, async () => {
      const file = dbFile();
      const lost: CaoError[] = [];
      const store = new SqliteStore(file, { onLost: (e) => lost.push(e) });
      stores.push(store);
      await store.insertSession(session('cao-a'));
      rmSync(file);
      rmSync(`${file}-wal`, { force: true });
      rmSync(`${file}-shm`, { force: true });
      if (how === 'replaced') {
        const other = new SqliteStore(`${file}.new`);
        other.close();
        renameSync(`${file}.new`, file);
      }
      const e = await rejection(store.insertSession(session('cao-b')));
      expect(e.code).toBe('UNAVAILABLE');
      expect(e.message).toContain(`The database ${file} was ${how} while cao-server was running`);
      expect(lost).toHaveLength(1);
      // every later write fails the same way, without a second report
      await rejection(store.updateTerminal('abcd1234', { status: 'idle' }));
      expect(lost).toHaveLength(1);
      if (how === 'replaced') {
        const fresh = new SqliteStore(file);
        stores.push(fresh);
        expect(await fresh.listSessions()).toEqual([]);
      }
    });
  }

  it('keeps working when the file stays where it was', async () => {
    const file = dbFile();
    const lost: CaoError[] = [];
    const store = new SqliteStore(file, { onLost: (e) => lost.push(e) });
    stores.push(store);
    for (const n of ['cao-a', 'cao-b', 'cao-c']) await store.insertSession(session(n));
    expect((await store.listSessions()).map((s) => s.name)).toEqual(['cao-a', 'cao-b', 'cao-c']);
    expect(lost).toEqual([]);
  });

  it('refuses a corrupt file at open with its path and what to do', () => {
    const file = dbFile();
    writeFileSync(file, 'this is not a database, it is a text file '.repeat(200));
    let err: unknown;
    try {
      stores.push(new SqliteStore(file));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaoError);
    const e = err as CaoError;
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toContain(`The database ${file} is not a usable SQLite database`);
    expect(e.message).toContain(`mv '${file}' '${file}.broken'`);
    expect(e.message).toContain('finds the agents still running in tmux again');
  });

  it('turns better-sqlite3’s "another Node" error into the Node version and the fix', () => {
    const raw = new Error(
      "The module '/x/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
        'was compiled against a different Node.js version using\n' +
        'NODE_MODULE_VERSION 115. This version of Node.js requires\n' +
        'NODE_MODULE_VERSION 127. Please try re-compiling or re-installing\n' +
        'the module (for instance, using `npm rebuild` or `npm install`).',
    );
    const e = nativeModuleError(raw, 'v22.23.3');
    expect(e?.message).toBe(
      "cao was built for another Node.js than the one running it (v22.23.3, module version 127; better-sqlite3 was built for 115). Rebuild it for this Node: run 'npm rebuild better-sqlite3' in cao's folder, or run cao with the Node it was built with.",
    );
    expect(nativeModuleError(new Error('SQLITE_BUSY: database is locked'))).toBeUndefined();
  });
});
