/**
 * Agents on other machines, end to end: real OpenSSH servers in network namespaces made by the
 * test (test/e2e/hosts) are two remote hosts, each with its own user and tmux; real Claude Code
 * runs there and reaches the fake model through a reverse forward. cao-server reaches them with
 * ssh (CAO_SSH_CONFIG, never ~/.ssh): hosts are added and checked, an unknown host key is
 * refused with advice, agents are launched and talked to there, a dropped link loses nothing,
 * a restarted cao-server adopts the remote terminals again, and each CLI's own session log is
 * read on the host where it runs (Claude Code's file; OpenCode's database with the host's
 * sqlite3).
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  e2eSkipReason,
  e2eTitle,
  freePort,
  quickExampleLaunch,
  sentBy,
  startStack,
  type Stack,
} from './harness.js';
import { CLI_SETUPS } from './cli-setups.js';
import { prepareRemoteHome, type RemoteHome } from './hosts/remote-home.js';
import { hostsSkipReason, startTestHosts, type TestHosts } from './hosts/test-hosts.js';

const skipReason = e2eSkipReason() || hostsSkipReason();

/** The test hosts share this machine's programs: OpenCode's log there needs its sqlite3. */
const noSqlite =
  spawnSync('sqlite3', ['-version']).status === 0
    ? ''
    : ' (skipped: no sqlite3 for the test hosts; apt-get install sqlite3)';

/** An answer whose Markdown only a session log keeps exactly. */
const FENCED = ['Remote **log**:', '', '```sh', 'echo FENCED-REMOTE', '```', '', '- a', '- b'].join(
  '\n',
);
/** What each reply of that turn reports (two replies: the tool call, then the answer). */
const USAGE = { input: 210, output: 43, cacheRead: 65, cacheWrite: 9 };
/** The CLIs whose session logs cao reads, each on one of the two hosts in turn. */
const LOG_CLIS = ['claude', 'codex', 'gemini', 'qwen', 'copilot', 'kimi', 'opencode'].map(
  (cli, i) => ({ ...CLI_SETUPS.find((c) => c.cli === cli)!, host: i % 2 }),
);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

interface HostJson {
  name: string;
  state: string;
  reachable: boolean;
  problem: string | null;
  tmux: string | null;
  clis: { provider: string; version: string }[];
  mem_available: number | null;
  agents: number;
  notes: string[];
}

