/** `KEY=VALUE` pairs from the command line (`--env`). Pure. */
import { CaoError } from './errors.js';

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `KEY=VALUE` command-line pairs (`--env`). */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (eq < 0 || !KEY_RE.test(key)) {
      throw new CaoError(
        'INVALID_INPUT',
        `--env expects KEY=VALUE with a valid variable name, got '${pair}'.`,
      );
    }
    out[key] = pair.slice(eq + 1);
  }
  return out;
}
