/**
 * Link faults under stress: fake agents (test/fake-agent, the scripted stand-in for Claude
 * Code, which logs every message it receives) run on two test hosts (real OpenSSH servers in
 * network namespaces, test/e2e/hosts). While messages are delivered to them, host b1's link is
 * dropped 20 times, alternately cut for a moment (packets lost both ways) and broken for good
 * (its ssh master connection killed, so every command and control client on it fails and cao
 * reconnects). In the end every message reached its agent exactly once, in order, and after
 * each broken link every terminal on b1 was adopted again with its status read afresh.
 * Then a host that does not come back within the give-up time turns its terminals to `error`,
 * with the reason.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLog } from '../../bench/lib/events.js';
import { sshControlDir } from '../../src/runtime/ssh/control-dir.js';
import { PROJECT_ROOT } from '../support/shared.js';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';
import { prepareRemoteHome, type RemoteHome } from './hosts/remote-home.js';
import { hostsSkipReason, startTestHosts, type TestHosts } from './hosts/test-hosts.js';

const skipReason = e2eSkipReason() || hostsSkipReason();
const FAULTS = 20;
/** Seconds a host may stay unreachable before cao gives up on it, for the last test. */
const GIVE_UP_S = 12;
const FAKE_BIN = join(PROJECT_ROOT, 'test', 'fake-agent', 'bin');

const PLAIN = `---
name: plain
description: A profile without MCP servers, for the link fault test.
---
You receive messages.
`;