describe.skipIf(skipReason !== '')(
  e2eTitle('hosts: agents on other machines over OpenSSH and tmux', skipReason),
  () => {
    let s: Stack;
    let th: TestHosts;
    let homes: RemoteHome[] = [];

    beforeAll(async () => {
      s = await startStack({
        clis: LOG_CLIS.map((c) => c.cli),
        env: { IS_SANDBOX: '1' },
        script: {
          turns: [
            { match: 'REMOTE-TASK', reply: 'Done on the other machine. REMOTE-REPLY' },
            // Kimi Code on a host calls cao's send_message through its stand-in home there
            {
              match: /KIMI-TOOLS ([a-f0-9]{8})/,
              steps: [
                { tool: 'send_message', input: { receiver_id: '$1', message: 'FROM-FAR-KIMI' } },
                { text: 'KIMI-SENT' },
              ],
            },
            { match: 'FROM-FAR-KIMI', reply: 'GOT-FAR-KIMI' },
            { match: 'INBOX-OPEN', reply: 'INBOX-READY' },
            {
              match: 'LOG-FENCE',
              usage: USAGE,
              steps: [{ tool: '@shell', command: 'echo ran > ran.txt' }, { text: FENCED }],
            },
            { match: 'SLOW-REMOTE', delayMs: 3000, reply: 'Slow and steady. SLOW-REPLY' },
            { match: /QUEUED-(\d+)/, reply: 'Got queued $1.' },
            {
              match: 'TEAM-TASK',
              steps: [
                {
                  tool: 'handoff',
                  input: {
                    agent_profile: 'developer',
                    host: 'b1',
                    message: 'B1-TASK',
                    timeout: 300,
                  },
                },
                {
                  tool: 'assign',
                  input: { agent_profile: 'developer', host: 'b2', message: 'B2-TASK' },
                },
                { text: 'TEAM-SENT' },
              ],
            },
            { match: 'B1-TASK', reply: 'B1-DONE on the first host' },
            {
              match: /B2-TASK[\s\S]*Assigned by terminal ([a-f0-9]{8})/,
              steps: [
                { tool: 'send_message', input: { receiver_id: '$1', message: 'B2-REPORT' } },
                { text: 'B2-DONE' },
              ],
            },
            { match: 'B2-REPORT', reply: 'TEAM-ALL-OK' },
            // the skill document's Quick Example, with --host
            {
              match: 'Build a hello-world Python script',
              steps: [
                {
                  tool: 'handoff',
                  input: { agent_profile: 'developer', message: 'QX-DEV: write hello.py' },
                },
                {
                  tool: 'handoff',
                  input: { agent_profile: 'reviewer', message: 'QX-REVIEW: check hello.py' },
                },
                { text: 'QX-ALL-DONE' },
              ],
            },
            {
              match: 'QX-DEV',
              steps: [
                { tool: '@shell', command: 'echo \'print("hello, world")\' > hello.py' },
                { text: 'QX-DEV-DONE' },
              ],
            },
            {
              match: 'QX-REVIEW',
              steps: [{ tool: '@shell', command: 'cat hello.py' }, { text: 'QX-REVIEW-OK' }],
            },
          ],
        },
      });
      const modelPort = await freePort();
      th = await startTestHosts({
        count: 2,
        remoteForwards: [{ remotePort: modelPort, localPort: s.model.port }],
        extraHosts: [{ alias: 'stranger', kind: 'unknown-host-key', of: 0 }],
      });
      homes = th.hosts.map((h) =>
        prepareRemoteHome(h, {
          clis: LOG_CLIS.map((c) => c.cli),
          modelUrl: `http://127.0.0.1:${modelPort}`,
        }),
      );
      // cao-server reads the ssh configuration it is given, never the user's own
      s.env['CAO_SSH_CONFIG'] = th.configPath;
      s.killServer();
      await s.startServer();
      expect((await s.cao(['install', 'developer'])).code).toBe(0);
      expect((await s.cao(['install', 'code_supervisor'])).code).toBe(0);
      expect((await s.cao(['install', 'reviewer'])).code).toBe(0);
    }, 300_000);

    afterAll(async () => {
      await s?.stop();
      th?.stop();
    });

    it('cao host add checks the host over ssh and keeps it; cao host list shows what it has', async () => {
      const added = await s.cao(['host', 'add', 'b1', 'host1', '--max-agents', '4']);
      expect(added.code, added.stderr).toBe(0);
      expect(added.stdout).toMatch(/Host 'b1' added \(host1\): tmux 3\.\d\w?; CLIs: claude_code /);
      expect((await s.cao(['host', 'add', 'b2', 'host2'])).code).toBe(0);
      const list = JSON.parse((await s.cao(['host', 'list', '--json'])).stdout) as HostJson[];
      expect(list.map((h) => h.name)).toEqual(['local', 'b1', 'b2']);
      for (const h of list.slice(1)) {
        // sqlite3 is there for OpenCode's sessions (noSqlite would skip their test otherwise)
        expect(h).toMatchObject({
          state: 'up',
          reachable: true,
          problem: null,
          agents: 0,
          notes: noSqlite ? [expect.stringMatching(/sqlite3/)] : [],
        });
        expect(h.tmux).toMatch(/^tmux 3/);
        expect(h.clis.map((c) => c.provider)).toContain('claude_code');
        expect(h.mem_available).toBeGreaterThan(0);
      }
    });

    it('an unknown host key is refused with what to do, and nothing is kept', async () => {
      const r = await s.cao(['host', 'add', 'odd', 'stranger']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^Error: The host key of 'stranger' \(host odd\) is not known, and cao never accepts one by itself/m,
      );
      const names = (
        JSON.parse((await s.cao(['host', 'list', '--json'])).stdout) as HostJson[]
      ).map((h) => h.name);
      expect(names).not.toContain('odd');
    });

    it('launches an agent on a host and talks to it as to any other', async () => {
      const r = await s.cao(
        [
          'launch',
          '--agents',
          'developer',
          '--host',
          'b1',
          '--headless',
          '--yolo',
          '--provider',
          'claude_code',
          '--session-name',
          'far',
          '--working-directory',
          homes[0]!.work,
          'Please do the REMOTE-TASK',
        ],
        { timeoutMs: 240_000 },
      );
      expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-3000)}`).toBe(0);
      expect(r.stdout).toContain('on host b1');
      expect(r.stdout).toContain('Done on the other machine. REMOTE-REPLY');
      // it runs in the host's own tmux, as the host's user
      const panes = await th.ssh(th.hosts[0]!, [
        'tmux',
        'list-panes',
        '-a',
        '-F',
        '#{session_name} #{pane_current_command}',
      ]);
      expect(panes.stdout).toMatch(/^cao-far /m);
      const st = await s.cao(['session', 'status', 'cao-far']);
      expect(st.stdout).toContain('Host: b1');
      expect(st.stdout).toContain('Status: completed');
      const send = await s.cao(['session', 'send', 'cao-far', 'Another REMOTE-TASK please']);
      expect(send.code, send.stderr).toBe(0);
      expect(send.stdout.trim()).toBe('Done on the other machine. REMOTE-REPLY');
      const detect = await s.cao(['detect', '--terminal', (await terminalOf('cao-far')).id]);
      expect(detect.stdout).toMatch(/^Status: completed/);
    });

    async function terminalOf(session: string): Promise<{ id: string; status: string }> {
      const d = await s.api<{ terminals: { id: string; status: string }[] }>(
        'GET',
        `/sessions/${session}`,
      );
      return d.body.terminals[0]!;
    }

    it('a dropped link: the agent is unknown meanwhile, a queued message waits, and nothing is lost or sent twice', async () => {
      const t = await terminalOf('cao-far');
      th.cutLink(th.hosts[0]!);
      await until(
        async () => ((await terminalOf('cao-far')).status === 'unknown' ? true : undefined),
        60_000,
        'the terminal to read unknown',
      );
      const host = JSON.parse((await s.cao(['host', 'check', 'b1', '--json'])).stdout) as HostJson;
      expect(host).toMatchObject({ name: 'b1', reachable: false });
      expect(host.problem).toMatch(/cannot be reached/);
      const q = await s.api<{ turn_id: number; state: string }>(
        'POST',
        `/terminals/${t.id}/messages`,
        {
          message: 'QUEUED-1',
          mode: 'queue',
        },
      );
      expect(q.status).toBe(201);
      expect(q.body.state).toBe('pending');
      th.restoreLink(th.hosts[0]!);
      const out = await s.api<{ outcome: string; output: string }>(
        'POST',
        `/terminals/${t.id}/await`,
        {
          turn_id: q.body.turn_id,
          timeout: 120,
        },
      );
      expect(out.body).toMatchObject({ outcome: 'completed', output: 'Got queued 1.' });
      const screen = await th.ssh(th.hosts[0]!, [
        'tmux',
        'capture-pane',
        '-p',
        '-J',
        '-S',
        '-',
        '-t',
        '=cao-far:',
      ]);
      expect(screen.stdout.match(/QUEUED-1/g)).toHaveLength(1);
    });

    it('a restarted cao-server adopts the remote terminals again, with their status read afresh', async () => {
      const t = await terminalOf('cao-far');
      s.killServer();
      await sleep(500);
      await s.startServer();
      const again = await until(
        async () => {
          const x = await terminalOf('cao-far');
          return x.status === 'completed' ? x : undefined;
        },
        60_000,
        'the remote terminal to be adopted',
      );
      expect(again.id).toBe(t.id);
      const send = await s.cao(['session', 'send', 'cao-far', 'REMOTE-TASK after the restart']);
      expect(send.code, send.stderr).toBe(0);
    });

    it("a supervisor here hands off to a worker on b1 and assigns to one on b2, which reports back with send_message (cao's tools over the reverse forward)", async () => {
      const r = await s.cao(
        [
          'launch',
          '--agents',
          'code_supervisor',
          '--headless',
          '--yolo',
          '--provider',
          'claude_code',
          '--session-name',
          'team',
          '--working-directory',
          s.work,
          'TEAM-TASK',
        ],
        { timeoutMs: 240_000 },
      );
      expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-3000)}`).toBe(0);
      expect(r.stdout).toContain('TEAM-SENT');
      const supervisor = await terminalOf('cao-team');
      // the b1 worker's answer came back through handoff; the b2 worker's report arrives as
      // a message typed into the supervisor, which answers it
      await until(
        async () => {
          const last = await s.api<{ output: string }>(
            'GET',
            `/terminals/${supervisor.id}/output?mode=last`,
          );
          return last.body.output.includes('TEAM-ALL-OK') ? true : undefined;
        },
        180_000,
        "the supervisor's answer to the b2 worker's report",
      );
      // both tasks went out through the ledger; handoff blocks, so assign came after b1's answer
      expect(await sentBy(s, supervisor.id)).toEqual(['assign:delivered', 'handoff:delivered']);
      // the assigned worker still runs on b2 (handoff removed its worker on b1)
      const b2 = await th.ssh(th.hosts[1]!, ['tmux', 'list-sessions', '-F', '#{session_name}']);
      expect(b2.stdout).toMatch(/^cao-team$/m);
    });

    it("the skill document's Quick Example with --host: the supervisor and its workers run on b2, in the project there", async () => {
      const project = homes[1]!.work;
      const r = await s.cao(
        quickExampleLaunch(
          project,
          'Build a hello-world Python script. Delegate to developer, then reviewer.',
          ['--host', 'b2', '--provider', 'claude_code'],
        ),
        { timeoutMs: 300_000 },
      );
      expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-3000)}`).toBe(0);
      expect(r.stdout).toContain('on host b2');
      expect(r.stdout).toContain('QX-ALL-DONE');
      const st = await s.cao(['session', 'status', 'cao-my-task']);
      expect(st.code, st.stderr).toBe(0);
      expect(st.stdout).toContain('Host: b2');
      expect(st.stdout).toContain('Status: completed');
      expect(st.stdout).toContain('QX-ALL-DONE');
      const workers = await s.cao(['session', 'status', 'cao-my-task', '--workers', '--json']);
      expect(workers.code, workers.stderr).toBe(0);
      expect(JSON.parse(workers.stdout)).toMatchObject({ conductor: { host: 'b2' } });
      // the developer wrote the script in the project on b2 (handoff removed both workers)
      const script = await th.ssh(th.hosts[1]!, ['cat', `${project}/hello.py`]);
      expect(script.stdout).toContain('print("hello, world")');
      expect(await sentBy(s, (await terminalOf('cao-my-task')).id)).toEqual([
        'handoff:delivered',
        'handoff:delivered',
      ]);
      const shut = await s.cao(['shutdown', '--session', 'cao-my-task']);
      expect(shut.code, shut.stderr).toBe(0);
      const left = await th.ssh(th.hosts[1]!, ['tmux', 'list-sessions', '-F', '#{session_name}']);
      expect(left.stdout).not.toMatch(/^cao-my-task$/m);
    });

    // issue 18: the log lives where the agent runs. The files (Claude Code's JSONL, Codex's
    // sessions, …) are read over ssh; OpenCode's SQLite database with the host's own sqlite3
    // (nothing of cao's installed there)
    for (const { cli, provider, host } of LOG_CLIS) {
      // the OpenAI APIs the others speak have no cache writes
      const cacheWrite = cli === 'claude' ? USAGE.cacheWrite : 0;
      const skip = cli === 'opencode' ? noSqlite : '';
      it.skipIf(skip !== '')(
        `${cli} (${provider}): its own session log on host b${host + 1}, the answer exact with its Markdown, and the fake model's usage${skip}`,
        async () => {
          const name = `log-${cli}`;
          const r = await s.cao(
            [
              'launch',
              '--agents',
              'developer',
              '--host',
              `b${host + 1}`,
              '--headless',
              '--yolo',
              '--provider',
              provider,
              '--session-name',
              name,
              '--working-directory',
              homes[host]!.work,
              'Please answer LOG-FENCE',
            ],
            { timeoutMs: 240_000 },
          );
          expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-3000)}`).toBe(0);
          expect(r.stdout).toContain('```sh\necho FENCED-REMOTE\n```');
          const t = await terminalOf(`cao-${name}`);
          const last = await s.api<{ output: string; source: string }>(
            'GET',
            `/terminals/${t.id}/output?mode=last`,
          );
          expect(last.body).toMatchObject({ output: FENCED, source: 'transcript' });
          const usage = await s.api('GET', `/terminals/${t.id}/usage`);
          expect(usage.body).toMatchObject({
            source: 'transcript',
            input_tokens: 2 * USAGE.input,
            output_tokens: 2 * USAGE.output,
            cache_read_tokens: 2 * USAGE.cacheRead,
            cache_write_tokens: 2 * cacheWrite,
            replies: 2,
          });
          const down = await s.cao(['shutdown', '--session', `cao-${name}`], { timeoutMs: 60_000 });
          expect(down.code, down.stderr).toBe(0);
        },
        300_000,
      );
    }

    it("Kimi Code on a host gets cao's tools through a stand-in home made there, and its message arrives from its own id", async () => {
      const inbox = await s.cao(
        [
          'launch',
          '--agents',
          'developer',
          '--headless',
          '--yolo',
          '--provider',
          'claude_code',
          '--session-name',
          'inbox',
          '--working-directory',
          s.work,
          'INBOX-OPEN',
        ],
        { timeoutMs: 240_000 },
      );
      expect(inbox.code, `${inbox.stdout}\n${inbox.stderr}`).toBe(0);
      const receiver = await terminalOf('cao-inbox');
      const r = await s.cao(
        [
          'launch',
          '--agents',
          'developer',
          '--host',
          'b2',
          '--headless',
          '--yolo',
          '--provider',
          'kimi_cli',
          '--session-name',
          'far-kimi',
          '--working-directory',
          homes[1]!.work,
          `KIMI-TOOLS ${receiver.id}`,
        ],
        { timeoutMs: 240_000 },
      );
      expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-3000)}`).toBe(0);
      expect(r.stdout).toContain('KIMI-SENT');
      const kimi = await terminalOf('cao-far-kimi');
      const got = await s.api<{ sender_id: string; message: string; state: string }[]>(
        'GET',
        `/terminals/${receiver.id}/inbox/messages`,
      );
      expect(got.body).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ sender_id: kimi.id, message: 'FROM-FAR-KIMI' }),
        ]),
      );
      await until(
        async () => {
          const last = await s.api<{ output: string }>(
            'GET',
            `/terminals/${receiver.id}/output?mode=last`,
          );
          return last.body.output.includes('GOT-FAR-KIMI') ? true : undefined;
        },
        120_000,
        "the receiver's answer to Kimi's message",
      );
      // the stand-in is in cao's folder on b2: links to that user's Kimi home, and an mcp.json
      // only its owner can read, naming the variable that holds the token (never the token)
      const far = th.hosts[1]!;
      const standIn = `${far.home}/.cao/tmp/kimi-code-home`;
      const link = await th.ssh(far, ['readlink', `${standIn}/sessions`]);
      expect(link.stdout.trim()).toBe(`${far.home}/.kimi-code/sessions`);
      const mode = await th.ssh(far, ['stat', '-c', '%a', standIn, `${standIn}/mcp.json`]);
      expect(mode.stdout.split('\n').filter(Boolean)).toEqual(['700', '600']);
      const mcp = await th.ssh(far, ['cat', `${standIn}/mcp.json`]);
      expect(mcp.stdout).toContain('"bearerTokenEnvVar": "CAO_TERMINAL_TOKEN"');
      for (const session of ['cao-far-kimi', 'cao-inbox']) {
        const down = await s.cao(['shutdown', '--session', session], { timeoutMs: 60_000 });
        expect(down.code, down.stderr).toBe(0);
      }
    }, 300_000);

    it('cao host remove is refused while agents run there, and --force ends them', async () => {
      const refused = await s.cao(['host', 'remove', 'b1']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/runs 1 agent\(s\).*--force/);
      const forced = await s.cao(['host', 'remove', 'b1', '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      await until(
        async () => {
          const r = await th.ssh(th.hosts[0]!, ['tmux', 'list-sessions']);
          return /cao-far/.test(r.stdout) ? undefined : true;
        },
        20_000,
        'the remote session to end',
      );
    });
  },
);
