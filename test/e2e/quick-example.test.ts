/**
 * The skill document's Quick Example, headless, on real Claude Code as supervisor and workers:
 * a code_supervisor hands off to developer (blocking), then assigns to reviewer, who reports
 * back with send_message. The model side is scripted in the project's fake model server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Script } from '../fake-model/script.js';
import {
  e2eSkipReason,
  e2eTitle,
  quickExampleLaunch,
  sentBy,
  startStack,
  type Stack,
} from './harness.js';

const skipReason = e2eSkipReason();

const SCRIPT: Script = {
  turns: [
    {
      match: 'QUICK-EXAMPLE',
      steps: [
        {
          tool: 'handoff',
          input: {
            agent_profile: 'developer',
            message:
              'Create hello.py in the current directory that prints Hello, World! (DEV-TASK)',
            timeout: 180,
          },
        },
        {
          tool: 'assign',
          input: {
            agent_profile: 'reviewer',
            message: 'Review hello.py for correctness. (REVIEW-TASK)',
          },
        },
        { text: 'The developer built hello.py and the reviewer is on it. SUPERVISOR-DONE' },
      ],
    },
    {
      match: 'DEV-TASK',
      steps: [
        { tool: '@shell', command: `printf 'print("Hello, World!")\\n' > hello.py` },
        { text: 'Created hello.py. DEV-DONE' },
      ],
    },
    {
      match: /REVIEW-TASK[\s\S]*Assigned by terminal ([a-f0-9]{8})/,
      steps: [
        {
          tool: 'send_message',
          input: {
            receiver_id: '$1',
            message: 'APPROVED: hello.py prints the greeting. REVIEW-DONE',
          },
        },
        { text: 'Review sent. REVIEWER-DONE' },
      ],
    },
    { match: 'REVIEW-DONE', reply: 'The reviewer approved hello.py. ALL-DONE' },
  ],
};

interface Detail {
  terminals: { id: string; agent_profile: string; status: string }[];
}
interface Msg {
  id: number;
  sender_id: string;
  receiver_id: string;
  message: string;
  status: string;
  orchestration_type: string;
}

describe.skipIf(skipReason !== '')(
  e2eTitle('the Quick Example on real Claude Code', skipReason),
  () => {
    let s: Stack;

    beforeAll(async () => {
      s = await startStack({ clis: ['claude'], env: { IS_SANDBOX: '1' }, script: SCRIPT });
      for (const p of ['code_supervisor', 'developer', 'reviewer'])
        expect((await s.cao(['install', p])).code).toBe(0);
    });

    afterAll(async () => {
      await s?.stop();
    });

    it('runs to the end: handoff to developer, assign to reviewer, reviewer reports back', async () => {
      const r = await s.cao(
        quickExampleLaunch(
          s.work,
          'Build a hello-world Python script. Delegate to developer, then reviewer. (QUICK-EXAMPLE)',
          ['--provider', 'claude_code'],
        ),
        { timeoutMs: 300_000 },
      );
      expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-4000)}`).toBe(0);
      expect(r.stdout).toContain('SUPERVISOR-DONE');

      // the developer did the work, then was torn down
      expect(readFileSync(join(s.work, 'hello.py'), 'utf8')).toBe('print("Hello, World!")\n');

      const detail = (await s.api<Detail>('GET', '/sessions/cao-my-task')).body;
      const supervisor = detail.terminals[0]!;
      expect(supervisor.agent_profile).toBe('code_supervisor');
      const workers = detail.terminals.slice(1);
      expect(workers.map((w) => w.agent_profile)).toEqual(['reviewer']);

      // the reviewer's message reaches the supervisor, which answers it
      const deadline = Date.now() + 120_000;
      let last = '';
      while (Date.now() < deadline) {
        const st = await s.cao(['session', 'status', 'cao-my-task', '--json']);
        last =
          (JSON.parse(st.stdout) as { conductor: { last_output: string | null } }).conductor
            .last_output ?? '';
        if (last.includes('ALL-DONE')) break;
        await new Promise((res) => setTimeout(res, 500));
      }
      expect(last).toBe('The reviewer approved hello.py. ALL-DONE');

      // the ledger shows every message delivered, exactly once
      const toSupervisor = (await s.api<Msg[]>('GET', `/terminals/${supervisor.id}/inbox/messages`))
        .body;
      expect(toSupervisor).toEqual([
        expect.objectContaining({
          sender_id: workers[0]!.id,
          status: 'delivered',
          message: 'APPROVED: hello.py prints the greeting. REVIEW-DONE',
        }),
      ]);
      expect(await sentBy(s, supervisor.id)).toEqual(['assign:delivered', 'handoff:delivered']);

      // the skill document's status commands show the same story
      const st = await s.cao(['session', 'status', 'cao-my-task', '--workers']);
      expect(st.stdout).toMatch(/Agent: code_supervisor/);
      expect(st.stdout).toMatch(/[a-f0-9]{8}\s+reviewer\s+claude_code\s+completed/);
      expect(existsSync(join(s.caoHome, 'logs', 'terminal'))).toBe(true);
    });
  },
);
