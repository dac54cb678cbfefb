/**
 * End-to-end harness: the built `cao` and `cao-server` binaries, real tmux on a private socket,
 * real agent CLIs from the npm registry, and the project's fake model server. Everything lives
 * in a temp directory (isolated HOME and CAO_HOME); only processes this harness started are
 * stopped, and only the private tmux server is killed.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/shared.js';
import { startFakeModel, type FakeModel } from '../fake-model/server.js';
import type { Script } from '../fake-model/script.js';
import { fallbackRootOnlyDir } from '../../src/lib/root-only-dir.js';

const AGENTS_DIR = process.env['CAO_TEST_AGENTS_DIR'] ?? join(PROJECT_ROOT, '.cache', 'agent-clis');
/** The CLIs to install: the pinned manifest, or another one (`npm run test:latest` writes one
 *  with the newest registry versions). */
export const MANIFEST_FILE =
  process.env['CAO_TEST_AGENTS_MANIFEST'] ?? join(PROJECT_ROOT, 'test', 'e2e', 'agent-clis.json');
const MANIFEST = JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as {
  node: string;
  clis: Record<string, string>;
};
export const FAKE_ANTHROPIC_KEY =
  'sk-ant-api03-fakefakefakefakefakefakefakefakefake-0123456789abcdef';

export const hasTmux = (): boolean => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Whether dist/ is built (the e2e tests run the real binaries). */
export const hasBuild = (): boolean => existsSync(join(PROJECT_ROOT, 'dist', 'bin', 'cao.js'));

/** Why the e2e tests cannot run here ('' when they can): they need tmux and a built dist/. */
export const e2eSkipReason = (): string =>
  !hasTmux() ? 'tmux is not installed' : !hasBuild() ? 'dist/ is not built (npm run build)' : '';

/** A suite title for `describe.skipIf(skipReason !== '')`: it says why when it is skipped. */
export const e2eTitle = (title: string, skipReason: string): string =>
  skipReason ? `${title} (skipped: ${skipReason})` : title;

/**
 * Installs the pinned agent CLI (and Node 22 for the CLIs) into .cache/agent-clis once.
 * Returns the bin directory, or throws with npm's output when the registry is unreachable.
 */
