/**
 * The test hosts on their own: two real OpenSSH servers in network namespaces, each with its
 * own user and tmux, reached with `ssh -F` only; reverse forwards over a master connection; the
 * errors ssh gives for an unknown or changed host key and a host that does not answer; a cut
 * link; the real Claude Code CLI on a host reaching the fake model through the forward; and a
 * clean machine after stop(). One set of hosts for the whole file (set-up and tear-down times
 * are printed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeModel, type FakeModel } from '../../fake-model/server.js';
import { e2eTitle } from '../harness.js';
import { prepareRemoteHome } from './remote-home.js';
import { hostsSkipReason, startTestHosts, type TestHost, type TestHosts } from './test-hosts.js';

const skipReason = hostsSkipReason();
/** Where the fake model appears on every host (each host's loopback is its own). */
const MODEL_PORT_ON_HOSTS = 18_080;
const REPLY = 'Hello from the fake model, through the forward.';

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });

/** Command lines of the processes that mention `text` (the client folder, a user name). */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(text) && Number(pid) !== process.pid) found.push(`${pid}: ${cmd}`);
    } catch {
      // gone
    }
  }
  return found;
}

/** Processes running as `uid` (zombies waiting for their parent to reap them do not run). */
const processesOfUid = (uid: number): number[] =>
  readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        return uidOf(pid) === uid && !/^State:\s+Z/m.test(status);
      } catch {
        return false;
      }
    });

/** The numeric uid a running process has. */
const uidOf = (pid: number): number =>
  Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

/** What is left of a host that should be gone (empty when nothing is). */
function leftOf(h: TestHost): string[] {
  const left: string[] = [];
  if (ip('netns', 'list').includes(h.namespace)) left.push(`namespace ${h.namespace}`);
  if (ip('-o', 'link', 'show').includes(h.link)) left.push(`link ${h.link}`);
  if (ip('-4', 'route', 'show', 'table', 'all').includes(h.address.replace(/\.2$/, '.'))) {
    left.push(`route to ${h.address}`);
  }
  try {
    execFileSync('getent', ['passwd', h.user], { stdio: 'ignore' });
    left.push(`user ${h.user}`);
  } catch {
    // gone
  }
  if (existsSync(h.home)) left.push(h.home);
  if (existsSync(`/tmp/tmux-${h.uid}`)) left.push(`/tmp/tmux-${h.uid}`);
  left.push(...processesMentioning(h.user), ...processesOfUid(h.uid).map((p) => `process ${p}`));
  return left;
}

