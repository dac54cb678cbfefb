/**
 * cao-server: the composition root. Start-up goes in an order that leaves nothing behind when
 * any step fails: take CAO_HOME's lock (one server per home, store/home-lock.ts), open the
 * store, bind the port, and only then attach to tmux (adopt the terminals that survived a
 * restart) and start the ledger and flows. A failure at any step closes what the earlier ones
 * opened (tmux control clients included: a client left attached by a dead server made tmux
 * 3.3a crash when an agent was killed). Requests wait until start-up is done. Stopping the
 * server leaves every agent running; the next start picks them up again.
 */
import { serve, type ServerType } from '@hono/node-server';
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findBinary } from '../core/binaries.js';
import { createCore, type Core } from '../core/core.js';
import { DEFAULT_TIMING } from '../core/deps.js';
import { EventBus } from '../core/events.js';
import { FlowService } from '../flows/flows-service.js';
import { authFiles, ensureSecrets } from '../lib/auth-files.js';
import { envFlag, hostGiveUpMs, mcpTransport, serverAddress, tmuxSocket } from '../lib/config.js';
import { CaoError, errorMessage } from '../lib/errors.js';
import { createLogger, parseLogLevel, type Logger } from '../lib/log.js';
import { caoPaths, ensureLayout } from '../lib/paths.js';
import { fallbackRootOnlyDir, findRootOnlyDir } from '../lib/root-only-dir.js';
import { checkMcpServerNodeFlags, mcpServerCommand } from '../lib/self.js';
import { caoVersion } from '../lib/version.js';
import { LocalTmuxHost } from '../runtime/tmux/tmux-host.js';
import { HostsRuntime } from '../runtime/hosts-runtime.js';
import { sshControlDir } from '../runtime/ssh/control-dir.js';
import { TmuxRuntime } from '../runtime/tmux/tmux-runtime.js';
import { lockHome } from '../store/home-lock.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { createApp } from './app.js';
import { providerInfoSource } from './providers-info.js';
import { LoginCodes } from './routes/auth.js';
import { createSocketServer } from './ws.js';

export const SERVER_HELP = `Usage: cao-server [--host HOST] [--port PORT]

Runs the cao API server (default 127.0.0.1:9889; env CAO_API_HOST, CAO_API_PORT).
One cao-server per CAO_HOME. Other settings: CAO_HOME_DIR, CAO_TMUX_SOCKET /
CAO_TMUX_SOCKET_PATH, CAO_LOG_LEVEL, CAO_ALLOWED_HOSTS, CAO_CORS_ORIGINS, CAO_DEV_ORIGINS,
CAO_AUTH=off (accept requests without a token: only for clients that cannot send one),
CAO_SSH_CONFIG (the ssh configuration for remote hosts, ssh's -F), CAO_HOST_GIVE_UP (seconds
a remote host may stay unreachable before its agents turn to error; default 3600, 0 = never).
See README.md.`;

/** How long the server lingers after finding its database gone, to answer the request. */
const LOST_GRACE_MS = 200;

/** What start-up opened so far, closed in reverse order when a later step fails or on stop. */
type Closer = () => Promise<void> | void;

async function closeAll(closers: Closer[], log: Logger): Promise<void> {
  for (const close of closers.splice(0).reverse()) {
    try {
      await close();
    } catch (e) {
      log.warn('closing after start-up failed', { error: errorMessage(e) });
    }
  }
}

