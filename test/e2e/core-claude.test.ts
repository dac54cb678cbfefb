/**
 * The skill document's commands against real Claude Code (from the npm registry) and the
 * project's fake model, on a private tmux socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const skipReason = e2eSkipReason();

describe.skipIf(skipReason !== '')(
  e2eTitle('core commands on real Claude Code', skipReason),
  () => {
    let s: Stack;

    beforeAll(async () => {
      s = await startStack({
        clis: ['claude'],
        env: { IS_SANDBOX: '1' },
        script: {
          turns: [
            { match: 'FIRST-TASK', reply: 'First task done. E2E-REPLY-1' },
            {
              match: 'SECOND-MSG',
              delayMs: 1500,
              reply: 'Second answer.\n\nIt has two paragraphs. E2E-REPLY-2',
            },
            { match: 'STOPPED-TURN', delayMs: 30_000, reply: 'Too late. E2E-REPLY-STOPPED' },
          ],
        },
      });
    });

    afterAll(async () => {
      await s?.stop();
    });

    it('cao install developer', async () => {
      const r = await s.cao(['install', 'developer']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("✓ Agent 'developer' installed successfully");
      expect(existsSync(join(s.caoHome, 'agent-context', 'developer.md'))).toBe(true);
    });

    it('cao launch --headless --yolo with a task prints the answer', async () => {
      const r = await s.cao([
        'launch',
        '--agents',
        'developer',
        '--headless',
        '--yolo',
        '--session-name',
        't1',
        '--working-directory',
        s.work,
        '--provider',
        'claude_code',
        'Please do the FIRST-TASK now',
      ]);
      expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-3000)}`).toBe(0);
      expect(r.stdout).toContain('Session created: cao-t1');
      expect(r.stdout).toContain('First task done. E2E-REPLY-1');
      // the window runs in the private tmux server, with the terminal id in its environment
      const panes = s.tmux([
        'list-panes',
        '-s',
        '-t',
        'cao-t1',
        '-F',
        '#{@cao_terminal_id} #{pane_current_command}',
      ]);
      expect(panes).toMatch(/^[a-f0-9]{8} \S+/);
    });

    it('cao session list shows the session and its conductor', async () => {
      const r = await s.cao(['session', 'list']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/SESSION\s+CONDUCTOR\s+STATUS\s+TERMINALS/);
      expect(r.stdout).toMatch(/cao-t1\s+[a-f0-9]{8}\s+completed\s+1/);
      const j = await s.cao(['session', 'list', '--json']);
      const list = JSON.parse(j.stdout) as { session: string; conductor: { status: string } }[];
      expect(list).toEqual([
        expect.objectContaining({
          session: 'cao-t1',
          conductor: expect.objectContaining({ status: 'completed' }),
        }),
      ]);
    });

    it('cao session status cao-t1 --workers --json', async () => {
      const r = await s.cao(['session', 'status', 'cao-t1', '--workers', '--json']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(j).toMatchObject({
        session: 'cao-t1',
        conductor: {
          agent_profile: 'developer',
          provider: 'claude_code',
          status: 'completed',
          last_output: 'First task done. E2E-REPLY-1',
        },
        workers: [],
      });
      // the name is accepted without the prefix too
      const text = await s.cao(['session', 'status', 't1']);
      expect(text.stdout).toContain('Status: completed');
      expect(text.stdout).toContain('Last response:\nFirst task done. E2E-REPLY-1');
    });

    it('cao session send waits for the answer and prints it', async () => {
      const r = await s.cao(['session', 'send', 'cao-t1', 'Here is the SECOND-MSG']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('Second answer.\n\nIt has two paragraphs. E2E-REPLY-2');
    });

    it('cao detect explains the status of a live terminal and of a saved screen', async () => {
      const st = JSON.parse((await s.cao(['session', 'status', 'cao-t1', '--json'])).stdout) as {
        conductor: { id: string };
      };
      const id = st.conductor.id;
      const live = await s.cao(['detect', '--terminal', id]);
      expect(live.code).toBe(0);
      expect(live.stdout).toMatch(
        /^Status: completed\nRule: \S+ \(claude_code\)\nEvidence:\n {2}\| /,
      );
      const file = join(s.root, 'screen.txt');
      writeFileSync(file, s.tmux(['capture-pane', '-p', '-J', '-t', '=cao-t1:']));
      const saved = JSON.parse(
        (await s.cao(['detect', '--provider', 'claude_code', '--file', file, '--json'])).stdout,
      ) as {
        status: string;
      };
      expect(saved.status).toBe('completed');
    });

    it('cao agent status and send-message work from the shell (the MCP tools twins)', async () => {
      const st = JSON.parse((await s.cao(['session', 'status', 'cao-t1', '--json'])).stdout) as {
        conductor: { id: string };
      };
      const id = st.conductor.id;
      const sent = await s.cao(
        ['agent', 'send-message', '--from', 'abcdef01', '--to', id, 'a note from the shell'],
        {
          env: { CAO_TERMINAL_ID: '' },
        },
      );
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stdout).toMatch(
        /^Message \d+ queued for terminal [a-f0-9]{8} \((pending|submitting|delivered)\)/,
      );
      const deadline = Date.now() + 30_000;
      let status = '';
      while (Date.now() < deadline && !/delivered/.test(status)) {
        status = (await s.cao(['agent', 'status', id])).stdout;
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(status).toMatch(/Inbox \(received\):[\s\S]*abcdef01\s+delivered/);
    });

    it('cao session send says so when the turn is interrupted before the answer', async () => {
      const st = JSON.parse((await s.cao(['session', 'status', 'cao-t1', '--json'])).stdout) as {
        conductor: { id: string };
      };
      const id = st.conductor.id;
      const sending = s.cao(['session', 'send', 'cao-t1', 'Please do the STOPPED-TURN']);
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const t = await s.api<{ status: string }>('GET', `/terminals/${id}`);
        if (t.body.status === 'processing') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // Esc before the model answered: Claude drops the turn and puts the message back in its
      // input box, under the previous turn's answer
      s.tmux(['send-keys', '-t', '=cao-t1:', 'Escape']);
      const r = await sending;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /The agent's turn was interrupted before it answered \(.*STOPPED-TURN/,
      );
      expect(r.stdout).not.toContain('E2E-REPLY');
      const d = await s.api<{ status: string; rule: string }>('GET', `/terminals/${id}/detect`);
      expect(d.body).toMatchObject({ status: 'idle', rule: 'input-pending' });
      s.tmux(['send-keys', '-t', '=cao-t1:', 'C-u']);
    });

    it('the API serves the profiles the skill document points at', async () => {
      const r = await s.api<{ name: string; source: string }[]>('GET', '/agents/profiles');
      expect(r.status).toBe(200);
      const names = r.body.map((p) => p.name);
      expect(names).toEqual(expect.arrayContaining(['code_supervisor', 'developer', 'reviewer']));
      expect(r.body.find((p) => p.name === 'developer')?.source).toBe('built-in');
    });

    it('cao shutdown --session cao-t1 removes the tmux session and the rows', async () => {
      const r = await s.cao(['shutdown', '--session', 'cao-t1']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("✓ Shutdown session 'cao-t1'");
      expect(() => s.tmux(['has-session', '-t', '=cao-t1'])).toThrow();
      const list = await s.cao(['session', 'list']);
      expect(list.stdout).toContain('No active sessions');
      expect(readdirSync(join(s.caoHome, 'tmp'))).toEqual([]);
    });

    describe('bad input gives a clear error and leaves nothing behind', () => {
      const launch = (extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
        s.cao([
          'launch',
          '--agents',
          'developer',
          '--headless',
          '--yolo',
          '--session-name',
          'bad',
          '--working-directory',
          s.work,
          ...extra,
        ]);

      const nothingLeft = async (): Promise<void> => {
        expect(() => s.tmux(['has-session', '-t', '=cao-bad'])).toThrow();
        const sessions = await s.api<unknown[]>('GET', '/sessions');
        expect(sessions.body).toEqual([]);
        expect(readdirSync(join(s.caoHome, 'tmp'))).toEqual([]);
      };

      it('a working directory that does not exist', async () => {
        const r = await s.cao([
          'launch',
          '--agents',
          'developer',
          '--headless',
          '--yolo',
          '--session-name',
          'bad',
          '--working-directory',
          '/nonexistent/dir',
        ]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/Working directory '\/nonexistent\/dir' does not exist/);
        await nothingLeft();
      });

      it('an unknown profile', async () => {
        const r = await s.cao([
          'launch',
          '--agents',
          'no_such_profile',
          '--headless',
          '--yolo',
          '--session-name',
          'bad',
          '--working-directory',
          s.work,
        ]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/Unknown agent profile 'no_such_profile'/);
        await nothingLeft();
      });

      it('an unknown provider', async () => {
        const r = await launch(['--provider', 'nope_cli']);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/Unknown provider 'nope_cli'/);
        await nothingLeft();
      });

      it('a missing CLI binary', async () => {
        // a server whose PATH has no claude on it
        const r = await s.api<{ detail: string }>(
          'POST',
          `/sessions?agent_profile=developer&session_name=bad&working_directory=${encodeURIComponent(s.work)}&provider=claude_code&allowed_tools=*`,
        );
        expect(r.status).toBe(201);
        await s.api('DELETE', '/sessions/cao-bad');
        s.killServer();
        s.env['PATH'] = '/usr/bin:/bin';
        await s.startServer();
        const r2 = await launch(['--provider', 'claude_code']);
        expect(r2.code).toBe(1);
        expect(r2.stderr).toMatch(
          /Claude Code is not installed: 'claude' was not found on the PATH of cao-server/,
        );
        await nothingLeft();
      });
    });
  },
);
