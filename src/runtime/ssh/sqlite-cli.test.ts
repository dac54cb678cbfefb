import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindSql, parseSqliteJson, QUERY_DB } from './sqlite-cli.js';
import { remoteCommand } from './ssh-args.js';

describe('bindSql', () => {
  it('writes numbers as themselves and text as hex cast to text, on one line', () => {
    expect(bindSql('SELECT id FROM t\nWHERE a = ? AND b >= ?', ['ab', 12])).toBe(
      "SELECT id FROM t WHERE a = CAST(X'6162' AS TEXT) AND b >= 12;\n",
    );
  });

  it('leaves a ? inside a quoted literal alone', () => {
    expect(bindSql("SELECT '?' AS q, ? AS v", [1])).toBe("SELECT '?' AS q, 1 AS v;\n");
  });

  it('refuses a count of parameters that does not match, and a number that is no number', () => {
    expect(() => bindSql('SELECT ?', [])).toThrow(/too few/);
    expect(() => bindSql('SELECT 1', ['x'])).toThrow(/too many/);
    expect(() => bindSql('SELECT ?', [Number.NaN])).toThrow(/finite/);
  });
});

describe('parseSqliteJson', () => {
  it('reads rows, no output as none, and anything else as unreadable', () => {
    expect(parseSqliteJson('[{"id":"a","n":1},\n{"id":"b","n":null}]\n')).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: null },
    ]);
    expect(parseSqliteJson('')).toEqual([]);
    expect(parseSqliteJson('Error: unknown option: -json')).toBeUndefined();
  });
});

const hasSqlite = spawnSync('sqlite3', ['-version']).status === 0;

// the script cao runs on a host over ssh (the same quoted line), run here with this machine's sqlite3 on a real file
describe.skipIf(!hasSqlite)(
  `QUERY_DB with the sqlite3 shell${hasSqlite ? '' : ' (skipped: no sqlite3 on PATH; apt-get install sqlite3)'}`,
  () => {
    let dir = '';
    let file = '';
    const odd = [
      'it\'s "quoted"; DROP TABLE session; --',
      'line one\n.shell echo no\nline three',
      'ünïcødé ✓ 🙂',
      '/home/a b/$(whoami)/`id`',
    ];

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'cao-sqlite-cli-'));
      file = join(dir, 'data.db');
      // made with the shell itself, values in plain SQL quoting (not bindSql's), WAL as OpenCode's
      const sq = (v: string) => `'${v.replace(/'/g, "''")}'`;
      const rows = odd.map((d, i) => `('ses_${i}', ${sq(d)}, ${1000 + i})`).join(', ');
      execFileSync('sqlite3', ['-bail', file], {
        input: `PRAGMA journal_mode = WAL;\nCREATE TABLE session (id TEXT, directory TEXT, at INTEGER);\nINSERT INTO session VALUES ${rows};\n`,
      });
    });

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const query = (path: string, sql: string, params: (string | number)[]) =>
      spawnSync('sh', ['-c', remoteCommand(['sh', '-c', QUERY_DB, 'sh', path])], {
        input: bindSql(sql, params),
        encoding: 'utf8',
      });

    it('finds each row by a value full of quotes, newlines, dots and shell words, exactly', () => {
      for (const [i, d] of odd.entries()) {
        const r = query(
          file,
          'SELECT id, directory, at FROM session WHERE directory = ? AND at >= ?',
          [d, 1000],
        );
        expect(r.status, r.stderr).toBe(0);
        expect(parseSqliteJson(r.stdout)).toEqual([{ id: `ses_${i}`, directory: d, at: 1000 + i }]);
      }
      // the table is still whole, and nothing was run by the shell
      expect(
        execFileSync('sqlite3', [file, 'SELECT count(*) FROM session']).toString().trim(),
      ).toBe(String(odd.length));
    });

    it('no rows print nothing; a missing file exits 3; it never writes', () => {
      const none = query(file, 'SELECT id FROM session WHERE at > ?', [5000]);
      expect(none.status).toBe(0);
      expect(parseSqliteJson(none.stdout)).toEqual([]);
      expect(query(join(dir, 'missing.db'), 'SELECT 1', []).status).toBe(3);
      const write = query(file, 'DELETE FROM session WHERE id = ?', ['ses_0']);
      expect(write.status).not.toBe(0);
      expect(write.stderr).toMatch(/readonly/);
    });

    it('exits 4 when the host has no sqlite3 on its PATH', () => {
      const r = spawnSync('/bin/sh', ['-c', QUERY_DB, 'sh', file], {
        input: 'SELECT 1;\n',
        env: { PATH: dir },
      });
      expect(r.status).toBe(4);
    });
  },
);
