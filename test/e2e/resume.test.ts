/**
 * Resuming a session on the real agent CLIs (from the npm registry) and the project's fake
 * model: a fact told in the first turn is in the conversation the model gets after the session
 * was shut down and resumed, and two workers in one folder each get their own conversation
 * back (Claude Code continues its own transcript, `--resume ID`; the others as named below).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_SETUPS } from './cli-setups.js';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const skipReason = e2eSkipReason();

describe.skipIf(skipReason !== '')(e2eTitle('resume on real Claude Code', skipReason), () => {
  let s: Stack;

  beforeAll(async () => {
    s = await startStack({
      clis: ['claude'],
      env: { IS_SANDBOX: '1' },
      script: {
        turns: [
          { match: 'RESUME-FACT', reply: 'Noted. E2E-REPLY-FACT' },
          { match: 'RESUME-ASK', reply: 'It was there. E2E-REPLY-ASK' },
        ],
      },
    });
    expect((await s.cao(['install', 'developer'])).code).toBe(0);
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('a fact from turn 1 reaches the model again after shutdown and cao session resume', async () => {
    const fact = 'RESUME-FACT: the secret colour is teal-4711';
    const launched = await s.cao([
      'launch',
      '--agents',
      'developer',
      '--headless',
      '--yolo',
      '--session-name',
      'res',
      '--working-directory',
      s.work,
      '--provider',
      'claude_code',
      fact,
    ]);
    expect(launched.code, `${launched.stdout}\n${launched.stderr}`).toBe(0);
    expect(launched.stdout).toContain('E2E-REPLY-FACT');
    const before = await s.api<{ terminals: { id: string }[] }>('GET', '/sessions/cao-res');
    const id = before.body.terminals[0]!.id;

    expect((await s.cao(['shutdown', '--session', 'cao-res'])).code).toBe(0);
    expect(existsSync(join(s.caoHome, 'logs', 'cao-res', `${id}.log`))).toBe(true);
    const list = await s.cao(['session', 'list', '--resumable']);
    expect(list.stdout).toMatch(new RegExp(`cao-res +${id} +resumable +1`));

    const seen = s.model.watch('teal-4711');
    const resumed = await s.cao(['session', 'resume', 'res']);
    expect(resumed.code, `${resumed.stdout}\n${resumed.stderr}`).toBe(0);
    expect(resumed.stdout).toContain(`${id}  developer (claude_code`);
    const ask = await s.cao(['session', 'send', 'cao-res', 'RESUME-ASK: what was the colour?']);
    expect(ask.code, `${ask.stdout}\n${ask.stderr}`).toBe(0);
    expect(ask.stdout).toContain('E2E-REPLY-ASK');
    // the model got turn 1 again in the request for turn 2
    expect(seen.some((u) => u.includes('RESUME-ASK'))).toBe(true);
  });
});

// Every other CLI, two workers in one folder: each must continue its own conversation, where
// the folder's latest (`--last`, `--continue`) would have given both the same one. Codex, Kimi
// Code and OpenCode pick their own session ids (cao takes the id from the terminal's session
// log: `codex resume ID`, `kimi --session ID`, `opencode --session ID`); Gemini CLI, Qwen Code
// and Copilot CLI are given one by cao at launch (`--session-id`) and resume it (`--resume ID`).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ONLY = process.env['CAO_E2E_CLIS']?.split(',').filter(Boolean);
const PICK_OWN = (
  [
    ['codex', UUID],
    ['kimi', /^session_[\w-]+$/],
    ['opencode', /^ses_\w+$/],
    ['gemini', UUID],
    ['qwen', UUID],
    ['copilot', UUID],
  ] as [string, RegExp][]
).filter(([cli]) => !ONLY || ONLY.includes(cli));
for (const [cli, idShape] of PICK_OWN) {
  const setup = CLI_SETUPS.find((c) => c.cli === cli)!;
  describe.skipIf(skipReason !== '')(
    e2eTitle(`resume on real ${cli} (${setup.provider}): two workers in one folder`, skipReason),
    () => {
      let s: Stack;

      beforeAll(async () => {
        s = await startStack({
          clis: [cli],
          envFromModel: setup.env,
          prepare: setup.files,
          script: {
            turns: [
              { match: 'RESUME-FACT', reply: 'Noted. E2E-REPLY-FACT' },
              { match: 'RESUME-ASK', reply: 'It was there. E2E-REPLY-ASK' },
            ],
          },
        });
        expect((await s.cao(['install', 'developer', '--provider', setup.provider])).code).toBe(0);
      }, 300_000);

      afterAll(async () => {
        await s?.stop();
      });

      it('each resumed worker gets its own first turn again, not the other one', async () => {
        const facts = { ra: 'teal-4711', rb: 'crimson-0815' };
        const ids: Record<string, string> = {};
        for (const [name, colour] of Object.entries(facts)) {
          const launched = await s.cao(
            [
              'launch',
              '--agents',
              'developer',
              '--headless',
              '--yolo',
              '--session-name',
              name,
              '--working-directory',
              s.work,
              '--provider',
              setup.provider,
              `RESUME-FACT: the secret colour is ${colour}`,
            ],
            { timeoutMs: 180_000 },
          );
          expect(launched.code, `${launched.stdout}\n${launched.stderr}`).toBe(0);
          expect(launched.stdout).toContain('E2E-REPLY-FACT');
          const t = await s.api<{ terminals: { id: string }[] }>('GET', `/sessions/cao-${name}`);
          ids[name] = t.body.terminals[0]!.id;
        }
        for (const name of Object.keys(facts)) {
          expect((await s.cao(['shutdown', '--session', `cao-${name}`])).code).toBe(0);
        }
        const ended = await s.api<
          { terminals: { terminal_id: string; conversation_id: string }[] }[]
        >('GET', '/resumable-sessions');
        const conv = (name: string) =>
          ended.body.flatMap((e) => e.terminals).find((x) => x.terminal_id === ids[name])
            ?.conversation_id;
        expect(conv('ra')).toMatch(idShape);
        expect(conv('rb')).toMatch(idShape);
        expect(conv('ra')).not.toBe(conv('rb'));

        const seen = { ra: s.model.watch(facts.ra), rb: s.model.watch(facts.rb) };
        for (const name of Object.keys(facts)) {
          const resumed = await s.cao(['session', 'resume', name], { timeoutMs: 180_000 });
          expect(resumed.code, `${resumed.stdout}\n${resumed.stderr}`).toBe(0);
        }
        for (const name of Object.keys(facts)) {
          const ask = await s.cao(
            ['session', 'send', `cao-${name}`, `RESUME-ASK-${name}: what was the colour?`],
            { timeoutMs: 120_000 },
          );
          expect(ask.code, `${ask.stdout}\n${ask.stderr}`).toBe(0);
          // what the screens and the status sequence were, when the answer is not the new one
          if (!ask.stdout.includes('E2E-REPLY-ASK')) console.error(await s.diagnose());
          expect(ask.stdout).toContain('E2E-REPLY-ASK');
        }
        // each request for turn 2 carried that worker's own turn 1, and never the other's
        expect(seen.ra.some((u) => u.includes('RESUME-ASK-ra'))).toBe(true);
        expect(seen.rb.some((u) => u.includes('RESUME-ASK-rb'))).toBe(true);
        expect(seen.ra.some((u) => u.includes('RESUME-ASK-rb'))).toBe(false);
        expect(seen.rb.some((u) => u.includes('RESUME-ASK-ra'))).toBe(false);
      }, 600_000);
    },
  );
}
