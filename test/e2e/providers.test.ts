/**
 * Every agent CLI installable from the npm registry, end to end through cao against the fake
 * model server: launch, the five states, the last answer, a permission prompt answered with
 * answer_user_prompt, handoff and assign with that CLI as supervisor and as workers, exit.
 * Each run writes its row of docs/compatibility.md.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Script } from '../fake-model/script.js';
import { CLI_SETUPS } from './cli-setups.js';
import { saveResult, type CliResult, type Column } from './compat.js';
import { MANIFEST_FILE, e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const skipReason = e2eSkipReason();
const ONLY = process.env['CAO_E2E_CLIS']?.split(',').filter(Boolean);

const SCRIPT: Script = {
  turns: [
    { match: 'CAO-SLOW', delayMs: 4000, reply: 'Slow reply done. CAO-REPLY-1' },
    { match: 'CAO-FAIL', error: { status: 400, message: 'CAO-ERROR-400 scripted failure' } },
    {
      match: 'CAO-SHELL',
      steps: [
        { tool: '@shell', command: 'echo shell-ran > shell-out.txt', escalate: true },
        { text: 'Shell done. CAO-REPLY-2' },
      ],
    },
    {
      match: 'SUPERVISE-TEAM',
      steps: [
        {
          tool: 'handoff',
          input: { agent_profile: 'developer', message: 'DEVTASK: write dev.txt', timeout: 300 },
        },
        {
          tool: 'assign',
          input: { agent_profile: 'reviewer', message: 'REVIEWTASK: check dev.txt' },
        },
        { text: 'SUPER-DONE' },
      ],
    },
    {
      match: 'DEVTASK',
      steps: [{ tool: '@shell', command: 'echo dev-done > dev.txt' }, { text: 'DEV-DONE' }],
    },
    {
      match: /REVIEWTASK[\s\S]*Assigned by terminal ([a-f0-9]{8})/,
      steps: [
        {
          tool: 'send_message',
          input: { receiver_id: '$1', message: 'REVIEW-OK from the reviewer' },
        },
        { text: 'REVIEWER-DONE' },
      ],
    },
    { match: 'REVIEW-OK', reply: 'ALL-OK' },
  ],
};

const ASKER = `---
name: asker
description: A developer whose CLI asks before it runs tools (for permission-prompt tests).
permissionMode: default
---
You are a careful developer. Do what you are asked.
`;

interface Detect {
  status: string;
  rule: string;
  evidence: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function poll<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const versionOf = (bin: string, env: NodeJS.ProcessEnv): string => {
  try {
    return (
      execFileSync(bin, ['--version'], { env, cwd: '/tmp', encoding: 'utf8', timeout: 60_000 })
        .split('\n')
        .map((l) => /\d+\.\d+\.\d+/.exec(l)?.[0])
        .find(Boolean) ?? 'unknown'
    );
  } catch {
    return 'unknown';
  }
};

for (const setup of CLI_SETUPS.filter((c) => !ONLY || ONLY.includes(c.cli))) {
  describe.skipIf(skipReason !== '')(
    e2eTitle(`${setup.cli} (${setup.provider}) end to end`, skipReason),
    () => {
      let s: Stack;
      let worker: string | undefined;
      const result: CliResult = {
        provider: setup.provider,
        package: '',
        version: '',
        testedAt: '',
        columns: {},
        notes: [],
      };
      const record = async (columns: Column[], fn: () => Promise<void>): Promise<void> => {
        try {
          await fn();
          for (const c of columns) result.columns[c] ??= 'pass';
        } catch (e) {
          for (const c of columns) result.columns[c] = 'fail';
          console.error(await s.diagnose());
          throw e;
        }
      };
      const status = async (id: string): Promise<Detect> =>
        (await s.api<Detect>('GET', `/terminals/${id}/detect`)).body;
      const waitStatus = (id: string, want: string[], ms: number): Promise<Detect> =>
        poll(
          `${want.join('|')} of ${id}`,
          async () => {
            const d = await status(id);
            return want.includes(d.status) ? d : undefined;
          },
          ms,
        );
      const launch = async (name: string, profile: string, yolo = true): Promise<string> => {
        const r = await s.cao(
          [
            'launch',
            '--agents',
            profile,
            '--headless',
            ...(yolo ? ['--yolo'] : []),
            '--session-name',
            name,
            '--working-directory',
            s.work,
            '--provider',
            setup.provider,
          ],
          { timeoutMs: 240_000 },
        );
        expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-3000)}`).toBe(0);
        return /id ([a-f0-9]{8})/.exec(r.stdout)![1]!;
      };

      beforeAll(async () => {
        s = await startStack({
          clis: [setup.cli],
          script: SCRIPT,
          envFromModel: setup.env,
          prepare: setup.files,
        });
        result.version = versionOf(setup.binary, s.env);
        result.package =
          (
            JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as {
              clis: Record<string, string>;
            }
          ).clis[setup.cli] ?? '';
        writeFileSync(join(s.root, 'asker.md'), ASKER);
        for (const p of ['code_supervisor', 'developer', 'reviewer', join(s.root, 'asker.md')]) {
          const r = await s.cao(['install', p, '--provider', setup.provider]);
          expect(r.code, r.stderr).toBe(0);
        }
      }, 600_000);

      afterAll(async () => {
        result.testedAt = new Date().toISOString().slice(0, 10);
        const tmux = execFileSync('tmux', ['-V'], { encoding: 'utf8' }).trim();
        const cao = (
          JSON.parse(
            readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
          ) as { version: string }
        ).version;
        saveResult(setup.cli, result, { cao, node: process.versions.node, tmux });
        await s?.stop();
      });

      it('launches and shows its ready screen (idle)', async () => {
        await record(['launch', 'idle'], async () => {
          worker = await launch('w', 'developer');
          expect((await status(worker)).status).toBe('idle');
        });
      });

      it('is processing during a slow turn, then completed, and its answer is read exactly', async () => {
        await record(['processing', 'completed', 'extract'], async () => {
          expect(worker).toBeDefined();
          await s.api('POST', `/terminals/${worker}/input`, { message: 'slow please (CAO-SLOW)' });
          const busy = await waitStatus(worker!, ['processing', 'completed'], 20_000);
          if (busy.status !== 'processing') result.columns.processing = 'fail';
          expect(busy.status).toBe('processing');
          await waitStatus(worker!, ['completed'], 60_000);
          const out = (
            await s.api<{ output: string }>('GET', `/terminals/${worker}/output?mode=last`)
          ).body.output;
          if (out !== 'Slow reply done. CAO-REPLY-1') result.columns.extract = 'fail';
          expect(out).toBe('Slow reply done. CAO-REPLY-1');
        });
      });

      it('shows an API error as error', async () => {
        await record(['error'], async () => {
          expect(worker).toBeDefined();
          await s.api('POST', `/terminals/${worker}/input`, { message: 'fail please (CAO-FAIL)' });
          const d = await waitStatus(worker!, ['error'], 60_000);
          expect(d.status).toBe('error');
        });
      });

      it('stops at a permission prompt (waiting_user_answer) and takes the answer', async () => {
        await record(['waiting_user_answer'], async () => {
          const asker = await launch('p', 'asker', false);
          await s.api('POST', `/terminals/${asker}/input`, { message: 'shell please (CAO-SHELL)' });
          await waitStatus(asker, ['waiting_user_answer'], 60_000);
          const a = await s.api<{ success: boolean }>('POST', `/terminals/${asker}/answer`, {
            answer: 'yes',
          });
          expect(a.status).toBe(200);
          await waitStatus(asker, ['completed'], 60_000);
          await poll(
            'shell-out.txt',
            async () => (existsSync(join(s.work, 'shell-out.txt')) ? true : undefined),
            10_000,
          );
        });
      });

      let supervisor: string | undefined;
      it('hands off from a supervisor to a worker of the same CLI and gets its answer', async () => {
        await record(['handoff'], async () => {
          supervisor = await launch('s', 'code_supervisor');
          await s.api('POST', `/terminals/${supervisor}/input`, {
            message: 'Please SUPERVISE-TEAM now.',
          });
          await poll(
            'dev.txt',
            async () => (existsSync(join(s.work, 'dev.txt')) ? true : undefined),
            180_000,
          );
          const fromSupervisor = await poll(
            'the handoff delivered and answered',
            async () => {
              const msgs = (
                await s.api<{ orchestration_type: string; status: string }[]>(
                  'GET',
                  `/inbox/messages?sender_id=${supervisor}`,
                )
              ).body;
              return msgs.some(
                (m) => m.orchestration_type === 'handoff' && m.status === 'delivered',
              )
                ? msgs
                : undefined;
            },
            60_000,
          );
          expect(fromSupervisor.length).toBeGreaterThan(0);
          // which transport the supervisor's CLI used for cao's tools, as the server logged it
          const listed = s
            .serverLog()
            .split('\n')
            .filter((l) => l.includes("listed cao's MCP tools") && l.includes(supervisor!));
          const via = /"transport":"(\w+)"/.exec(listed.at(-1) ?? '')?.[1];
          if (via) result.mcpTransport = via;
          // the supervisor got the developer's answer back and went on to the next step
          await s.model.waitForReply(
            (l) =>
              l.lastUser.includes('SUPERVISE-TEAM') &&
              l.decision.kind === 'tool' &&
              /assign/.test(JSON.stringify(l.decision)),
            120_000,
          );
        });
      });

      it('assigns to a worker that reports back with send_message, delivered to the supervisor', async () => {
        await record(['assign'], async () => {
          expect(supervisor).toBeDefined();
          const inbox = await poll(
            'the reviewer message delivered',
            async () => {
              const msgs = (
                await s.api<{ message: string; status: string }[]>(
                  'GET',
                  `/terminals/${supervisor}/inbox/messages`,
                )
              ).body;
              return msgs.find((m) => m.message.includes('REVIEW-OK') && m.status === 'delivered');
            },
            180_000,
          );
          expect(inbox).toBeDefined();
          await s.model.waitForReply(
            (l) => l.lastUser.includes('REVIEW-OK') && l.decision.kind === 'text',
            120_000,
          );
        });
      });

      it('exits with its own exit command', async () => {
        await record(['exit'], async () => {
          expect(worker).toBeDefined();
          await s.api('POST', `/terminals/${worker}/exit`);
          // the agent process is gone for good (not just showing an error)
          await poll(
            'the CLI to exit',
            async () =>
              (await s.api<{ gone: boolean }>('GET', `/terminals/${worker}/detect`)).body.gone
                ? true
                : undefined,
            30_000,
          );
        });
      });
    },
  );
}