describe.skipIf(skipReason !== '')(
  e2eTitle('test hosts: OpenSSH in namespaces', skipReason),
  () => {
    let th: TestHosts;
    let model: FakeModel;
    let loopbackServer: Server;
    const masters: ChildProcess[] = [];
    const timings: Record<string, number> = {};

    /** A master connection kept by a child process (as cao's own would be). */
    async function startMaster(host: TestHost, extra: string[] = []): Promise<string> {
      const controlPath = join(th.dir, `cm-${host.alias}-${masters.length}`);
      const child = spawn(
        'ssh',
        th.sshArgv(
          host,
          [],
          ['-N', '-o', 'ControlMaster=yes', '-o', `ControlPath=${controlPath}`, ...extra],
        ),
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      masters.push(child);
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const check = await th.ssh(host, [], {
          sshArgs: ['-o', `ControlPath=${controlPath}`, '-O', 'check'],
        });
        if (check.code === 0) return controlPath;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`master connection to ${host.alias} did not come up`);
    }

    beforeAll(async () => {
      model = await startFakeModel({ turns: [{ match: 'remote hello', reply: REPLY }] });
      loopbackServer = createServer((s) => s.end('hello from the root namespace\n'));
      await new Promise<void>((r) => loopbackServer.listen(0, '127.0.0.1', r));
      const t0 = Date.now();
      th = await startTestHosts({
        count: 2,
        remoteForwards: [{ remotePort: MODEL_PORT_ON_HOSTS, localPort: model.port }],
        extraHosts: [
          { alias: 'unknown-key', kind: 'unknown-host-key', of: 0 },
          { alias: 'changed-key', kind: 'wrong-host-key', of: 1 },
          { alias: 'no-answer', kind: 'no-answer', options: [['ConnectTimeout', '2']] },
        ],
      });
      timings['set-up of two hosts (+1 silent)'] = Date.now() - t0;
    });

    afterAll(async () => {
      for (const m of masters) m.kill('SIGTERM');
      th?.stop();
      loopbackServer?.close();
      await model?.close();
      process.stdout.write(`test hosts timings (ms): ${JSON.stringify(timings)}\n`);
    });

    it('two hosts come up; each has its own address, user and tmux server', async () => {
      const servers = new Set<string>();
      for (const h of th.hosts) {
        expect((await th.ssh(h, ['tmux', '-V'])).stdout).toMatch(/^tmux \d+\.\d+/);
        const who = await th.ssh(h, ['sh', '-c', 'id -un; ip -4 -o addr show scope global']);
        expect(who.code).toBe(0);
        expect(who.stdout.split('\n')[0]).toBe(h.user);
        // inside its namespace the host sees its own address only
        expect(who.stdout).toContain(`inet ${h.address}/30`);
        expect(who.stdout.match(/inet /g)).toHaveLength(1);

        const tmux = await th.ssh(h, [
          'sh',
          '-c',
          "tmux new-session -d -s probe && tmux display-message -p -t probe '#{socket_path} #{pid}'",
        ]);
        expect(tmux.code, tmux.stderr).toBe(0);
        const [socket, pid] = tmux.stdout.trim().split(' ');
        expect(socket).toBe(`/tmp/tmux-${h.uid}/default`);
        expect(uidOf(Number(pid))).toBe(h.uid);
        expect(ip('netns', 'identify', pid!).trim()).toBe(h.namespace);
        servers.add(pid!);
      }
      expect(servers.size).toBe(2);
    });

    it('passes argv word for word and data on stdin', async () => {
      const words = ["it's", 'a b', '$HOME', '`id`', '$(touch /tmp/x)', ';', '"', '\\', 'ü', ''];
      const r = await th.ssh(th.hosts[0]!, ['printf', '%s\\n', ...words]);
      expect(r.stdout).toBe(words.map((w) => `${w}\n`).join(''));
      const data = 'line one\nline "two" $HOME\n';
      expect((await th.ssh(th.hosts[0]!, ['cat'], { input: data })).stdout).toBe(data);
    });

    it('a reverse forward over a master connection reaches a server on the root loopback', async () => {
      const host = th.hosts[0]!;
      const controlPath = await startMaster(host);
      const viaMaster = ['-o', `ControlPath=${controlPath}`];
      const port = (loopbackServer.address() as { port: number }).port;
      const fwd = await th.ssh(host, [], {
        sshArgs: [...viaMaster, '-O', 'forward', '-R', `127.0.0.1:0:127.0.0.1:${port}`],
      });
      expect(fwd.code, fwd.stderr).toBe(0);
      const remotePort = Number(fwd.stdout.trim());
      expect(remotePort).toBeGreaterThan(0);
      const read = await th.ssh(
        host,
        ['bash', '-c', 'exec 3<>"/dev/tcp/127.0.0.1/$1" && cat <&3', 'read', String(remotePort)],
        { sshArgs: viaMaster },
      );
      expect(read.stdout).toBe('hello from the root namespace\n');
      // the forward from the config (to the fake model) came up with the master as well
      const model = await th.ssh(
        host,
        [
          'bash',
          '-c',
          'exec 3<>"/dev/tcp/127.0.0.1/$1" && echo open',
          'probe',
          String(MODEL_PORT_ON_HOSTS),
        ],
        { sshArgs: viaMaster },
      );
      expect(model.stdout).toBe('open\n');
      expect((await th.ssh(host, [], { sshArgs: [...viaMaster, '-O', 'exit'] })).code).toBe(0);
    });

    it('an unknown or changed host key fails in batch mode with ssh’s own message', async () => {
      const unknown = await th.ssh('unknown-key', ['true']);
      expect(unknown.code).toBe(255);
      expect(unknown.stderr).toMatch(
        /No ED25519 host key is known for [\d.]+ and you have requested strict checking\.\r?\nHost key verification failed\./,
      );
      const changed = await th.ssh('changed-key', ['true']);
      expect(changed.code).toBe(255);
      expect(changed.stderr).toContain('WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!');
      expect(changed.stderr).toMatch(
        /Host key for [\d.]+ has changed and you have requested strict checking\.\r?\nHost key verification failed\./,
      );
    });

    it('a host that does not answer times out', async () => {
      const t0 = Date.now();
      const r = await th.ssh('no-answer', ['true']);
      expect(r.code).toBe(255);
      expect(r.stderr).toMatch(/^ssh: connect to host [\d.]+ port 22: Connection timed out/);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1_900);
    });

    it('a cut link drops the master connection and new ones; restoring it brings ssh back', async () => {
      const host = th.hosts[1]!;
      await startMaster(host, ['-o', 'ServerAliveInterval=1', '-o', 'ServerAliveCountMax=2']);
      const master = masters.at(-1)!;
      let masterErr = '';
      master.stderr?.on('data', (d: Buffer) => (masterErr += d.toString()));
      const exited = new Promise<number | null>((r) => master.once('exit', r));
      const t0 = Date.now();
      th.cutLink(host);
      try {
        expect(await exited).toBe(255);
        timings['master noticed the cut'] = Date.now() - t0;
        expect(masterErr).toMatch(/Timeout, server [\d.]+ not responding\./);
        const r = await th.ssh(host, ['true'], { sshArgs: ['-o', 'ConnectTimeout=2'] });
        expect(r.code).toBe(255);
        expect(r.stderr).toMatch(/port 22: (No route to host|Connection timed out)/);
      } finally {
        th.restoreLink(host);
      }
      expect((await th.ssh(host, ['echo', 'back'])).stdout).toBe('back\n');
    });

    it('a stopped sshd refuses connections; started again, it serves them', async () => {
      const host = th.hosts[1]!;
      th.stopSshd(host);
      const refused = await th.ssh(host, ['true']);
      expect(refused.stderr).toMatch(/port 22: Connection refused/);
      await th.startSshd(host);
      expect((await th.ssh(host, ['echo', 'up'])).stdout).toBe('up\n');
    });

    it('the real Claude Code CLI runs for a host user in its tmux and reaches the fake model', async () => {
      const host = th.hosts[1]!;
      const home = prepareRemoteHome(host, {
        clis: ['claude'],
        modelUrl: `http://127.0.0.1:${MODEL_PORT_ON_HOSTS}`,
      });
      expect(home.opened).toEqual([]);
      const controlPath = await startMaster(host);
      const viaMaster = ['-o', `ControlPath=${controlPath}`];
      const version = await th.ssh(host, ['claude', '--version'], { sshArgs: viaMaster });
      expect(version.stdout, version.stderr).toMatch(/\d+\.\d+\.\d+ \(Claude Code\)/);
      // in a tmux server of the user's own, started after the HOME was prepared (a server that
      // was already running keeps the environment it started with); the master's forward
      // carries the model's traffic
      const tmux = ['tmux', '-L', 'agents'];
      const start = await th.ssh(
        host,
        [
          ...tmux,
          'new-session',
          '-d',
          '-s',
          'agent',
          '-c',
          home.work,
          'claude -p "remote hello" > ~/claude.out 2>&1; tmux -L agents wait-for -S claude-done',
        ],
        { sshArgs: viaMaster },
      );
      expect(start.code, start.stderr).toBe(0);
      const done = await th.ssh(host, [...tmux, 'wait-for', 'claude-done'], {
        sshArgs: viaMaster,
        timeoutMs: 120_000,
      });
      expect(done.code).toBe(0);
      const out = await th.ssh(host, ['cat', 'claude.out'], { sshArgs: viaMaster });
      expect(out.stdout.trim()).toBe(REPLY);
      expect(model.log.some((r) => r.lastUser.includes('remote hello'))).toBe(true);
    });

    it('stop() leaves no namespace, link, route, user, process or file behind', async () => {
      // the test's own ssh clients first (cao ends its own connections the same way)
      for (const m of masters) {
        if (m.exitCode !== null || m.signalCode !== null) continue;
        const exited = new Promise((r) => m.once('exit', r));
        m.kill('SIGTERM');
        await exited;
      }
      const t0 = Date.now();
      th.stop();
      timings['tear-down'] = Date.now() - t0;
      th.stop(); // idempotent
      for (const h of th.hosts) expect(leftOf(h)).toEqual([]);
      const routes = ip('-4', 'route', 'show', 'table', 'all');
      for (const e of th.extraHosts.filter((x) => x.address)) {
        expect(routes).not.toContain(e.address.replace(/\.2$/, '.'));
      }
      expect(ip('netns', 'list')).not.toContain(`cao-th-${process.pid}-`);
      expect(ip('-o', 'link', 'show')).not.toContain(`cth${process.pid}`);
      expect(processesMentioning(th.dir)).toEqual([]);
      expect(existsSync(th.dir)).toBe(false);
    });

    it('a set-up that fails half-way removes what it made', async () => {
      await expect(
        startTestHosts({ count: 1, extraHosts: [{ alias: 'x', kind: 'wrong-host-key', of: 3 }] }),
      ).rejects.toThrow('extra host x: no test host 3');
      expect(ip('netns', 'list')).not.toContain(`cao-th-${process.pid}-`);
      expect(ip('-o', 'link', 'show')).not.toContain(`cth${process.pid}`);
      expect(execFileSync('getent', ['passwd'], { encoding: 'utf8' })).not.toContain(
        `cao-th-${process.pid}-`,
      );
    });

    it.each(['exit', 'signal'])(
      'a test process that ends without stop() (%s) still removes its hosts',
      async (how) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', join(import.meta.dirname, 'start-and-leave.ts'), how],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const ended = new Promise<[number | null, string | null]>((r) =>
          child.once('exit', (code, signal) => r([code, signal])),
        );
        const deadline = Date.now() + 60_000;
        while (!out.includes('\n') && child.exitCode === null && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(out, err).toContain('"host"');
        const started = JSON.parse(out) as { dir: string; host: TestHost };
        if (how === 'signal') child.kill('SIGTERM');
        const [code, signal] = await ended;
        expect(how === 'exit' ? code : signal, err).toBe(how === 'exit' ? 0 : 'SIGTERM');
        expect(leftOf(started.host)).toEqual([]);
        expect(existsSync(started.dir)).toBe(false);
      },
    );
  },
);
