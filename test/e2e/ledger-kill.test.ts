/**
 * The delivery ledger under fire: cao-server is killed with SIGKILL at random moments, over
 * and over, while it delivers messages to agents in real tmux (the scripted stand-in for
 * Claude Code in test/fake-agent, which logs every message it receives). At the end every
 * acknowledged message must have reached its agent exactly once, in order.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/shared.js';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const skipReason = e2eSkipReason();
const RESTARTS = Number(process.env['CAO_KILL_RESTARTS'] ?? 110);
const RECEIVERS = 3;
const PER_BATCH = 4;

const PLAIN = `---
name: plain
description: A profile without MCP servers, for the delivery stress test.
---
You receive messages.
`;

interface Msg {
  id: number;
  receiver_id: string;
  message: string;
  status: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skipReason !== '')(
  e2eTitle('ledger: kill -9 at random moments', skipReason),
  () => {
    let s: Stack;
    const log = (): string => join(s.root, 'deliveries.jsonl');

    beforeAll(async () => {
      s = await startStack({
        clis: [],
        env: {
          PATH: `${join(PROJECT_ROOT, 'test', 'fake-agent', 'bin')}:${process.env['PATH'] ?? ''}`,
          FAKE_CLAUDE_TURN_MS: '40',
          IS_SANDBOX: '1',
        },
        prepare: (home, _url, work) => writeFileSync(join(work, '..', 'plain.md'), PLAIN),
      });
      s.env['FAKE_CLAUDE_LOG'] = log();
      s.killServer();
      await s.startServer();
      expect(
        (await s.cao(['install', join(s.root, 'plain.md'), '--provider', 'claude_code'])).code,
      ).toBe(0);
    });

    afterAll(async () => {
      await s?.stop();
    });

    it(`delivers every message exactly once, in order, across ${RESTARTS} restarts`, async () => {
      const receivers: string[] = [];
      for (let i = 0; i < RECEIVERS; i++) {
        const r = await s.cao([
          'launch',
          '--agents',
          'plain',
          '--headless',
          '--yolo',
          '--session-name',
          `k${i}`,
          '--working-directory',
          s.work,
          '--provider',
          'claude_code',
        ]);
        expect(r.code, r.stderr).toBe(0);
        receivers.push(/id ([a-f0-9]{8})/.exec(r.stdout)![1]!);
      }
      const acked: number[] = [];
      let seq = 0;
      for (let round = 0; round < RESTARTS; round++) {
        if (round > 0) await s.startServer();
        // messages enqueued in this life of the server; each acknowledged before any kill
        for (let j = 0; j < PER_BATCH; j++) {
          const receiver = receivers[seq % RECEIVERS]!;
          const body = seq % 5 === 0 ? `payload ${seq}\nsecond line of ${seq}` : `payload ${seq}`;
          const r = await s.api<{ message_id: number }>(
            'POST',
            `/terminals/${receiver}/inbox/messages`,
            { sender_id: 'stress', message: body },
          );
          expect(r.status).toBe(200);
          acked.push(r.body.message_id);
          seq++;
        }
        // a random moment: before, during or after deliveries of the batch
        await sleep(Math.floor(Math.random() * (Math.random() < 0.5 ? 250 : 700)));
        s.killServer();
        await sleep(50);
      }
      await s.startServer();

      // let the last server drain the queues
      const deadline = Date.now() + 180_000;
      let open: Msg[] = [];
      while (Date.now() < deadline) {
        open = (await s.api<Msg[]>('GET', '/inbox/messages?status=pending&limit=1000')).body;
        if (open.length === 0) break;
        await sleep(500);
      }
      expect(open, `still undelivered: ${open.map((m) => m.id).join(', ')}`).toEqual([]);

      const ledger = (await s.api<Msg[]>('GET', '/inbox/messages?sender_id=stress&limit=1000'))
        .body;
      expect(ledger.filter((m) => m.status !== 'delivered').map((m) => [m.id, m.status])).toEqual(
        [],
      );

      // what the agents actually received, from their own log
      await sleep(500);
      const lines = readFileSync(log(), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { terminal: string; message: string });
      const seen = new Map<number, number>();
      const order = new Map<string, number[]>();
      for (const l of lines) {
        const id = Number(/cao message (\d+)\b/.exec(l.message)?.[1]);
        if (!Number.isInteger(id)) continue;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        order.set(l.terminal, [...(order.get(l.terminal) ?? []), id]);
      }
      const lost = acked.filter((id) => !seen.has(id));
      const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
      const resolved = s.serverLog().match(/resolving a message caught mid-send/g)?.length ?? 0;
      process.stdout.write(
        `kill -9 ledger: ${RESTARTS} restarts, ${acked.length} messages, ${resolved} caught mid-send and resolved ` +
          `from the screen, ${lost.length} lost, ${duplicated.length} duplicated\n`,
      );
      expect({ lost, duplicated }).toEqual({ lost: [], duplicated: [] });
      for (const ids of order.values()) expect(ids).toEqual([...ids].sort((a, b) => a - b));
    });
  },
);
