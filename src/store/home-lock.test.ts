/**
 * One cao-server per CAO_HOME: the lock is held by the kernel for the holder's lifetime, so a
 * second holder is refused (in this process and in another), and a holder that died, even by
 * SIGKILL, leaves nothing stale behind.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CaoError } from '../lib/errors.js';
import { caoPaths, type CaoPaths } from '../lib/paths.js';
import { lockHome, readHolder } from './home-lock.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

function home(): CaoPaths {
  root = mkdtempSync(join(tmpdir(), 'cao-lock-'));
  const paths = caoPaths({ CAO_HOME_DIR: root });
  mkdirSync(paths.db);
  return paths;
}

/** A child process that takes the lock, says so, and holds it until killed. */
function holder(h: CaoPaths): Promise<{ pid: number; kill(): Promise<void> }> {
  const code = `
    const { lockHome } = await import(${JSON.stringify(join(HERE, 'home-lock.ts'))});
    const lock = lockHome(${JSON.stringify(h)});
    lock.serving('http://127.0.0.1:1234');
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) {
        resolve({
          pid: child.pid!,
          kill: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        });
      }
    });
    child.once('exit', (c) => reject(new Error(`holder exited ${c}: ${err}`)));
  });
}

describe('lockHome', () => {
  it('refuses a second holder in the same process, and frees the home on release', () => {
    const h = home();
    const first = lockHome(h);
    expect(readHolder(h)).toEqual({ pid: process.pid, home: h.home });
    let err: unknown;
    try {
      lockHome(h);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CaoError);
    expect((err as CaoError).code).toBe('CONFLICT');
    expect((err as CaoError).message).toContain(`is in use by cao-server pid ${process.pid}`);
    first.release();
    expect(readHolder(h)).toBeUndefined();
    lockHome(h).release();
  });

  it('refuses while another process holds it, naming its pid and URL; kill -9 frees it', async () => {
    const h = home();
    const other = await holder(h);
    try {
      expect(() => lockHome(h)).toThrow(
        new RegExp(
          `CAO_HOME .* is in use by cao-server pid ${other.pid} \\(serving http://127\\.0\\.0\\.1:1234\\).*kill ${other.pid}`,
        ),
      );
    } finally {
      await other.kill();
    }
    // the kernel dropped the lock with the process; its holder file is stale and ignored
    expect(readHolder(h)).toBeUndefined();
    const mine = lockHome(h);
    expect(readHolder(h)?.pid).toBe(process.pid);
    mine.release();
  });
});
