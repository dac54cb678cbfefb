/**
 * Resuming ended sessions over the in-process stack (fake runtime and Claude Code, in-memory
 * store, real CAO_HOME under a temp root): what is kept at shutdown and after tmux is lost,
 * and the command lines that continue each CLI's conversation.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import { getProvider } from '../providers/index.js';
import { adoptTerminals } from './adopt.js';
import { transcriptPath } from './resume.js';

let s: TestStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function stack(): Promise<TestStack> {
  s = createTestStack();
  await s.started;
  return s;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('resume', () => {
  it('a shut-down session keeps its transcripts and comes back with the same terminals, continuing their conversations', async () => {
    const st = await stack();
    const work = realpathSync(st.work);
    const conductor = await st.core.sessions.create({
      sessionName: 'r',
      profileName: 'developer',
      provider: 'claude_code',
      workingDirectory: work,
      env: { FOO: 'bar' },
    });
    const worker = await st.core.sessions.addTerminal('cao-r', {
      profileName: 'reviewer',
      provider: 'claude_code',
      workingDirectory: work,
      callerId: conductor.id,
    });
    const conversation = (await st.store.getTerminal(conductor.id))?.conversationId;
    expect(conversation).toMatch(UUID);
    const argv = st.runtime.paneOf(conductor.id).spec.argv;
    expect(argv.slice(argv.indexOf('--session-id'))).toEqual(['--session-id', conversation]);

    await st.core.sessions.delete('cao-r');
    for (const id of [conductor.id, worker.id]) {
      const log = transcriptPath(st.deps, 'cao-r', id);
      expect(statSync(log).mode & 0o777).toBe(0o600);
      expect(readFileSync(log, 'utf8')).toMatch(/\S/);
    }
    expect(await st.core.sessions.list()).toEqual([]);
    const [ended] = await st.core.resume.list();
    expect(ended).toMatchObject({
      session: 'cao-r',
      reason: 'shutdown',
      terminals: [
        {
          terminal_id: conductor.id,
          agent_profile: 'developer',
          conversation_id: conversation,
          continues: true,
        },
        { terminal_id: worker.id, agent_profile: 'reviewer', continues: true },
      ],
    });

    const r = await st.core.resume.resumeSession('r');
    expect(r.errors).toEqual([]);
    expect(
      r.terminals.map((t) => [t.id, t.agent_profile, t.working_directory, t.caller_id]),
    ).toEqual([
      [conductor.id, 'developer', work, null],
      [worker.id, 'reviewer', work, conductor.id],
    ]);
    const again = st.runtime.paneOf(conductor.id).spec;
    expect(again.argv.slice(-2)).toEqual(['--resume', conversation]);
    expect(again.argv).not.toContain('--session-id');
    expect(again.env['FOO']).toBe('bar');
    expect(await st.core.resume.list()).toEqual([]);
    await expect(st.core.resume.resumeSession('r')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a session lost with tmux (a reboot) is listed as resumable; one terminal resumes alone', async () => {
    const st = await stack();
    const t = await st.core.sessions.create({
      sessionName: 'gone',
      profileName: 'developer',
      provider: 'claude_code',
      workingDirectory: st.work,
    });
    // as after a reboot: tmux lost the session, and cao-server starts and adopts what is left
    await st.runtime.killSession('cao-gone');
    await adoptTerminals(st.deps);
    expect(await st.store.listTerminals()).toEqual([]);
    const list = await st.req<{ session: string; reason: string }[]>('GET', '/resumable-sessions');
    expect(list.body).toMatchObject([{ session: 'cao-gone', reason: 'lost' }]);
    const resumed = await st.req<{ id: string; session_name: string }>(
      'POST',
      `/terminals/${t.id}/resume`,
    );
    expect(resumed.status).toBe(201);
    expect(resumed.body).toMatchObject({ id: t.id, session_name: 'cao-gone' });
    expect((await st.req('POST', `/terminals/${t.id}/resume`)).status).toBe(404);
    expect((await st.req('POST', '/sessions/cao-gone/resume')).status).toBe(404);
  });

  it('each CLI continues its own way (pure)', () => {
    const argv = ['x', '--flag'];
    expect(getProvider('claude_code').resumeArgs?.(argv, 'u1')).toEqual([
      'x',
      '--flag',
      '--resume',
      'u1',
    ]);
    expect(getProvider('qwen_cli').resumeArgs?.(argv, 'u1')).toEqual([
      'x',
      '--flag',
      '--resume',
      'u1',
    ]);
    expect(getProvider('codex').resumeArgs?.(argv, null)).toEqual([
      'x',
      'resume',
      '--last',
      '--flag',
    ]);
    expect(getProvider('gemini_cli').resumeArgs?.(argv, null)).toEqual([
      'x',
      '--flag',
      '--resume',
      'latest',
    ]);
    expect(getProvider('opencode_cli').resumeArgs?.(argv, null)).toEqual([
      'x',
      '--flag',
      '--continue',
    ]);
    expect(getProvider('copilot_cli').resumeArgs?.(argv, null)).toEqual([
      'x',
      '--flag',
      '--continue',
    ]);
    expect(getProvider('claude_code').conversationArgs?.('u1')).toEqual(['--session-id', 'u1']);
  });
});
