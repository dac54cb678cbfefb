/**
 * Commands that need cao-server start it when it is not running (on the default loopback
 * address only), the way `docker` starts its daemon: detached, logging to
 * CAO_HOME/logs/cao-server.out, inheriting this shell's environment (so agents see the same
 * PATH and API keys). It happens when a request finds no server (the client's `onRefused`),
 * so a running server costs no extra request. CAO_NO_AUTOSTART=1 turns this off; then the
 * error says how to start it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
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

/** Starts cao-server for `baseUrl` and waits until it answers. */
export async function startServer(baseUrl: string): Promise<void> {
  const url = new URL(baseUrl);
  const paths = caoPaths();
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const logFile = join(paths.logs, 'cao-server.out');
  const out = openSync(logFile, 'a', 0o600);
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
  const probe = new CaoClient(baseUrl);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    await sleep(100);
    try {
      await ok(probe.api.health.$get(undefined, { init: { signal: AbortSignal.timeout(1000) } }));
      process.stderr.write(
        `Started cao-server (pid ${child.pid}) at ${baseUrl}; log: ${logFile}\n`,
      );
      return;
    } catch (e) {
      if (!isConnectionRefused(e)) throw e;
      if (child.exitCode !== null) break;
    }
  }
  throw new CaoError(
    'UNAVAILABLE',
    `cao-server did not start at ${baseUrl}; see ${logFile}. Start it yourself with 'cao-server' to see the error.`,
  );
}
