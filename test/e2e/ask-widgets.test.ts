/**
 * The screens that fooled the status on real CLIs (issue 12), end to end against the fake model:
 * the CLI's own ask-the-user widget (Claude Code's and Kimi Code's AskUserQuestion, Codex's
 * request_user_input, Gemini CLI's ask_user, Qwen Code's ask_user_question) reads waiting_user_answer with its options, a queued message waits instead of being typed
 * into it, and an answer by option text is taken; and Codex, which shows no busy line while it
 * streams a reply, is not called completed before the reply has ended. OpenCode's question
 * tool, lean: answered by an option's text through `cao agent answer`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Script } from '../fake-model/script.js';
import { ASK_STEP } from './ask-input.js';
import { CLI_SETUPS } from './cli-setups.js';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const skipReason = e2eSkipReason();
const ONLY = process.env['CAO_E2E_CLIS']?.split(',').filter(Boolean);

/** A reply long enough to stream for several seconds at one chunk (4 words) per 150 ms. */
const STREAMED = Array.from({ length: 40 }, (_, i) => `Line ${i + 1} of a slowly streamed reply.`)
  .join('\n')
  .concat('\nCAO-STREAM-END');

const SCRIPT: Script = {
  turns: [
    {
      match: 'CAO-ASK',
      steps: [ASK_STEP, { text: 'Answer noted. CAO-ASKED' }],
    },
    { match: 'CAO-STREAM', chunkDelayMs: 150, reply: STREAMED },
    { match: 'CAO-QUEUED', reply: 'Queued one done. CAO-QUEUED-DONE' },
  ],
};

