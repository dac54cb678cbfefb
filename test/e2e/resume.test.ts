/**
 * Resuming a session on real Claude Code (from the npm registry) and the project's fake model:
 * a fact told in the first turn is in the conversation the model gets after the session was
 * shut down and resumed (Claude Code continues its own transcript, `--resume ID`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
