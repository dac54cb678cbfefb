/**
 * Commands that need cao-server start it when it is not running (on the default loopback
 * address only), the way `docker` starts its daemon: detached, logging to
 * CAO_HOME/logs/cao-server.out, inheriting this shell's environment (so agents see the same
 * PATH and API keys). It happens when a request finds no server (the client's `onRefused`),
 * so a running server costs no extra request. CAO_NO_AUTOSTART=1 turns this off; then the
 * error says how to start it.
 *
 * Several commands may do this at once (a script, agents in parallel): each starts a server,
 * one of them takes CAO_HOME (one server per home) and the others exit at once. So a command
 * whose own server exited keeps waiting while another live server holds CAO_HOME, and every
 * command reports the pid /health names, the process that really serves.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaoClient, isConnectionRefused, ok } from '../client/api.js';
import { envFlag } from '../lib/config.js';
import { CaoError } from '../lib/errors.js';
import { caoPaths } from '../lib/paths.js';
import { sleep } from '../lib/time.js';

const START_TIMEOUT_MS = 15_000;

/** Whether cao may start a server at `baseUrl` (loopback, and not turned off). */
export function mayAutostart(baseUrl: string): boolean {
  const url = new URL(baseUrl);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return loopback && !envFlag(process.env, 'CAO_NO_AUTOSTART', false);
}

/** Starts cao-server for `baseUrl` and waits until it (or another one for CAO_HOME) answers. */
export async function startServer(baseUrl: string): Promise<void> {
  const url = new URL(baseUrl);
  const paths = caoPaths();
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const logFile = join(paths.logs, 'cao-server.out');
  const out = openSync(logFile, 'a', 0o600);
  const logStart = statSync(logFile).size;
  const entry = fileURLToPath(new URL('../bin/cao-server.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [entry, '--host', url.hostname.replace(/^\[|\]$/g, ''), '--port', url.port || '80'],
    {
      detached: true,
      stdio: ['ignore', out, out],
      env: process.env,
    },
  );
  child.unref();
  closeSync(out);
  const probe = new CaoClient(baseUrl);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await sleep(100);
    try {
      const h = await ok(
        probe.api.health.$get(undefined, { init: { signal: AbortSignal.timeout(3000) } }),
      );
      const pid = 'pid' in h && typeof h.pid === 'number' ? h.pid : undefined;
      process.stderr.write(
        pid === undefined || pid === child.pid
          ? `Started cao-server (pid ${pid ?? child.pid}) at ${baseUrl}; log: ${logFile}\n`
          : `cao-server (pid ${pid}) at ${baseUrl} was started by another cao command at the same time; using it.\n`,
      );
      return;
    } catch (e) {
      // a server still starting (its port bound, requests held until it adopted its
      // terminals) may be slow to answer on a busy machine: that is "not yet", too
      const slow = e instanceof CaoError && e.code === 'TIMEOUT';
      if (!isConnectionRefused(e) && !slow) throw e;
      // ours exited: wait on only while another live server holds CAO_HOME (still starting)
      if (child.exitCode !== null && !otherHolder(paths.serverInfo, child.pid)) break;
    }
  }
  const why = lastLine(logFile, logStart);
  throw new CaoError(
    'UNAVAILABLE',
    `cao-server did not start at ${baseUrl}${why ? `: ${why}` : ''}. See ${logFile}, or start it yourself with 'cao-server' to see the error.`,
  );
}

/** Whether CAO_HOME's holder file (store/home-lock.ts) names a live process other than ours. */
function otherHolder(serverInfo: string, ours: number | undefined): boolean {
  try {
    const h = JSON.parse(readFileSync(serverInfo, 'utf8')) as { pid?: unknown };
    if (typeof h.pid !== 'number' || h.pid === ours) return false;
    process.kill(h.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The last non-empty line the server wrote to its log since `from` (its error, if it failed). */
function lastLine(file: string, from: number): string {
  try {
    const size = statSync(file).size;
    const start = Math.max(from, size - 4096);
    const buf = Buffer.alloc(size - start);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, buf.length, start);
    } finally {
      closeSync(fd);
    }
    const lines = buf
      .toString('utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return (lines.at(-1) ?? '').replace(/^Error: /, '');
  } catch {
    return '';
  }
}
