/**
 * A read-only query on a SQLite file on a remote host (OpenCode's sessions), through the host's
 * own `sqlite3` command-line shell: cao installs nothing there. The script is constant (the
 * file is its one argument); the query goes on stdin with its parameters written in as hex
 * literals, so no text of anyone's reaches a shell and no quote in a value can end a literal.
 * The rows come back as the shell's JSON (`-json`, sqlite3 3.33 and later).
 */
import { CaoError } from '../../lib/errors.js';

/**
 * Runs the query on stdin against "$1", read-only, waiting up to 2 s for a writer's lock.
 * Exit 3: no such file; 4: no sqlite3 on the host's PATH. Constant.
 */
export const QUERY_DB =
  'command -v sqlite3 >/dev/null 2>&1 || exit 4; [ -f "$1" ] || exit 3; ' +
  'exec sqlite3 -readonly -bail -json -cmd \'.timeout 2000\' "$1"';

/** A parameter as a SQL literal: a number as itself, text as UTF-8 hex cast back to text. */
function literal(v: string | number): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new CaoError('INTERNAL', `not a finite SQL parameter: ${v}`);
    return Number.isInteger(v) ? String(v) : v.toString();
  }
  return `CAST(X'${Buffer.from(v, 'utf8').toString('hex')}' AS TEXT)`;
}

/**
 * `sql` with each `?` placeholder (outside quoted literals) replaced by its parameter, in
 * order; one statement, ended by `;` and a newline as the shell wants it. Pure.
 */
export function bindSql(sql: string, params: readonly (string | number)[]): string {
  let out = '';
  let next = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      if (next >= params.length) throw new CaoError('INTERNAL', `too few SQL parameters: ${sql}`);
      out += literal(params[next++]!);
    } else out += ch === '\n' || ch === '\r' ? ' ' : ch;
  }
  if (next !== params.length) throw new CaoError('INTERNAL', `too many SQL parameters: ${sql}`);
  // one line: the shell reads a line that starts with '.' as one of its own commands
  return `${out.trim().replace(/;$/, '')};\n`;
}

/** The shell's `-json` output as rows (it prints nothing at all for no rows). Pure. */
export function parseSqliteJson(stdout: string): Record<string, unknown>[] | undefined {
  const text = stdout.trim();
  if (text === '') return [];
  try {
    const rows: unknown = JSON.parse(text);
    if (!Array.isArray(rows)) return undefined;
    return rows.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
  } catch {
    return undefined;
  }
}
