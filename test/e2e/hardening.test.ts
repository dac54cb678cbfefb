/**
 * Issue 13 end to end, with the built binaries, real tmux on a private socket and a real
 * Claude Code agent: one cao-server per CAO_HOME (a second one and four concurrent autostarts),
 * a failed start that leaves no tmux client behind, a database deleted or corrupt while the
 * agent runs (found again from tmux), another Node, a dev-server origin, and a tmux server
 * that died. The tests run in order and share one agent.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/shared.js';
import {
  e2eSkipReason,
  e2eTitle,
  ensureAgentCli,
  freePort,
  startStack,
  type Stack,
} from './harness.js';

const skipReason = e2eSkipReason();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs one of the built executables; code -1 when it had to be killed at `timeoutMs`. */
function runBin(
  bin: 'cao.js' | 'cao-server.js',
  args: string[],
  env: NodeJS.ProcessEnv,
  o: { node?: string; timeoutMs?: number } = {},
): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      o.node ?? process.execPath,
      [join(PROJECT_ROOT, 'dist', 'bin', bin), ...args],
      { env, timeout: o.timeoutMs ?? 30_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const killed = err !== null && (err as { killed?: boolean }).killed === true;
        const code = err ? (killed ? -1 : typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

/** Processes running cao-server.js with `--port PORT` (the way `cao` autostarts one). */
function autostartedServers(port: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = argv.indexOf('--port');
    if (argv.some((a) => a.endsWith('cao-server.js')) && argv[at + 1] === String(port)) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(200);
  }
}

describe.skipIf(skipReason !== '')(
  e2eTitle('hardening: one server per CAO_HOME, failed starts, lost tmux and database', skipReason),
  () => {
    let s: Stack;
    let terminalId: string;
    /** Servers `cao` started by itself in these tests (ended by pid in afterAll). */
    const autostarted: number[] = [];
    const clients = (): string[] => {
      try {
        return s.tmux(['list-clients', '-F', '#{client_name}']).split('\n').filter(Boolean);
      } catch {
        return [];
      }
    };
    const refused = async (): Promise<true | undefined> => {
      try {
        await fetch(`${s.apiUrl}/health`);
        return undefined;
      } catch {
        return true;
      }
    };

    beforeAll(async () => {
      s = await startStack({
        clis: ['claude'],
        env: { IS_SANDBOX: '1' },
        script: { turns: [{ match: 'PING-AFTER-REBUILD', reply: 'Still here. PONG-REBUILT' }] },
      });
    });

    afterAll(async () => {
      for (const pid of autostarted) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await s?.stop();
    });

    it('a second cao-server on another port refuses the CAO_HOME, naming the pid and URL that serve it', async () => {
      const launched = await s.cao([
        'launch',
        '--agents',
        'developer',
        '--headless',
        '--yolo',
        '--session-name',
        'h1',
        '--working-directory',
        s.work,
        '--provider',
        'claude_code',
      ]);
      expect(launched.code, launched.stderr).toBe(0);
      terminalId = /id ([a-f0-9]{8})/.exec(launched.stdout)![1]!;
      expect(clients()).toHaveLength(1);

      const second = await runBin('cao-server.js', [], {
        ...s.env,
        CAO_API_PORT: String(await freePort()),
      });
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toBe(
        `Error: CAO_HOME ${s.caoHome} is in use by cao-server pid ${s.serverPid()} (serving http://127.0.0.1:${s.port}). ` +
          `Only one cao-server may use a CAO_HOME: use that one, stop it first (kill ${s.serverPid()}), or start this one with another CAO_HOME_DIR.`,
      );
      // it never reached tmux: still only the first server's control client
      expect(clients()).toHaveLength(1);
      const health = (await s.api<{ pid: number; cao_home: string }>('GET', '/health')).body;
      expect(health).toMatchObject({ pid: s.serverPid(), cao_home: s.caoHome });
    });

    it('a page on a dev-server origin cannot create a session', async () => {
      const res = await fetch(`${s.apiUrl}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
        body: JSON.stringify({
          agent_profile: 'developer',
          session_name: 'page',
          env_vars: { NODE_OPTIONS: '--import=data:text/javascript,1' },
        }),
      });
      expect(res.status).toBe(403);
      expect(s.tmux(['list-sessions', '-F', '#{session_name}']).trim().split('\n')).toEqual([
        'cao-h1',
      ]);
    });

    it('a start that fails (port in use) exits at once with a plain error and leaves no tmux client', async () => {
      s.killServer();
      await until(refused, 10_000);
      // the killed server's control client saw its stdin close and left
      await until(() => (clients().length === 0 ? true : undefined), 10_000);
      // it takes the port and nothing else: a client that reaches it (an agent's MCP bridge
      // still looking for cao-server) is dropped, so closing it never waits on a connection
      const squatter: Server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => squatter.listen(s.port, '127.0.0.1', resolve));
      try {
        for (const [bin, args] of [
          ['cao.js', ['server']],
          ['cao-server.js', []],
        ] as const) {
          const r = await runBin(bin, [...args], s.env, { timeoutMs: 20_000 });
          expect(r.code, `${bin}: ${r.stderr}`).toBe(1);
          expect(r.stderr.trim()).toBe(
            `Error: Port ${s.port} on 127.0.0.1 is already in use. Is another cao-server running? (curl http://127.0.0.1:${s.port}/health) Use --port or CAO_API_PORT to choose another.`,
          );
          expect(clients()).toEqual([]);
        }
      } finally {
        await new Promise<void>((resolve) => squatter.close(() => resolve()));
      }
      await s.startServer();
      expect(s.serverLog()).toMatch(/1 terminal\(s\) re-adopted/);
    });

    it('four concurrent autostarts end with exactly one server, and every command names it', async () => {
      s.killServer();
      await until(refused, 10_000);
      const runs = await Promise.all(
        [1, 2, 3, 4].map(() => s.cao(['session', 'list'], { env: { CAO_NO_AUTOSTART: '' } })),
      );
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      // A command returns as soon as a server answers; the servers that lost the race to
      // CAO_HOME may still be starting then, and exit by themselves once they find it taken.
      let servers = autostartedServers(s.port);
      autostarted.push(...servers);
      const end = Date.now() + 10_000;
      while (servers.length > 1 && Date.now() < end) {
        await sleep(100);
        servers = autostartedServers(s.port);
      }
      // the ones that exited are not ours to end any more (their pids may be reused)
      for (const p of [...autostarted]) {
        if (!servers.includes(p) && !alive(p)) autostarted.splice(autostarted.indexOf(p), 1);
      }
      expect(servers).toHaveLength(1);
      const pid = servers[0]!;
      const health = (await s.api<{ pid: number }>('GET', '/health')).body;
      expect(health.pid).toBe(pid);
      const named = runs.map((r) => /pid (\d+)/.exec(r.stderr)?.[1]);
      for (const [i, r] of runs.entries()) {
        // a command that found the server already up says nothing; the others name its pid
        if (named[i] !== undefined) expect(Number(named[i]), r.stderr).toBe(pid);
      }
      expect(named.filter((x) => x !== undefined).length).toBeGreaterThan(0);
      expect(runs.filter((r) => r.stderr.includes(`Started cao-server (pid ${pid})`))).toHaveLength(
        1,
      );
      for (const r of runs) expect(r.stdout).toContain('cao-h1');
      // back to the harness's own server
      process.kill(pid, 'SIGTERM');
      await until(() => (alive(pid) ? undefined : true), 10_000);
      // ended: its pid may be someone else's from now on
      autostarted.splice(autostarted.indexOf(pid), 1);
      await s.startServer();
    });

    it('a database deleted while the server runs stops it at the next write; the agent is found again from tmux', async () => {
      const db = join(s.caoHome, 'db', 'cli-agent-orchestrator.db');
      const pid = s.serverPid()!;
      for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
      const write = await s.api<{ detail: string }>(
        'POST',
        `/terminals/${terminalId}/inbox/messages`,
        { sender_id: 'tester', message: 'written to a ghost?' },
      );
      expect(write.status).toBe(503);
      expect(write.body.detail).toContain(
        `The database ${db} was deleted while cao-server was running`,
      );
      await until(() => (alive(pid) ? undefined : true), 10_000);
      expect(s.serverLog()).toContain(`Error: The database ${db} was deleted`);
      // the agent still runs in tmux
      expect(s.tmux(['list-sessions', '-F', '#{session_name}']).trim()).toBe('cao-h1');

      await s.startServer();
      expect(s.serverLog()).toMatch(/1 terminal\(s\) re-adopted, 1 of them rebuilt from tmux/);
      const list = await s.cao(['session', 'list', '--json']);
      expect(list.code, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout)).toMatchObject([
        { session: 'cao-h1', conductor: { id: terminalId, agent_profile: 'developer' } },
      ]);
      const sent = await s.cao(['session', 'send', 'cao-h1', 'PING-AFTER-REBUILD']);
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stdout).toContain('PONG-REBUILT');
    });

    it('a corrupt database stops start-up with its path and what to do, and touches nothing', async () => {
      const db = join(s.caoHome, 'db', 'cli-agent-orchestrator.db');
      s.killServer();
      await until(refused, 10_000);
      await until(() => (clients().length === 0 ? true : undefined), 10_000);
      for (const f of [`${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
      writeFileSync(db, 'not a database '.repeat(512));
      const r = await runBin('cao-server.js', [], s.env, { timeoutMs: 20_000 });
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe(
        `Error: The database ${db} is not a usable SQLite database (file is not a database). ` +
          `Move it aside (mv '${db}' '${db}.broken') and start cao-server again: it creates a new one and finds the agents still running in tmux again.`,
      );
      expect(clients()).toEqual([]);
      renameSync(db, `${db}.broken`);
      await s.startServer();
      const status = await s.cao(['session', 'status', 'cao-h1', '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ conductor: { id: terminalId } });
    });

    it('started with another Node, cao-server names it and the fix instead of the raw ABI error', async () => {
      const node = join(ensureAgentCli('claude'), 'node');
      expect(existsSync(node)).toBe(true);
      const r = await runBin(
        'cao-server.js',
        [],
        { ...s.env, CAO_HOME_DIR: join(s.root, 'other-node-home'), CAO_API_PORT: '0' },
        { node },
      );
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toMatch(
        /^Error: cao was built for another Node\.js than the one running it \(v22\.\d+\.\d+, module version \d+; better-sqlite3 was built for \d+\)\. Rebuild it for this Node: run 'npm rebuild better-sqlite3' in cao's folder, or run cao with the Node it was built with\.$/,
      );
    });

    it('when the tmux server dies, session list, status and /health say so and name the lost session', async () => {
      s.tmux(['kill-server']);
      const list = await s.cao(['session', 'list']);
      expect(list.code).toBe(1);
      expect(list.stdout).toBe('');
      expect(list.stderr.trim()).toBe(
        `Error: The tmux server cao uses (tmux -L ${s.socket}) is gone: it exited or was killed, and took every agent in it. Lost: session cao-h1. Clear them with 'cao shutdown --all', then launch again.`,
      );
      const status = await s.cao(['session', 'status', 'cao-h1']);
      expect(status.code).toBe(1);
      expect(status.stderr).toMatch(/^Error: The tmux server cao uses .* is gone/);
      const health = await s.api<{
        status: string;
        components: Record<string, string>;
        lost_sessions: string[];
      }>('GET', '/health');
      expect(health.body).toMatchObject({
        status: 'degraded',
        components: { cao: 'ok', tmux: 'gone' },
        lost_sessions: ['cao-h1'],
      });
      const shut = await s.cao(['shutdown', '--all']);
      expect(shut.code, shut.stderr).toBe(0);
      expect(shut.stdout).toContain("✓ Shutdown session 'cao-h1'");
      const after = await s.cao(['session', 'list']);
      expect(after).toMatchObject({ code: 0, stdout: 'No active sessions\n' });
    });
  },
);
