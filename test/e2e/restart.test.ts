/**
 * cao-server killed with SIGKILL and started again, with real Claude Code agents: terminals are
 * adopted (their status is read again from the screen), queued messages are delivered, and a
 * handoff whose wait the restart cut off still reaches its supervisor: the worker's answer
 * comes to the supervisor's inbox.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const skipReason = e2eSkipReason();

interface Terminal {
  id: string;
  status: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(200);
  }
}

describe.skipIf(skipReason !== '')(
  e2eTitle('cao-server restarts (kill -9) with real Claude Code', skipReason),
  () => {
    let s: Stack;

    beforeAll(async () => {
      s = await startStack({
        clis: ['claude'],
        env: { IS_SANDBOX: '1' },
        script: {
          turns: [
            {
              match: 'SLOW-TURN',
              delayMs: 4000,
              reply: 'Finished while cao was down. RESTART-REPLY',
            },
            { match: 'QUEUED-MSG', reply: 'Got the queued message. QUEUED-REPLY' },
            {
              match: 'SUPERVISE',
              steps: [
                {
                  tool: 'handoff',
                  input: {
                    agent_profile: 'developer',
                    message: 'Do the LONG-DEV-TASK',
                    timeout: 120,
                  },
                },
                { text: 'Handoff came back. SUPERVISOR-AFTER-RESTART' },
              ],
            },
            { match: 'LONG-DEV-TASK', delayMs: 6000, reply: 'Long task done. DEV-AFTER-RESTART' },
            {
              match: /after your wait for it was cut off[\s\S]*DEV-AFTER-RESTART/,
              reply: 'Got the handoff answer by message. SUPERVISOR-HAS-RESULT',
            },
          ],
        },
      });
    });

    afterAll(async () => {
      await s?.stop();
    });

    it('adopts a terminal whose turn ended while the server was down, with the right status', async () => {
      const r = await s.cao([
        'launch',
        '--agents',
        'developer',
        '--headless',
        '--yolo',
        '--session-name',
        'r1',
        '--working-directory',
        s.work,
        '--provider',
        'claude_code',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const id = /id ([a-f0-9]{8})/.exec(r.stdout)![1]!;
      expect(
        (await s.cao(['session', 'send', 'cao-r1', 'please do the SLOW-TURN', '--async'])).code,
      ).toBe(0);
      await waitFor(
        async () =>
          (await s.api<Terminal>('GET', `/terminals/${id}`)).body.status === 'processing'
            ? true
            : undefined,
        10_000,
      );
      s.killServer();
      await s.model.waitForReply(
        (l) => l.lastUser.includes('SLOW-TURN') && l.decision.kind === 'text',
        15_000,
      );
      await sleep(1500);
      await s.startServer();
      const t = (await s.api<Terminal>('GET', `/terminals/${id}`)).body;
      expect(t.status).toBe('completed');
      const out = (await s.api<{ output: string }>('GET', `/terminals/${id}/output?mode=last`))
        .body;
      expect(out.output).toBe('Finished while cao was down. RESTART-REPLY');
      expect(s.serverLog()).toMatch(/1 terminal\(s\) re-adopted/);
    });

    it('delivers a message that was queued when the server died', async () => {
      const detail = (await s.api<{ terminals: Terminal[] }>('GET', '/sessions/cao-r1')).body;
      const id = detail.terminals[0]!.id;
      // make it busy, queue a message, kill the server before the turn ends
      await s.cao(['session', 'send', 'cao-r1', 'another SLOW-TURN', '--async']);
      await waitFor(
        async () =>
          (await s.api<Terminal>('GET', `/terminals/${id}`)).body.status === 'processing'
            ? true
            : undefined,
        10_000,
      );
      const q = await s.api<{ message_id: number; status: string }>(
        'POST',
        `/terminals/${id}/inbox/messages`,
        { sender_id: 'tester', message: 'the QUEUED-MSG' },
      );
      expect(q.body.status).toBe('pending');
      s.killServer();
      await sleep(500);
      await s.startServer();
      const m = await waitFor(async () => {
        const r = (await s.api<{ status: string }>('GET', `/inbox/messages/${q.body.message_id}`))
          .body;
        return r.status === 'delivered' ? r : undefined;
      }, 30_000);
      expect(m.status).toBe('delivered');
      await waitFor(async () => {
        const out = (await s.api<{ output: string }>('GET', `/terminals/${id}/output?mode=last`))
          .body.output;
        return out.includes('QUEUED-REPLY') ? out : undefined;
      }, 20_000);
      const screen = s.tmux(['capture-pane', '-p', '-J', '-S', '-', '-t', `=cao-r1:`]);
      expect(screen.match(/the QUEUED-MSG/g)).toHaveLength(1);
    });

    it("a handoff whose wait the restart cut off delivers the worker's answer to the supervisor's inbox", async () => {
      for (const p of ['code_supervisor', 'developer']) await s.cao(['install', p]);
      const launched = s.cao(
        [
          'launch',
          '--agents',
          'code_supervisor',
          '--headless',
          '--yolo',
          '--session-name',
          'r2',
          '--working-directory',
          s.work,
          '--provider',
          'claude_code',
          'SUPERVISE this',
        ],
        { timeoutMs: 180_000 },
      );
      // wait until the developer got its task, then kill the server mid-handoff
      await s.model
        .waitForReply((l) => l.lastUser.includes('LONG-DEV-TASK'), 60_000)
        .catch(() => undefined);
      const detail = await waitFor(async () => {
        const d = (
          await s.api<{ terminals: (Terminal & { agent_profile: string })[] }>(
            'GET',
            '/sessions/cao-r2',
          )
        ).body;
        return d.terminals.some((t) => t.agent_profile === 'developer') ? d : undefined;
      }, 30_000);
      const supervisor = detail.terminals[0]!;
      const dev = detail.terminals.find((t) => t.agent_profile === 'developer')!;
      s.killServer();
      await sleep(1000);
      await s.startServer();
      // `cao launch` itself lost its server too: it exits with an error; the supervisor goes on
      await launched;
      // the developer's answer reaches the supervisor as a message from cao, exactly once
      const notice = await waitFor(async () => {
        const inbox = (
          await s.api<{ sender_id: string; status: string; message: string }[]>(
            'GET',
            `/terminals/${supervisor.id}/inbox/messages`,
          )
        ).body.filter((m) => m.sender_id === 'cao' && m.message.includes('DEV-AFTER-RESTART'));
        return inbox.length > 0 && inbox.every((m) => m.status === 'delivered') ? inbox : undefined;
      }, 90_000);
      expect(notice).toHaveLength(1);
      expect(notice[0]!.message).toContain(`worker ${dev.id}`);
      await s.model.waitForReply((l) => l.lastUser.includes('DEV-AFTER-RESTART'), 60_000);
      const answer = await waitFor(async () => {
        const st = await s.cao(['session', 'status', 'cao-r2', '--json']);
        const last =
          (JSON.parse(st.stdout) as { conductor: { last_output: string | null } }).conductor
            .last_output ?? '';
        return last.includes('SUPERVISOR-HAS-RESULT') ? last : undefined;
      }, 60_000);
      expect(answer).toContain('SUPERVISOR-HAS-RESULT');
      // the developer was torn down after answering
      await waitFor(
        async () =>
          (await s.api('GET', `/terminals/${dev.id}`)).status === 404 ? true : undefined,
        20_000,
      );
      expect(
        readFileSync(join(s.caoHome, 'logs', 'terminal', `${dev.id}.scrollback`), 'utf8'),
      ).toContain('DEV-AFTER-RESTART');
    });
  },
);