interface Detect {
  status: string;
  rule: string;
  question: { text: string; options: string[] } | null;
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

const CLIS = ['claude', 'codex', 'gemini', 'qwen', 'kimi'].filter((c) => !ONLY || ONLY.includes(c));

/** Kimi refuses AskUserQuestion in its --auto mode (cao's yolo): a profile that keeps its prompts. */
const ASKER = `---
name: asker
description: A developer whose CLI keeps its own prompts.
permissionMode: default
---
You are a careful developer. Do what you are asked.
`;

for (const setup of CLI_SETUPS.filter((c) => CLIS.includes(c.cli))) {
  describe.skipIf(skipReason !== '')(
    e2eTitle(`${setup.cli}: status on its question widget and its streamed replies`, skipReason),
    () => {
      let s: Stack;
      let id = '';
      const detect = async (): Promise<Detect> =>
        (await s.api<Detect>('GET', `/terminals/${id}/detect`)).body;
      const waitStatus = (want: string, ms: number): Promise<Detect> =>
        poll(
          want,
          async () => {
            const d = await detect();
            return d.status === want ? d : undefined;
          },
          ms,
        );

      beforeAll(async () => {
        s = await startStack({
          clis: [setup.cli],
          script: SCRIPT,
          envFromModel: setup.env,
          prepare: setup.files,
        });
        let agent = 'developer';
        if (setup.cli === 'kimi') {
          writeFileSync(join(s.root, 'asker.md'), ASKER);
          agent = join(s.root, 'asker.md');
        }
        expect((await s.cao(['install', agent, '--provider', setup.provider])).code).toBe(0);
        const r = await s.cao(
          [
            'launch',
            '--agents',
            agent === 'developer' ? agent : 'asker',
            '--headless',
            '--yolo',
            '--session-name',
            'w',
            '--working-directory',
            s.work,
            '--provider',
            setup.provider,
          ],
          { timeoutMs: 240_000 },
        );
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        id = /id ([a-f0-9]{8})/.exec(r.stdout)![1]!;
      }, 300_000);

      afterAll(async () => {
        await s?.stop();
      });

      it('shows its question widget as waiting_user_answer with the options, keeps a queued message out of it, and takes an answer by option text', async () => {
        await s.api('POST', `/terminals/${id}/input`, { message: 'please ask (CAO-ASK)' });
        const asking = await waitStatus('waiting_user_answer', 90_000);
        expect(asking.question?.text).toBe('Which colour should the button be?');
        expect(asking.question?.options.slice(0, 3)).toEqual(['Red', 'Blue', 'Green']);

        const queued = await s.api<{ message_id: number }>(
          'POST',
          `/terminals/${id}/inbox/messages`,
          { sender_id: 'user', message: 'then this (CAO-QUEUED)' },
        );
        expect(queued.status, JSON.stringify(queued.body)).toBe(200);
        const state = async (): Promise<string> =>
          (await s.api<{ status: string }>('GET', `/inbox/messages/${queued.body.message_id}`)).body
            .status;
        // the ledger had every chance: the status stays, nothing was typed, the message waits
        await sleep(3000);
        expect((await detect()).status).toBe('waiting_user_answer');
        const screen = (await s.api<{ output: string }>('GET', `/terminals/${id}/output`)).body
          .output;
        expect(screen).not.toContain('CAO-QUEUED');
        expect(await state()).toBe('pending');

        // as `cao agent answer` and answer_user_prompt do (they need a calling terminal)
        const answered = await s.api('POST', `/terminals/${id}/answer`, { answer: 'blue' });
        expect(answered.status, JSON.stringify(answered.body)).toBe(200);
        // the CLI gave its tool the option picked by its text
        const result = await s.model.waitForReply((l) => l.toolResult !== undefined, 60_000);
        expect(result.toolResult).toContain('Blue');
        expect(result.toolResult).not.toMatch(/\bRed\b|\bGreen\b/);
        // the turn ends, then the queued message is delivered and answered
        await s.model.waitForReply((l) => l.lastUser.includes('CAO-QUEUED'), 90_000);
        await poll(
          'the queued message delivered',
          async () => ((await state()) === 'delivered' ? true : undefined),
          30_000,
        );
        await waitStatus('completed', 60_000);
      });

      // only Codex streams a reply without a busy line; the other CLIs show theirs meanwhile
      const codexOnly = setup.cli === 'codex' ? it : undefined;
      codexOnly?.(
        'is never completed while a reply still streams (Codex shows no busy line then)',
        async () => {
          const seen: string[] = [];
          await s.api('POST', `/terminals/${id}/input`, { message: 'stream it (CAO-STREAM)' });
          const stream: { done: boolean; error?: Error } = { done: false };
          void s.model
            .waitForReply((l) => l.lastUser.includes('CAO-STREAM') && l.main, 120_000)
            .then(
              () => (stream.done = true),
              (e: Error) => Object.assign(stream, { done: true, error: e }),
            );
          // every status the tracker published while the reply was still being sent
          while (!stream.done) {
            const d = await detect();
            if (!stream.done) seen.push(`${d.status}/${d.rule}`);
            await sleep(50);
          }
          if (stream.error) throw stream.error;
          expect(seen.length).toBeGreaterThan(5);
          expect(seen.filter((x) => x.startsWith('completed'))).toEqual([]);
          const done = await waitStatus('completed', 60_000);
          expect(done.status).toBe('completed');
          const last = (await s.api<{ output: string }>('GET', `/terminals/${id}/output?mode=last`))
            .body.output;
          expect(last).toContain('CAO-STREAM-END');
        },
      );
    },
  );
}

/** OpenCode calls its ask-the-user tool `question` (the fake model fits the input to its schema). */
const OPENCODE_SCRIPT: Script = {
  turns: [
    {
      match: 'CAO-ASK',
      steps: [{ ...ASK_STEP, tool: 'question' }, { text: 'Answer noted. CAO-ASKED' }],
    },
  ],
};

for (const setup of CLI_SETUPS.filter(
  (c) => c.cli === 'opencode' && (!ONLY || ONLY.includes(c.cli)),
)) {
  describe.skipIf(skipReason !== '')(
    e2eTitle(`${setup.cli}: its question tool answered by an option's text`, skipReason),
    () => {
      let s: Stack;
      let id = '';

      beforeAll(async () => {
        s = await startStack({
          clis: [setup.cli],
          script: OPENCODE_SCRIPT,
          envFromModel: setup.env,
          prepare: setup.files,
        });
        const r = await s.cao(
          [
            'launch',
            '--agents',
            'developer',
            '--headless',
            '--yolo',
            '--session-name',
            'q',
            '--working-directory',
            s.work,
            '--provider',
            setup.provider,
          ],
          { timeoutMs: 240_000 },
        );
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        id = /id ([a-f0-9]{8})/.exec(r.stdout)![1]!;
      }, 300_000);

      afterAll(async () => {
        await s?.stop();
      });

      it('reads waiting_user_answer with the options; `cao agent answer ID Blue` picks Blue', async () => {
        await s.api('POST', `/terminals/${id}/input`, { message: 'please ask (CAO-ASK)' });
        const asking = await poll(
          'waiting_user_answer',
          async () => {
            const d = (await s.api<Detect>('GET', `/terminals/${id}/detect`)).body;
            return d.status === 'waiting_user_answer' ? d : undefined;
          },
          90_000,
        );
        expect(asking.question?.text).toBe('Which colour should the button be?');
        expect(asking.question?.options.slice(0, 3)).toEqual(['Red', 'Blue', 'Green']);

        // the command, by the option's text (not its number), as run inside a cao terminal
        // (the call acts as one: $CAO_TERMINAL_ID)
        const r = await s.cao(['agent', 'answer', id, 'Blue'], {
          env: { CAO_TERMINAL_ID: id },
        });
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        const result = await s.model.waitForReply((l) => l.toolResult !== undefined, 60_000);
        expect(result.toolResult).toContain('Blue');
        expect(result.toolResult).not.toMatch(/\bRed\b|\bGreen\b/);
        await poll(
          'completed',
          async () => {
            const d = (await s.api<Detect>('GET', `/terminals/${id}/detect`)).body;
            return d.status === 'completed' ? d : undefined;
          },
          60_000,
        );
      });
    },
  );
}