export function ensureAgentCli(cli: string): string {
  const pkg = MANIFEST.clis[cli];
  if (!pkg) throw new Error(`no pinned package for ${cli} in agent-clis.json`);
  const bin = join(AGENTS_DIR, 'node_modules', '.bin');
  const version = pkg.slice(pkg.lastIndexOf('@') + 1);
  const name = pkg.slice(0, pkg.lastIndexOf('@'));
  const installed = (p: string): string | undefined => {
    try {
      return (
        JSON.parse(readFileSync(join(AGENTS_DIR, 'node_modules', p, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      return undefined;
    }
  };
  const nodeName = MANIFEST.node.slice(0, MANIFEST.node.lastIndexOf('@'));
  const wanted = [
    installed(name) === version ? undefined : pkg,
    installed(nodeName) ? undefined : MANIFEST.node,
  ].filter((x): x is string => x !== undefined);
  if (wanted.length > 0) {
    mkdirSync(AGENTS_DIR, { recursive: true });
    if (!existsSync(join(AGENTS_DIR, 'package.json'))) {
      writeFileSync(
        join(AGENTS_DIR, 'package.json'),
        JSON.stringify({ name: 'cao-test-agent-clis', private: true, allowScripts: { '*': true } }),
      );
    }
    execFileSync(
      'npm',
      ['install', '--prefix', AGENTS_DIR, '--no-audit', '--no-fund', '--loglevel=error', ...wanted],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 600_000,
      },
    );
    // the Qwen Code tarball ships its vendored ripgrep without the exec bit
    const rgDir = join(AGENTS_DIR, 'node_modules', '@qwen-code', 'qwen-code', 'vendor', 'ripgrep');
    if (existsSync(rgDir)) {
      for (const d of readdirSync(rgDir)) {
        if (existsSync(join(rgDir, d, 'rg'))) chmodSync(join(rgDir, d, 'rg'), 0o755);
      }
    }
  }
  return bin;
}

/** The owner token cao-server wrote in `caoHome` (undefined before its first start). */
export function ownerToken(caoHome: string): string | undefined {
  try {
    return readFileSync(join(caoHome, 'auth', 'owner.token'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface CaoResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Stack {
  root: string;
  home: string;
  caoHome: string;
  work: string;
  port: number;
  socket: string;
  model: FakeModel;
  env: NodeJS.ProcessEnv;
  apiUrl: string;
  /** Runs the built `cao` CLI. */
  cao(args: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CaoResult>;
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  tmux(args: string[]): string;
  startServer(): Promise<void>;
  /** SIGKILL the server (terminals keep running in tmux). */
  killServer(): void;
  /** The running cao-server's process id (benchmarks read its /proc entries). */
  serverPid(): number | undefined;
  stop(): Promise<void>;
  serverLog(): string;
  /** What a failed test needs to be understood from CI output alone: every terminal with its
   *  status and the end of its screen, the inbox, the fake model's last replies and the end of
   *  the server log. */
  diagnose(): Promise<string>;
}

export interface StackOptions {
  /** Agent CLIs to put on PATH (installed on demand). */
  clis: string[];
  script?: Script;
  /** Extra environment for cao-server and the agents. */
  env?: NodeJS.ProcessEnv;
  /** More environment, computed from the fake model's URL. */
  envFromModel?: (modelUrl: string) => NodeJS.ProcessEnv;
  /** Writes CLI config into the isolated HOME before the server starts. */
  prepare?: (home: string, modelUrl: string, work: string) => void;
}

let counter = 0;

/**
 * The skill document's Quick Example launch, `cao launch --agents code_supervisor --headless
 * --yolo --session-name my-task --working-directory DIR TASK`, with `extra` options before the
 * task (the provider, a host).
 */
export function quickExampleLaunch(dir: string, task: string, extra: string[] = []): string[] {
  return [
    'launch',
    '--agents',
    'code_supervisor',
    '--headless',
    '--yolo',
    '--session-name',
    'my-task',
    '--working-directory',
    dir,
    ...extra,
    task,
  ];
}

/** The messages a terminal sent through the ledger, as `type:status`, sorted. */
export async function sentBy(s: Pick<Stack, 'api'>, terminalId: string): Promise<string[]> {
  const r = await s.api<{ orchestration_type: string; status: string }[]>(
    'GET',
    `/inbox/messages?sender_id=${terminalId}`,
  );
  return r.body.map((m) => `${m.orchestration_type}:${m.status}`).sort();
}

export async function startStack(o: StackOptions): Promise<Stack> {
  // in the project (as root, cao then keeps Gemini's per-terminal settings under CAO_HOME; a
  // checkout below /tmp makes it use /run/cao/…, removed in stop())
  const base = join(PROJECT_ROOT, '.test-tmp');
  mkdirSync(base, { recursive: true });
  const root = mkdtempSync(join(base, 'e2e-'));
  const home = join(root, 'home');
  const caoHome = join(root, 'cao-home');
  const work = join(root, 'work');
  for (const d of [home, caoHome, work]) mkdirSync(d, { recursive: true });
  // a project of its own, as users have: CLIs then never wander up into this repository
  execFileSync('git', ['init', '-q', work], { stdio: 'ignore' });
  const bins = o.clis.map((c) => ensureAgentCli(c));
  const model = await startFakeModel(o.script ?? { turns: [] });
  const port = await freePort();
  const socket = `cao-e2e-${process.pid}-${++counter}`;
  // Claude Code: onboarding done and the fake key approved, so it starts straight to its prompt
  writeFileSync(
    join(home, '.claude.json'),
    JSON.stringify({
      hasCompletedOnboarding: true,
      theme: 'dark',
      customApiKeyResponses: { approved: [FAKE_ANTHROPIC_KEY.slice(-20)], rejected: [] },
    }),
  );
  const env: NodeJS.ProcessEnv = {
    PATH: [...new Set(bins), process.env['PATH'] ?? ''].join(':'),
    HOME: home,
    USER: process.env['USER'] ?? 'root',
    LANG: 'C.UTF-8',
    TERM: 'xterm-256color',
    CAO_HOME_DIR: caoHome,
    CAO_API_PORT: String(port),
    CAO_TMUX_SOCKET: socket,
    CAO_TMUX_CONFIG: '/dev/null',
    CAO_NO_AUTOSTART: '1',
    CAO_LOG_LEVEL: 'debug',
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ENABLE_TOOL_SEARCH: 'false',
    // CAO_MCP_TRANSPORT=stdio runs the whole e2e with the stdio bridge instead of HTTP
    ...(process.env['CAO_MCP_TRANSPORT']
      ? { CAO_MCP_TRANSPORT: process.env['CAO_MCP_TRANSPORT'] }
      : {}),
    ...o.envFromModel?.(model.url),
    ...o.env,
  };
  o.prepare?.(home, model.url, work);
  const apiUrl = `http://127.0.0.1:${port}`;
  let server: ChildProcess | undefined;
  let serverOut = '';

  const stack: Stack = {
    root,
    home,
    caoHome,
    work,
    port,
    socket,
    model,
    env,
    apiUrl,
    cao(args, opts = {}) {
      return new Promise((resolve) => {
        execFile(
          process.execPath,
          [join(PROJECT_ROOT, 'dist', 'bin', 'cao.js'), ...args],
          {
            env: { ...env, ...opts.env },
            cwd: work,
            timeout: opts.timeoutMs ?? 180_000,
            maxBuffer: 16 * 1024 * 1024,
          },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      });
    },
    async api<T>(method: string, path: string, body?: unknown) {
      // as the owner: the token cao-server wrote in its home (what the cao CLI sends)
      const token = ownerToken(caoHome);
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    tmux(args) {
      return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    },
    async startServer() {
      server = spawn(process.execPath, [join(PROJECT_ROOT, 'dist', 'bin', 'cao-server.js')], {
        env,
        cwd: work,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      server.stdout?.on('data', (d: Buffer) => (serverOut += d.toString()));
      server.stderr?.on('data', (d: Buffer) => (serverOut += d.toString()));
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        try {
          const r = await fetch(`${apiUrl}/health`);
          if (r.ok) return;
        } catch {
          // not up yet
        }
        if (server.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`cao-server did not start:\n${serverOut}`);
    },
    serverPid() {
      return server?.pid;
    },
    killServer() {
      server?.kill('SIGKILL');
      server = undefined;
    },
    async stop() {
      if (server) {
        server.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 300));
        server.kill('SIGKILL');
      }
      // end the agents (and anything they left in their process groups), then the tmux server
      let pids: number[] = [];
      try {
        pids = execFileSync('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{pane_pid}'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        })
          .split('\n')
          .map(Number)
          .filter((n) => n > 1);
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        // no server left
      }
      await new Promise((r) => setTimeout(r, 500));
      for (const pid of pids) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await model.close();
      // agents killed with the tmux server may still be writing their files for a moment
      if (!process.env['CAO_E2E_KEEP']) {
        rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
        rmSync(fallbackRootOnlyDir(caoHome), { recursive: true, force: true });
      }
    },
    serverLog() {
      const file = join(caoHome, 'logs', 'cao-server.log');
      return `${serverOut}\n${existsSync(file) ? readFileSync(file, 'utf8') : ''}`;
    },
    async diagnose() {
      const out: string[] = ['--- diagnosis ---'];
      const tail = (text: string, n: number): string => text.split('\n').slice(-n).join('\n');
      try {
        const sessions = (await stack.api<{ name: string }[]>('GET', '/sessions')).body;
        for (const session of sessions) {
          const terms = (
            await stack.api<{ id: string; name: string; status: string }[]>(
              'GET',
              `/sessions/${session.name}/terminals`,
            )
          ).body;
          for (const t of terms) {
            const d = (
              await stack.api<{ status: string; rule: string }>('GET', `/terminals/${t.id}/detect`)
            ).body;
            out.push(`terminal ${t.id} ${t.name} in ${session.name}: ${d.status} (${d.rule})`);
            const screen = (
              await stack.api<{ output: string }>('GET', `/terminals/${t.id}/output?mode=full`)
            ).body;
            out.push(tail(screen.output ?? '', 25));
            const inbox = (await stack.api<unknown[]>('GET', `/terminals/${t.id}/inbox/messages`))
              .body;
            out.push(`inbox of ${t.id}: ${JSON.stringify(inbox)}`);
          }
        }
      } catch (e) {
        out.push(`(the API did not answer: ${String(e)})`);
      }
      out.push('fake model, last replies:');
      for (const r of stack.model.log.slice(-8)) {
        out.push(
          `  ${r.lastUser.slice(0, 120).replace(/\s+/g, ' ')} -> ${JSON.stringify(r.decision).slice(0, 200)}`,
        );
      }
      const lines = stack.serverLog().split('\n');
      const statuses = lines.filter((l) => l.includes('"msg":"status"')).slice(-60);
      const rest = lines.filter((l) => !l.includes('"msg":"status"')).join('\n');
      out.push(
        'status changes, last 60:',
        ...statuses,
        'server log, last lines:',
        tail(rest, 60),
        '--- end of diagnosis ---',
      );
      return out.join('\n');
    },
  };
  await stack.startServer();
  return stack;
}
