/**
 * Running the system tools the test hosts are made of (ip, useradd, ssh-keygen, …): always an
 * argv, never a shell string, and an error that quotes the command and its stderr.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The environment for those tools: ip, useradd and sshd live in sbin folders, which a
 *  non-login PATH may lack. */
export const TOOL_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: [process.env['PATH'], '/usr/sbin', '/sbin'].filter(Boolean).join(':'),
};

/** Runs a command to completion and returns its stdout; throws with its stderr when it fails. */
export function run(cmd: string, args: string[], o: { input?: string; timeoutMs?: number } = {}) {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      input: o.input ?? '',
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: o.timeoutMs ?? 30_000,
      env: TOOL_ENV,
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const why = (e.stderr ?? '').trim() || e.message;
    throw new Error(`${cmd} ${args.join(' ')} failed: ${why}`, { cause: err });
  }
}

/** Like `run`, for clean-up: returns whether it worked instead of throwing. */
export function tryRun(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 30_000, env: TOOL_ENV });
    return true;
  } catch {
    return false;
  }
}

/** Blocks for a moment (clean-up also runs from the process's `exit` event, where nothing async
 *  happens any more). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether a process still runs (a zombie child counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Ends the given processes: SIGTERM (and SIGHUP with `hangUp`, which the interactive shells in
 * tmux panes obey while they ignore SIGTERM; never for a listening sshd, which SIGHUP
 * restarts), then SIGKILL for those still there after `graceMs`.
 */
export function endProcesses(pids: number[], o: { hangUp?: boolean; graceMs?: number } = {}) {
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) {
    signal(pid, 'SIGTERM');
    if (o.hangUp) signal(pid, 'SIGHUP');
  }
  const deadline = Date.now() + (o.graceMs ?? 1_000);
  while (pids.some(alive) && Date.now() < deadline) sleepSync(25);
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 2_000;
  while (pids.some(alive) && Date.now() < killDeadline) sleepSync(25);
}

/**
 * One word for a POSIX shell: the remote side of ssh joins its command line with the user's
 * shell, so each argument is single-quoted (a `'` inside becomes `'\''`).
 */
export const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;
