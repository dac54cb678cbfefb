/** Reading agents' files on this machine (the host seam's readFile/listDir). */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LIST_DIR, READ_FILE } from '../ssh/ssh-tmux-host.js';
import { absolutePath, listLocalDir, readLocalFile } from './tmux-host.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('reading agent files on this machine', () => {
  it('reads a whole file or its first bytes; undefined when absent', () => {
    dir = mkdtempSync(join(tmpdir(), 'cao-host-'));
    writeFileSync(join(dir, 'a.jsonl'), '{"x":1}\n{"y":2}\n');
    expect(readLocalFile(join(dir, 'a.jsonl'))).toBe('{"x":1}\n{"y":2}\n');
    expect(readLocalFile(join(dir, 'a.jsonl'), 7)).toBe('{"x":1}');
    expect(readLocalFile(join(dir, 'none.jsonl'))).toBeUndefined();
  });

  it('lists plain files only, none for a missing folder', () => {
    dir = mkdtempSync(join(tmpdir(), 'cao-host-'));
    writeFileSync(join(dir, 'a.jsonl'), 'abc');
    mkdirSync(join(dir, 'sub'));
    const list = listLocalDir(dir);
    expect(list.map((f) => [f.name, f.size])).toEqual([['a.jsonl', 3]]);
    expect(list[0]?.mtimeMs).toBeGreaterThan(0);
    expect(listLocalDir(join(dir, 'missing'))).toEqual([]);
  });

  it('refuses a path that is not absolute or carries a newline', () => {
    expect(() => absolutePath('relative/x')).toThrow(/not an absolute path/);
    expect(() => absolutePath('/a\nb')).toThrow(/not an absolute path/);
    expect(absolutePath('/a/b')).toBe('/a/b');
  });

  it('the remote scripts print what the ssh host parses, paths as arguments', () => {
    dir = mkdtempSync(join(tmpdir(), 'cao-host-'));
    writeFileSync(join(dir, 'r.jsonl'), 'abcd');
    // the constant scripts SshTmuxHost runs on a host, here through this machine's sh
    const sh = (script: string, ...args: string[]) =>
      spawnSync('sh', ['-c', script, 'sh', ...args], { encoding: 'utf8' });
    expect(sh(LIST_DIR, dir).stdout).toMatch(/^\d+(\.\d+)? 4 r\.jsonl\n$/);
    expect(sh(LIST_DIR, join(dir, 'missing'))).toMatchObject({ status: 0, stdout: '' });
    expect(sh(READ_FILE, join(dir, 'r.jsonl'), '0').stdout).toBe('abcd');
    expect(sh(READ_FILE, join(dir, 'r.jsonl'), '2').stdout).toBe('ab');
    expect(sh(READ_FILE, join(dir, 'none'), '0').status).toBe(3);
  });
});
