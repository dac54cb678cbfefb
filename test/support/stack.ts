/**
 * The whole cao stack in one process: the real core and HTTP app over the fake runtime and an
 * in-memory SQLite store. Requests go through `app.request` (no port).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { createCore, type Core } from '../../src/core/core.js';
import { DEFAULT_TIMING, type CoreTiming } from '../../src/core/deps.js';
import { FlowService, type FlowServiceOptions } from '../../src/flows/flows-service.js';
import { silentLogger } from '../../src/lib/log.js';
import { caoPaths, ensureLayout, type CaoPaths } from '../../src/lib/paths.js';
import { FakeRuntime, type FakeProgram } from '../../src/runtime/fake-runtime.js';
import type { WindowSpec } from '../../src/runtime/runtime.js';
import { createApp } from '../../src/server/app.js';
import type { SecurityOptions } from '../../src/server/security.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { fakeClaude } from './fake-claude.js';

export interface TestStack {
  app: Hono;
  core: Core;
  /** Started like cao-server's (with `flowOptions`' clock and timer when given). */
  flows: FlowService;
  runtime: FakeRuntime;
  store: SqliteStore;
  paths: CaoPaths;
  root: string;
  work: string;
  /** JSON request; returns status and parsed body. */
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
  /** Whether fake agents report cao-mcp-server connected (default true). */
  mcpConnects?: boolean;
  /** Clock, timer and gate-script time limit for the flow scheduler. */
  flowOptions?: FlowServiceOptions;
  /** Host/Origin settings on top of the defaults (127.0.0.1:9889, nothing extra). */
  security?: Partial<SecurityOptions>;
}

export function createTestStack(o: TestStackOptions = {}): TestStack {
  const root = mkdtempSync(join(tmpdir(), 'cao-stack-'));
  const paths = caoPaths({ CAO_HOME_DIR: join(root, 'home') });
  ensureLayout(paths);
  const program = fakeClaude();
  const runtime = new FakeRuntime(o.program ?? (() => program));
  const store = new SqliteStore(':memory:');
  const core = createCore({
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
    mcpServerCommand: { command: '/usr/bin/node', args: ['/cao/dist/bin/cao-mcp-server.js'] },
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
  void core.ledger.start();
  // the agents' CLIs "connect" to cao-mcp-server right after they start, as real ones do
  if (o.mcpConnects ?? true) {
    core.bus.subscribe((e) => {
      if (e.type === 'terminal.created')
        setTimeout(() => void core.terminals.markMcpReady(e.terminal_id).catch(() => {}), 5);
    });
  }
  const flows = new FlowService(core, o.flowOptions);
  void flows.start();
  const app = createApp({
    core,
    flows,
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
    providerInfo: () => Promise.resolve([]),
  });
  return {
    app,
    core,
    flows,
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
      const res = await app.request(path, {
        method,
        headers: {
          host: '127.0.0.1:9889',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
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
