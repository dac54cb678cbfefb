/**
 * The whole cao stack in one process: the real core and HTTP app over the fake runtime and an
 * in-memory SQLite store. Requests go through `app.request` (no port).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { assembleCore, type Core } from '../../src/core/core.js';
import { DEFAULT_TIMING, type CoreDeps, type CoreTiming } from '../../src/core/deps.js';
import {
  FlowService,
  type FlowDeps,
  type FlowServiceOptions,
} from '../../src/flows/flows-service.js';
import { silentLogger } from '../../src/lib/log.js';
import { providers } from '../../src/providers/index.js';
import { caoPaths, ensureLayout, type CaoPaths } from '../../src/lib/paths.js';
import { FakeRuntime, type FakeProgram } from '../../src/runtime/fake-runtime.js';
import type { WindowSpec } from '../../src/runtime/runtime.js';
import { envFlag } from '../../src/lib/config.js';
import { newToken } from '../../src/lib/secrets.js';
import { createApp } from '../../src/server/app.js';
import { LoginCodes } from '../../src/server/routes/auth.js';
import type { AppDeps } from '../../src/server/deps.js';
import type { SecurityOptions } from '../../src/server/security.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { fakeClaude } from './fake-claude.js';

export interface TestStack {
  app: Hono;
  core: Core;
  /** The edges the core was built on (its own parts' tests use the tracker and the store). */
  deps: CoreDeps;
  /** What a FlowService is built on (to start another, as after a restart). */
  flowDeps: FlowDeps;
  /** Started like cao-server's (with `flowOptions`' clock and timer when given). */
  flows: FlowService;
  /**
   * Settles when the core's start (adoption, then the sweep of per-terminal files of terminals
   * that are gone) is over. cao-server serves only after it; a test that writes per-terminal
   * files itself (the launcher's) awaits it, or the sweep may take them.
   */
  started: Promise<void>;
  runtime: FakeRuntime;
  store: SqliteStore;
  paths: CaoPaths;
  root: string;
  work: string;
  /** The owner's and the viewers' tokens (requests of `req` carry the owner's). */
  tokens: { owner: string; viewer: string };
  /** JSON request (as the owner, unless `headers` says otherwise); returns status and body. */
  req<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface TestStackOptions {
  program?: (spec: WindowSpec) => FakeProgram;
  /** Binaries that exist (default: every provider's). */
  installed?: (binary: string) => boolean;
  timing?: Partial<CoreTiming>;
  env?: NodeJS.ProcessEnv;
  isRoot?: boolean;
  /** The root-only directory (lib/root-only-dir.ts) the server found, if any. */
  rootOnlyDir?: string;
  /** How agents reach cao's MCP tools (default http, as cao-server's default). */
  mcpTransport?: 'http' | 'stdio';
  /** Whether fake agents report cao-mcp-server connected (default true). */
  mcpConnects?: boolean;
  /** Clock, timer and gate-script time limit for the flow scheduler. */
  flowOptions?: FlowServiceOptions;
  /** Host/Origin settings on top of the defaults (127.0.0.1:9889, nothing extra). */
  security?: Partial<SecurityOptions>;
  /** The CLIs on this machine (`GET /agents/providers`, launch warnings); default none. */
  providerInfo?: AppDeps['providerInfo'];
}

export function createTestStack(o: TestStackOptions = {}): TestStack {
  const root = mkdtempSync(join(tmpdir(), 'cao-stack-'));
  const paths = caoPaths({ CAO_HOME_DIR: join(root, 'home') });
  ensureLayout(paths);
  const program = fakeClaude();
  const runtime = new FakeRuntime(o.program ?? (() => program));
  const store = new SqliteStore(':memory:');
  const { core, deps } = assembleCore({
    runtime,
    store,
    paths,
    log: silentLogger,
    agentEnv: { PATH: '/usr/bin:/bin', HOME: root, ...o.env },
    home: root,
    apiUrl: 'http://127.0.0.1:9889',
    isRoot: o.isRoot ?? false,
    rootOnlyDir: o.rootOnlyDir,
    findBinary: (b) => ((o.installed ?? (() => true))(b) ? `/usr/bin/${b}` : undefined),
    mcpServerCommand: () => ({
      command: '/usr/bin/node',
      args: ['/cao/dist/bin/cao-mcp-server.js'],
    }),
    mcpTransport: o.mcpTransport ?? 'http',
    timing: {
      ...DEFAULT_TIMING,
      initTimeoutMs: 3000,
      unansweredDialogMs: 500,
      echoTimeoutMs: 300,
      submitTimeoutMs: 300,
      readySettleMs: 10,
      ...o.timing,
    },
  });
  const started = core.start().then(() => undefined);
  // the agents' CLIs "connect" to cao-mcp-server right after they start, as real ones do
  if (o.mcpConnects ?? true) {
    core.subscribe((e) => {
      if (e.type === 'terminal.created')
        setTimeout(() => void core.terminals.markMcpReady(e.terminal_id).catch(() => {}), 5);
    });
  }
  const flowDeps: FlowDeps = {
    core,
    store,
    bus: deps.bus,
    log: silentLogger,
    paths,
    home: root,
    agentEnv: deps.agentEnv,
  };
  const flows = new FlowService(flowDeps, o.flowOptions);
  void flows.start();
  const tokens = { owner: newToken('owner'), viewer: newToken('viewer') };
  const app = createApp({
    core,
    flows,
    auth: {
      enabled: true,
      ownerToken: tokens.owner,
      viewerToken: tokens.viewer,
      cookieKey: 'test-cookie-key',
      ownerTokenFile: join(paths.home, 'auth', 'owner.token'),
      terminalByTokenHash: (hash) => core.terminals.byTokenHash(hash),
      sessionOf: (id) => core.terminals.sessionOf(id),
    },
    loginCodes: new LoginCodes(),
    mcp: { workingDirectoryParam: envFlag(o.env ?? {}, 'CAO_ENABLE_WORKING_DIRECTORY', false) },
    paths,
    home: root,
    log: silentLogger,
    version: 'test',
    security: {
      host: '127.0.0.1',
      port: 9889,
      allowedHosts: [],
      allowedOrigins: [],
      ...o.security,
    },
    providerInfo:
      o.providerInfo ??
      (() =>
        Promise.resolve(
          Object.values(providers).map((p) => {
            const installed = (o.installed ?? (() => true))(p.binary);
            return {
              name: p.id,
              label: p.label,
              binary: p.binary,
              installed,
              path: installed ? `/usr/bin/${p.binary}` : null,
              version: installed ? `${p.binary} 1.0.0 (fake)` : null,
              version_number: installed ? '1.0.0' : null,
              verified: installed ? false : null,
              verified_versions: [],
            };
          }),
        )),
  });
  return {
    app,
    core,
    deps,
    tokens,
    flows,
    flowDeps,
    started,
    runtime,
    store,
    paths,
    root,
    work: root,
    async req<T>(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) {
      // as cao-server holds requests until its start-up (adoption, the file sweep) is done
      await started;
      const res = await app.request(path, {
        method,
        headers: withoutEmpty({
          host: '127.0.0.1:9889',
          authorization: `Bearer ${tokens.owner}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async close() {
      flows.stop();
      await core.close();
      store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Headers without the ones a test blanked out ('' = do not send it). */
function withoutEmpty(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== ''));
}
