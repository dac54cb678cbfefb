/**
 * Running git on this machine: always by argv (`execFile`, never a shell), in a given
 * directory, with an environment that cannot redirect it (no GIT_DIR/GIT_WORK_TREE/GIT_INDEX_FILE
 * from cao-server's own environment, no prompts) and English messages.
 */
import { execFile } from 'node:child_process';
import { CaoError } from '../lib/errors.js';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Variables that would make git act on another repository, index or configuration. */
const REDIRECTING =
  /^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR|NAMESPACE|CEILING_DIRECTORIES|CONFIG.*)$/;

export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!REDIRECTING.test(k)) env[k] = v;
  return { ...env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', LANGUAGE: 'C', ...extra };
}

/** Runs `git -C cwd ...args`; resolves with the exit code (never rejects for a git failure). */
export function git(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-C', cwd, ...args],
      { env: gitEnv(env), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(
            new CaoError(
              'NOT_INSTALLED',
              'git is not installed (not on the PATH of cao-server): worktrees need it. Install git, then try again.',
            ),
          );
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Like `git`, but a non-zero exit is an error quoting git's own words. */
export async function gitOk(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<string> {
  const r = await git(cwd, args, env);
  if (r.code !== 0) {
    throw new CaoError(
      'INTERNAL',
      `git ${args[0] ?? ''} failed in ${cwd}: ${(r.stderr || r.stdout).trim() || `exit ${r.code}`}`,
    );
  }
  return r.stdout;
}