interface Msg {
  id: number;
  receiver_id: string;
  status: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe.skipIf(skipReason !== '')(
  e2eTitle('hosts: link faults under stress lose and duplicate nothing', skipReason),
  () => {
    let s: Stack;
    let th: TestHosts;
    let homes: RemoteHome[] = [];
    let events: EventLog;
    /** Receivers: [terminal id, host index]. */
    const receivers: [string, number][] = [];
    const logOf = (k: number): string => join(th.hosts[k]!.home, 'deliveries.jsonl');

    beforeAll(async () => {
      s = await startStack({
        clis: [],
        env: { IS_SANDBOX: '1' },
        prepare: (_home, _url, work) => writeFileSync(join(work, '..', 'plain.md'), PLAIN),
      });
      th = await startTestHosts({ count: 2 });
      homes = th.hosts.map((h) =>
        prepareRemoteHome(h, {
          clis: [],
          modelUrl: 'http://127.0.0.1:9',
          path: [FAKE_BIN],
          env: { FAKE_CLAUDE_TURN_MS: '40', FAKE_CLAUDE_LOG: join(h.home, 'deliveries.jsonl') },
        }),
      );
      s.env['CAO_SSH_CONFIG'] = th.configPath;
      s.env['CAO_HOST_GIVE_UP'] = String(GIVE_UP_S);
      s.killServer();
      await s.startServer();
      const plain = join(s.root, 'plain.md');
      expect((await s.cao(['install', plain, '--provider', 'claude_code'])).code).toBe(0);
      for (const [name, alias] of [
        ['b1', 'host1'],
        ['b2', 'host2'],
      ] as const) {
        const r = await s.cao(['host', 'add', name, alias]);
        expect(r.code, r.stderr).toBe(0);
      }
      for (let i = 0; i < 4; i++) {
        const k = i % 2;
        const r = await s.cao(
          [
            'launch',
            '--agents',
            'plain',
            '--host',
            `b${k + 1}`,
            '--headless',
            '--yolo',
            '--provider',
            'claude_code',
            '--session-name',
            `f${i}`,
            '--working-directory',
            homes[k]!.work,
          ],
          { timeoutMs: 120_000 },
        );
        expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-2000)}`).toBe(0);
        receivers.push([/id ([a-f0-9]{8})/.exec(r.stdout)![1]!, k]);
      }
      events = await EventLog.open(s, ['terminal.status', 'host.state']);
    }, 300_000);

    afterAll(async () => {
      events?.close();
      await s?.stop();
      th?.stop();
    });

    /** The pid of cao-server's ssh master connection to host1 (a child of the server). */
    async function masterPid(): Promise<number | undefined> {
      const sock = join(sshControlDir(s.caoHome), 'b1.sock');
      if (!existsSync(sock)) return undefined;
      const out = await new Promise<string>((resolve) =>
        execFile(
          'ssh',
          ['-F', th.configPath, '-o', `ControlPath=${sock}`, '-O', 'check', 'host1'],
          (_e, stdout, stderr) => resolve(`${stdout}${stderr}`),
        ),
      );
      const pid = Number(/Master running \(pid=(\d+)\)/.exec(out)?.[1]);
      return Number.isInteger(pid) ? pid : undefined;
    }

    /** Every terminal on b1 reads a status again (its latest is not unknown). */
    function readAgain(): boolean {
      return receivers
        .filter(([, k]) => k === 0)
        .every(([id]) => {
          const last = events.events
            .filter((e) => e.type === 'terminal.status' && e.terminal_id === id)
            .at(-1);
          return last !== undefined && last.status !== 'unknown';
        });
    }

    /** Every terminal on b1 read unknown (host-unreachable) after `since`, then afresh. */
    function readAfresh(since: number): boolean {
      return receivers
        .filter(([, k]) => k === 0)
        .every(([id]) => {
          const mine = events.events.filter((e) => e.terminal_id === id && e.at >= since);
          const down = mine.findIndex((e) => e.rule === 'host-unreachable');
          return (
            down >= 0 &&
            mine.slice(down + 1).some((e) => e.status === 'idle' || e.status === 'completed')
          );
        });
    }

    it(`${FAULTS} dropped links during deliveries: every message once, in order; every terminal adopted again`, async () => {
      const sent = new Map<string, number[]>();
      let seq = 0;
      let kills = 0;
      for (let round = 0; round < FAULTS; round++) {
        for (const [id] of receivers) {
          const r = await s.api<{ message_id: number }>('POST', `/terminals/${id}/inbox/messages`, {
            sender_id: 'stress',
            message: `payload ${seq++}`,
          });
          expect(r.status).toBe(200);
          sent.set(id, [...(sent.get(id) ?? []), r.body.message_id]);
        }
        // a moment before, during or after the deliveries of the round
        await sleep(Math.floor(Math.random() * 300));
        if (round % 2 === 0) {
          th.cutLink(th.hosts[0]!);
          await sleep(1500);
          th.restoreLink(th.hosts[0]!);
          continue;
        }
        // the last drop is over for cao too (its terminals read again), so that this kill is
        // a drop of its own: one that comes while they still read unknown shows no new change
        await until(
          async () => (readAgain() ? true : undefined),
          30_000,
          'the terminals on b1 to be read again after the last drop',
        );
        const pid = await until(masterPid, 30_000, "b1's ssh master connection");
        const at = Date.now();
        process.kill(pid, 'SIGKILL');
        kills++;
        await until(
          async () => (readAfresh(at) ? true : undefined),
          30_000,
          `the terminals on b1 to be adopted again after kill ${kills}`,
        ).catch((e: unknown) => {
          const mine = events.events.filter((x) => x.at >= at - 5000);
          throw new Error(`${String(e)}\n${JSON.stringify(mine)}\n${s.serverLog().slice(-3000)}`);
        });
      }

      // the queues drain
      await until(
        async () => {
          const open = (await s.api<Msg[]>('GET', '/inbox/messages?sender_id=stress&limit=1000'))
            .body;
          return open.every((m) => m.status === 'delivered') ? true : undefined;
        },
        60_000,
        'every message to be delivered',
      );

      // each killed link was announced on the event stream, and its return too
      const links = events.events.filter((e) => e.type === 'host.state' && e.host === 'b1');
      expect(links.filter((e) => e.state === 'down').length).toBeGreaterThanOrEqual(kills);
      expect(links.at(-1)?.state).toBe('up');

      // what the agents received, from their own logs on the hosts
      await sleep(300);
      const got = new Map<string, number[]>();
      for (let k = 0; k < 2; k++) {
        const lines = readFileSync(logOf(k), 'utf8').trim().split('\n');
        for (const line of lines) {
          const l = JSON.parse(line) as { terminal: string; message: string };
          const id = Number(/cao message (\d+)\b/.exec(l.message)?.[1]);
          if (Number.isInteger(id)) got.set(l.terminal, [...(got.get(l.terminal) ?? []), id]);
        }
      }
      const all = [...got.values()].flat();
      const lost = [...sent.values()].flat().filter((id) => !all.includes(id));
      const twice = all.filter((id, i) => all.indexOf(id) !== i);
      const resolved = s.serverLog().match(/resolving a message caught mid-send/g)?.length ?? 0;
      process.stdout.write(
        `link faults: ${FAULTS} drops of b1 (${kills} ssh masters killed), ${seq} messages, ` +
          `${resolved} caught mid-send and resolved, ${lost.length} lost, ${twice.length} duplicated\n`,
      );
      expect({ lost, twice }).toEqual({ lost: [], twice: [] });
      // in order, per agent (each agent's log names its terminal)
      expect([...got.values()].map((ids) => ids.join(','))).toEqual(
        [...got.values()].map((ids) => [...ids].sort((a, b) => a - b).join(',')),
      );
      expect(got.size).toBe(receivers.length);
    }, 240_000);

    it('a host gone for good (sshd stopped, not back within the give-up time): its terminals turn to error with the reason', async () => {
      const b2 = receivers.filter(([, k]) => k === 1).map(([id]) => id);
      th.stopSshd(th.hosts[1]!);
      const pid = await new Promise<string>((resolve) =>
        execFile(
          'ssh',
          [
            '-F',
            th.configPath,
            '-o',
            `ControlPath=${join(sshControlDir(s.caoHome), 'b2.sock')}`,
            '-O',
            'check',
            'host2',
          ],
          (_e, stdout, stderr) => resolve(`${stdout}${stderr}`),
        ),
      );
      const master = Number(/pid=(\d+)/.exec(pid)?.[1]);
      expect(Number.isInteger(master), pid).toBe(true);
      process.kill(master, 'SIGKILL');
      for (const id of b2) {
        const d = await until(
          async () => {
            const r = await s.api<{ status: string; rule: string; evidence: string[] }>(
              'GET',
              `/terminals/${id}/detect`,
            );
            return r.body.status === 'error' ? r.body : undefined;
          },
          60_000,
          `terminal ${id} on b2 to turn to error`,
        );
        expect(d.rule).toBe('host-gone');
        expect(d.evidence[0]).toMatch(
          new RegExp(
            `^host b2 has been unreachable for \\d+ s \\(give-up time ${GIVE_UP_S} s, CAO_HOST_GIVE_UP\\): `,
          ),
        );
      }
      // a message to such a terminal fails with the reason rather than waiting forever
      const r = await s.api<{ message_id: number }>('POST', `/terminals/${b2[0]}/inbox/messages`, {
        sender_id: 'stress',
        message: 'too late',
      });
      const m = await until(
        async () => {
          const all = (
            await s.api<(Msg & { failure_reason?: string | null })[]>(
              'GET',
              '/inbox/messages?sender_id=stress&limit=1000',
            )
          ).body;
          const x = all.find((y) => y.id === r.body.message_id);
          return x && x.status === 'failed' ? x : undefined;
        },
        30_000,
        'the message to the gone terminal to fail',
      );
      expect(m.status).toBe('failed');
    }, 90_000);
  },
);
