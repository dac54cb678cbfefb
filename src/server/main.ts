/**
 * cao-server: the composition root. Opens the store, connects to tmux, re-adopts the terminals
 * that survived a restart, and serves the API on 127.0.0.1:9889 (`--host/--port`,
 * CAO_API_HOST/CAO_API_PORT). Stopping the server leaves every agent running; the next start
 * picks them up again.
 */
import { serve } from '@hono/node-server';
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { adoptTerminals } from '../core/adopt.js';
import { findBinary } from '../core/binaries.js';
import { createCore } from '../core/core.js';
import { DEFAULT_TIMING } from '../core/deps.js';
import { FlowService } from '../flows/flows-service.js';
import { envFlag, serverAddress, tmuxSocket } from '../lib/config.js';
import { createLogger, parseLogLevel } from '../lib/log.js';
import { caoPaths, ensureLayout } from '../lib/paths.js';
import { fallbackRootOnlyDir, findRootOnlyDir } from '../lib/root-only-dir.js';
import { mcpServerCommand } from '../lib/self.js';
import { caoVersion } from '../lib/version.js';
import { TmuxRuntime } from '../runtime/tmux/tmux-runtime.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { createApp } from './app.js';
import { providerInfoSource } from './providers-info.js';
import { createSocketServer } from './ws.js';

const HELP = `Usage: cao-server [--host HOST] [--port PORT]

Runs the cao API server (default 127.0.0.1:9889; env CAO_API_HOST, CAO_API_PORT).
Other settings: CAO_HOME_DIR, CAO_TMUX_SOCKET / CAO_TMUX_SOCKET_PATH, CAO_LOG_LEVEL,
CAO_ALLOWED_HOSTS, CAO_CORS_ORIGINS. See README.md.`;

export async function runServer(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const env = process.env;
  const addr = serverAddress(env);
  const host = values.host ?? addr.host;
  const port = values.port !== undefined ? Number(values.port) : addr.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got '${values.port}'`);

  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'tmux is not installed (not found on PATH). Install it, e.g. `apt-get install tmux` or `brew install tmux`, then start cao-server again.',
    );
  }

  const paths = caoPaths(env);
  ensureLayout(paths);
  const log = createLogger({
    level: parseLogLevel(env['CAO_LOG_LEVEL']),
    file: join(paths.logs, 'cao-server.log'),
  });
  const store = new SqliteStore(paths.dbFile);
  const runtime = new TmuxRuntime({
    socket: tmuxSocket(env),
    tmpDir: paths.tmp,
    log,
    ...(env['CAO_TMUX_CONFIG'] ? { configFile: env['CAO_TMUX_CONFIG'] } : {}),
  });
  const displayHost = host.includes(':') ? `[${host}]` : host;
  const core = createCore({
    runtime,
    store,
    paths,
    log,
    agentEnv: env,
    home: homedir(),
    apiUrl: `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : displayHost}:${port}`,
    isRoot: process.getuid?.() === 0,
    rootOnlyDir: findRootOnlyDir(paths.tmp, fallbackRootOnlyDir(paths.home)),
    findBinary,
    mcpServerCommand: mcpServerCommand(),
    timing: DEFAULT_TIMING,
  });
  const report = await adoptTerminals(core.deps);
  log.info('adopted terminals', {
    adopted: report.adopted.length,
    removed: report.removed.length,
    sweptFiles: report.sweptFiles,
  });
  await core.ledger.start();
  const flows = new FlowService(core);

  const list = (v: string | undefined): string[] =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const app = createApp({
    core,
    flows,
    paths,
    home: homedir(),
    log,
    version: caoVersion(),
    security: {
      host,
      port,
      allowedHosts: list(env['CAO_ALLOWED_HOSTS']),
      allowedOrigins: list(env['CAO_CORS_ORIGINS']),
      devOrigins: envFlag(env, 'CAO_DEV_ORIGINS', false),
    },
    providerInfo: providerInfoSource(() => env['PATH']),
  });

  const server = serve({
    fetch: app.fetch,
    hostname: host,
    port,
    // WS /terminals/{id}/ws (ws.ts) goes through app.fetch and its Host/Origin checks first
    websocket: { server: createSocketServer() },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        new Error(
          e.code === 'EADDRINUSE'
            ? `Port ${port} on ${host} is already in use. Is another cao-server running? (curl http://${displayHost}:${port}/health) Use --port or CAO_API_PORT to choose another.`
            : `cannot listen on ${host}:${port}: ${e.message}`,
        ),
      );
    });
  });
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;
  process.stderr.write(
    `cao-server ${caoVersion()} listening on http://${displayHost}:${boundPort} (home ${paths.home}; ${report.adopted.length} terminal(s) re-adopted)\n`,
  );
  log.info('listening', { host, port: boundPort });
  // flows whose next run passed while the server was down run once now (see flows-service.ts)
  await flows.start();

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    server.close();
    flows.stop();
    void core
      .close()
      .catch(() => {})
      .finally(() => {
        store.close();
        process.exit(0);
      });
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
