/**
 * How an agent process is started without a shell ever parsing what the user typed: tmux runs
 * the constant bash script `LAUNCHER` with the path of a private launch file, whose records
 * (NUL-separated) say where to start, which environment to set and unset, and the argv. The
 * script deletes the file, then execs the agent. So secrets never appear in any process's
 * argv, and nothing from a request is ever interpolated into a command line, on this machine
 * or on a host reached over ssh. Pure.
 */
import { CaoError } from '../../lib/errors.js';
import type { WindowSpec } from '../runtime.js';

/**
 * Reads NUL-separated records from the launch file ($1): `D<dir>` cd, `U<name>` unset,
 * `E<name=value>` export, `A<arg>` argv; deletes the file, then execs the agent. Constant:
 * no value is ever interpolated into it.
 */
export const LAUNCHER = [
  'f=$1; args=()',
  "while IFS= read -r -d '' r; do case $r in " +
    'D*) cd -- "${r#D}" || { echo "cao: cannot enter ${r#D}" >&2; exit 126; } ;; ' +
    'U*) unset -- "${r#U}" ;; ' +
    'E*) export -- "${r#E}" ;; ' +
    'A*) args+=("${r#A}") ;; ' +
    'esac; done < "$f"',
  'rm -f -- "$f"',
  'exec "${args[@]}"',
  // one line: on a remote host it is a word of a command that host's login shell reads
].join('; ');

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The launch file's content for `spec`; INVALID_INPUT for what cannot be a record. */
export function launchRecords(spec: Pick<WindowSpec, 'cwd' | 'env' | 'unsetEnv' | 'argv'>): string {
  const records: string[] = [`D${spec.cwd}`];
  for (const name of spec.unsetEnv ?? []) {
    if (ENV_NAME_RE.test(name)) records.push(`U${name}`);
  }
  for (const [name, value] of Object.entries(spec.env)) {
    if (!ENV_NAME_RE.test(name)) {
      throw new CaoError('INVALID_INPUT', `Invalid environment variable name '${name}'.`);
    }
    if (value.includes('\0')) {
      throw new CaoError('INVALID_INPUT', `Environment variable ${name} contains a NUL byte.`);
    }
    records.push(`E${name}=${value}`);
  }
  if (spec.cwd.includes('\0'))
    throw new CaoError('INVALID_INPUT', 'The directory contains a NUL byte.');
  for (const arg of spec.argv) {
    if (arg.includes('\0')) throw new CaoError('INVALID_INPUT', 'An argument contains a NUL byte.');
    records.push(`A${arg}`);
  }
  return records.map((r) => `${r}\0`).join('');
}
