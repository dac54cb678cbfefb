/**
 * CAO_HOME/.env: KEY=VALUE lines whose values fill `${VAR}` placeholders in profiles.
 * Written with mode 0600; values may be secrets.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { CaoError } from '../lib/errors.js';

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    let value = (m[2] ?? '').trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out[m[1] ?? ''] = value;
  }
  return out;
}

/** Sets keys in the .env file, keeping the others. */
export function updateEnvFile(file: string, values: Readonly<Record<string, string>>): void {
  const current = readEnvFile(file);
  for (const [k, v] of Object.entries(values)) {
    if (!KEY_RE.test(k)) throw new CaoError('INVALID_INPUT', `Invalid variable name '${k}'.`);
    if (/[\r\n]/.test(v))
      throw new CaoError('INVALID_INPUT', `The value of ${k} contains a newline.`);
    current[k] = v;
  }
  const text = Object.entries(current)
    .map(([k, v]) => `${k}=${quoteValue(v)}`)
    .join('\n');
  writeFileSync(file, `${text}\n`, { mode: 0o600 });
}

/** Quotes a value only when it needs it; the reader strips one pair of matching quotes. */
function quoteValue(v: string): string {
  if (!/[\s#'"]/.test(v)) return v;
  return v.includes('"') ? `'${v}'` : `"${v}"`;
}