export async function runServer(argv: string[]): Promise<void> {
  let values: { host?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    throw new CaoError('INVALID_INPUT', `${errorMessage(e)}\n\n${SERVER_HELP}`);
  }
  if (values.help) {
    process.stdout.write(`${SERVER_HELP}\n`);
    return;
  }
  const env = process.env;
  const addr = serverAddress(env);
  const giveUpMs = hostGiveUpMs(env);
  const host = values.host ?? addr.host;
  const port = values.port !== undefined ? Number(values.port) : addr.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CaoError('INVALID_INPUT', `--port must be a port number, got '${values.port}'`);

  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new CaoError(
      'UNAVAILABLE',
      'tmux is not installed (not found on PATH). Install it, e.g. `apt-get install tmux` or `brew install tmux`, then start cao-server again.',
    );
  }

  const paths = caoPaths(env);
  ensureLayout(paths);
  const log = createLogger({
    level: parseLogLevel(env['CAO_LOG_LEVEL']),
    file: join(paths.logs, 'cao-server.log'),
  });
  const displayHost = host.includes(':') ? `[${host}]` : host;
  const closers: Closer[] = [];
  let stop: (signal: string, code?: number) => void = () => {};

  const lock = lockHome(paths);
  closers.push(() => lock.release());
  let server: ServerType | undefined;
  let core: Core | undefined;
  let flows: FlowService | undefined;
  let adopted = 0;
  let rebuilt = 0;
  // requests wait here until start-up is done (false: it failed, the server is going away)
  let started!: (ok: boolean) => void;
  const ready = new Promise<boolean>((resolve) => (started = resolve));
  try {
    const store = new SqliteStore(paths.dbFile, {
      onLost: (e) => {
        log.error('database lost', { error: e.message });
        process.stderr.write(`Error: ${e.message}\n`);
        // a moment for the request that found it to get its answer (503, the same words)
        setTimeout(() => stop('database lost', 1), LOST_GRACE_MS);
      },
    });
    closers.push(() => store.close());
    const local = new TmuxRuntime({
      host: new LocalTmuxHost({
        socket: tmuxSocket(env),
        tmpDir: paths.tmp,
        configFile: env['CAO_TMUX_CONFIG'] || undefined,
      }),
      log,
    });
    // this machine's tmux and each remote host's (added with `cao host add`), as one runtime
    const runtime = new HostsRuntime(local, log, giveUpMs);
    // the port agents on remote hosts reach through their reverse forward (known once bound)
    let apiPort = port;
    // closes every tmux control client it attached, whichever step attached them
    closers.push(() => runtime.close());
    const bus = new EventBus();
    core = createCore({
      bus,
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
      // asked at each stdio launch: the Node flags it carries are checked in the background
      mcpServerCommand,
      mcpTransport: mcpTransport(env),
      timing: DEFAULT_TIMING,
      hosts: {
        runtime,
        sshConfig: env['CAO_SSH_CONFIG']?.trim() || undefined,
        controlDir: sshControlDir(paths.home),
        api: () => ({ host: '127.0.0.1', port: apiPort }),
      },
    });
    const theCore = core;
    closers.push(() => theCore.close());
    flows = new FlowService({ core, store, bus, log, paths, home: homedir(), agentEnv: env });
    const theFlows = flows;
    closers.push(() => theFlows.stop());
    const list = (v: string | undefined): string[] =>
      (v ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean);
    const authOff = /^(off|0|false|no)$/i.test(env['CAO_AUTH']?.trim() ?? '');
    const secrets = ensureSecrets(authFiles(paths));
    if (authOff) {
      process.stderr.write(
        'WARNING: CAO_AUTH=off: cao-server accepts every request without a token; any local user (and any program that reaches this port) can type into your agents. Turn it on again as soon as your clients can send the token.\n',
      );
      log.warn('authentication is off (CAO_AUTH=off)');
    }
    const app = createApp({
      core,
      flows,
      auth: {
        enabled: !authOff,
        ownerToken: secrets.owner,
        viewerToken: secrets.viewer,
        cookieKey: secrets.cookieKey,
        ownerTokenFile: authFiles(paths).owner,
        terminalByTokenHash: (hash) => theCore.terminals.byTokenHash(hash),
        sessionOf: (id) => theCore.terminals.sessionOf(id),
      },
      loginCodes: new LoginCodes(),
      mcp: { workingDirectoryParam: envFlag(env, 'CAO_ENABLE_WORKING_DIRECTORY', false) },
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

    server = serve({
      fetch: async (req, bindings) =>
        (await ready)
          ? app.fetch(req, bindings)
          : Response.json(
              { detail: 'cao-server failed to start; see its log.', code: 'UNAVAILABLE' },
              { status: 503 },
            ),
      hostname: host,
      port,
      // WS /terminals/{id}/ws (ws.ts) goes through app.fetch and its Host/Origin checks first
      websocket: { server: createSocketServer() },
    });
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once('listening', resolve);
      listening.once('error', (e: NodeJS.ErrnoException) => {
        reject(
          new CaoError(
            'CONFLICT',
            e.code === 'EADDRINUSE'
              ? `Port ${port} on ${host} is already in use. Is another cao-server running? (curl http://${displayHost}:${port}/health) Use --port or CAO_API_PORT to choose another.`
              : `cannot listen on ${host}:${port}: ${e.message}`,
          ),
        );
      });
    });
    closers.push(() => {
      // open event streams would hold close() up; the process is going away
      listening.close();
      if ('closeAllConnections' in listening) listening.closeAllConnections();
    });
    const bound = listening.address();
    const boundPort = typeof bound === 'object' && bound ? bound.port : port;
    apiPort = boundPort;
    lock.serving(`http://${displayHost}:${boundPort}`);

    // adopts the terminals that survived a restart, then starts the ledger and turns
    const report = await core.start();
    adopted = report.adopted.length;
    rebuilt = report.rebuilt.length;
    log.info('adopted terminals', {
      adopted,
      rebuilt,
      removed: report.removed.length,
      sweptFiles: report.sweptFiles,
    });
    // flows whose next run passed while the server was down run once now (see flows-service.ts)
    await flows.start();
    void checkMcpServerNodeFlags();
    started(true);
    process.stderr.write(
      `cao-server ${caoVersion()} (pid ${process.pid}) listening on http://${displayHost}:${boundPort} (home ${paths.home}; ${adopted} terminal(s) re-adopted${rebuilt > 0 ? `, ${rebuilt} of them rebuilt from tmux` : ''})\n`,
    );
    log.info('listening', { host, port: boundPort, pid: process.pid });
  } catch (e) {
    started(false);
    log.error('start-up failed', { error: errorMessage(e) });
    await closeAll(closers, log);
    throw e;
  }

  let stopping = false;
  stop = (signal: string, code = 0): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    setTimeout(() => process.exit(code), 3000).unref();
    void closeAll(closers, log).finally(() => process.exit(code));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
