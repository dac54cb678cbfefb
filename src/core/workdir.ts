/** Validation of the working directory an agent runs in. */
import { realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute } from 'node:path';
import { CaoError } from '../lib/errors.js';
import { expandHome } from '../lib/paths.js';

/** System directories an agent must never be pointed at (the original CAO's list). */
export const BLOCKED_DIRECTORIES: ReadonlySet<string> = new Set([
  '/',
  '/bin',
  '/sbin',
  '/usr',
  '/usr/bin',
  '/usr/sbin',
  '/etc',
  '/var',
  '/tmp',
  '/dev',
  '/proc',
  '/sys',
  '/root',
  '/boot',
  '/lib',
  '/lib64',
  '/private/etc',
  '/private/var',
  '/private/tmp',
]);

/**
 * Expands `~`, resolves symlinks and checks the directory exists and is allowed. Every error
 * names the path the user gave and what to do.
 */
export function resolveWorkingDirectory(input: string, home = homedir()): string {
  const expanded = expandHome(input.trim(), home);
  if (!isAbsolute(expanded)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Working directory '${input}' is not an absolute path. Pass a full path, e.g. --working-directory '/path/to/project'.`,
    );
  }
  let real: string;
  try {
    real = realpathSync(expanded);
  } catch {
    throw new CaoError(
      'INVALID_INPUT',
      `Working directory '${input}' does not exist. Create it or pass an existing directory with --working-directory.`,
    );
  }
  if (!statSync(real).isDirectory()) {
    throw new CaoError('INVALID_INPUT', `Working directory '${input}' is not a directory.`);
  }
  if (BLOCKED_DIRECTORIES.has(real)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Working directory '${input}' is a system directory; agents may not run there. Use a project directory.`,
    );
  }
  return real;
}
