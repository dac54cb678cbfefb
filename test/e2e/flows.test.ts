/**
 * Flows end to end: the built `cao` and `cao-server`, real Claude Code and the project's fake
 * model, on a private tmux socket. A flow with a gate script is added from a file and run with
 * `cao flow run`; another flow fires from its cron (`* * * * *`, so the scheduler fires within
 * a minute of adding it; the other tests run meanwhile).
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eSkipReason, e2eTitle, startStack, type Stack } from './harness.js';

const skipReason = e2eSkipReason();

interface Flow {
  name: string;
  schedule: string;
  enabled: boolean;
  file_path: string;
  script: string;
  last_run: string | null;
  next_run: string | null;
  last_outcome: string | null;
  last_reason: string | null;
  last_session: string | null;
}

interface Run {
  trigger: string;
  outcome: string;
  reason: string | null;
  session_name: string | null;
  terminal_id: string | null;
  message_id: number | null;
}

describe.skipIf(skipReason !== '')(e2eTitle('flows on real Claude Code', skipReason), () => {
  let s: Stack;
  let src: string;
  let tickAddedAt = 0;

  const flowFile = (file: string, front: string, body: string): string => {
    const path = join(src, file);
    writeFileSync(path, `---\n${front}\n---\n${body}\n`);
    return path;
  };
  const script = (file: string, body: string): void => {
    writeFileSync(join(src, file), `#!/bin/sh\n${body}\n`);
    chmodSync(join(src, file), 0o755);
  };

  beforeAll(async () => {
    s = await startStack({
      clis: ['claude'],
      env: { IS_SANDBOX: '1' },
      script: {
        turns: [
          {
            match: /FLOW-MANUAL[\s\S]*?weather in (\w+)/,
            reply: 'The weather in $1 is sunny. FLOW-REPLY-1',
          },
          { match: 'FLOW-SCHEDULED', reply: 'Scheduled report done. FLOW-REPLY-2' },
        ],
      },
    });
    src = join(s.work, 'flow-src');
    mkdirSync(src, { recursive: true });
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('cao schedule add: a flow that fires every minute', async () => {
    const file = flowFile(
      'tick.flow.md',
      'name: tick\nschedule: "* * * * *"\nagent_profile: developer\nprovider: claude_code',
      'Please write the FLOW-SCHEDULED report.',
    );
    const r = await s.cao(['schedule', 'add', file]);
    expect(r.code, r.stderr).toBe(0);
    tickAddedAt = Date.now();
    expect(r.stdout).toContain(`✓ Flow 'tick' added: "* * * * *", agent developer on claude_code`);
    expect(r.stderr).toBe('');
  });

  it('cao flow add FILE copies the file and takes the gate script from beside it', async () => {
    script('gate.sh', `echo '{"execute": true, "output": {"city": "Lisbon"}}'`);
    const file = flowFile(
      'manual.flow.md',
      'name: manual\nschedule: "0 0 1 1 *"\nagent_profile: developer\nprovider: claude_code\nscript: ./gate.sh',
      'FLOW-MANUAL: tell me the weather in [[city]].',
    );
    const r = await s.cao(['flow', 'add', file]);
    expect(r.code, r.stderr).toBe(0);
    const copy = join(s.caoHome, 'flows', 'manual.flow.md');
    expect(r.stdout).toContain(`✓ Copied ${file} to ${copy}; later edits to ${file}`);
    expect(r.stdout).toContain(`✓ Gate script: ${join(src, 'gate.sh')}`);
    expect(readFileSync(copy, 'utf8')).toContain(`script: ${join(src, 'gate.sh')}`);
    // the original may now change or go away
    rmSync(file);
  });

  it('cao flow run --wait: the conductor gets the rendered prompt and answers', async () => {
    const r = await s.cao(['flow', 'run', 'manual', '--wait', '--timeout', '120']);
    expect(r.code, `${r.stdout}\n${r.stderr}\n${s.serverLog().slice(-3000)}`).toBe(0);
    expect(r.stdout).toMatch(
      /✓ Flow 'manual' ran: session cao-flow-manual \(terminal [a-f0-9]{8}\); its prompt is message \d+\./,
    );
    expect(r.stdout).toContain('The weather in Lisbon is sunny. FLOW-REPLY-1');
    const seen = s.model.log.find((x) => x.lastUser.includes('FLOW-MANUAL'));
    expect(seen?.lastUser).toContain('FLOW-MANUAL: tell me the weather in Lisbon.');
    expect(seen?.lastUser).toContain('cao-flow:manual');
    const status = await s.cao(['session', 'status', 'cao-flow-manual']);
    expect(status.stdout).toContain('FLOW-REPLY-1');
  });

  it('cao flow list shows the last run and its outcome', async () => {
    const r = await s.cao(['flow', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Name\s+Schedule\s+Agent\s+Last Run\s+Next Run\s+Enabled/);
    expect(r.stdout).toMatch(
      /manual\s+0 0 1 1 \*\s+developer\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\S+ \S+\s+yes\s+executed/,
    );
    const j = JSON.parse((await s.cao(['flow', 'list', '--json'])).stdout) as Flow[];
    expect(j.find((f) => f.name === 'manual')).toMatchObject({
      last_outcome: 'executed',
      last_session: 'cao-flow-manual',
      enabled: true,
    });
  });

  describe('bad input gets a clear error', () => {
    it('an invalid cron expression, a missing variable, a duplicate', async () => {
      const bad = flowFile(
        'bad.flow.md',
        'name: bad\nschedule: "every morning"\nagent_profile: developer',
        'x',
      );
      const r1 = await s.cao(['flow', 'add', bad]);
      expect(r1.code).toBe(1);
      expect(r1.stderr).toMatch(/Invalid schedule 'every morning'.*"30 7 \* \* \*"/);
      const vars = flowFile(
        'vars.flow.md',
        'name: vars\nschedule: "0 9 * * *"\nagent_profile: developer',
        'Report on [[project]]',
      );
      const r2 = await s.cao(['flow', 'add', vars]);
      expect(r2.code).toBe(1);
      expect(r2.stderr).toMatch(/Missing template variables: project\. Only a gate script/);
      const dup = flowFile(
        'dup.flow.md',
        'name: manual\nschedule: "0 9 * * *"\nagent_profile: developer',
        'x',
      );
      const r3 = await s.cao(['flow', 'add', dup]);
      expect(r3.code).toBe(1);
      expect(r3.stderr).toMatch(/Flow 'manual' already exists .*--force/);
      const profile = flowFile(
        'prof.flow.md',
        'name: prof\nschedule: "0 9 * * *"\nagent_profile: no_such_agent',
        'x',
      );
      const r4 = await s.cao(['flow', 'add', profile]);
      expect(r4.code).toBe(1);
      expect(r4.stderr).toMatch(/Unknown agent profile 'no_such_agent'/);
      const names = (await s.api<Flow[]>('GET', '/flows')).body.map((f) => f.name);
      expect(names.sort()).toEqual(['manual', 'tick']);
    });

    it('a gate script that fails: the run is recorded with its stderr', async () => {
      script('broken.sh', 'echo "token expired" >&2\nexit 4');
      const file = flowFile(
        'broken.flow.md',
        'name: broken\nschedule: "0 0 1 1 *"\nagent_profile: developer\nprovider: claude_code\nscript: broken.sh',
        'never sent',
      );
      expect((await s.cao(['flow', 'add', file])).code).toBe(0);
      const r = await s.cao(['flow', 'run', 'broken']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /Error: Flow 'broken' failed: Gate script \S+broken.sh failed with exit status 4; stderr: token expired/,
      );
      expect((await s.cao(['flow', 'remove', 'broken'])).stdout).toContain(
        "✓ Flow 'broken' removed",
      );
    });
  });

  it('the scheduler fires the every-minute flow from its cron', async () => {
    // the flow was added at the start of this file; its first slot is at most 60 s later
    const deadline = tickAddedAt + 80_000;
    let run: Run | undefined;
    while (Date.now() < deadline) {
      const runs = (await s.api<Run[]>('GET', '/flows/tick/runs')).body;
      run = runs.find((x) => x.trigger === 'schedule');
      if (run) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(run, s.serverLog().slice(-3000)).toMatchObject({
      trigger: 'schedule',
      outcome: 'executed',
      session_name: 'cao-flow-tick',
    });
    const reply = await s.model.waitForReply((x) => x.lastUser.includes('FLOW-SCHEDULED'), 30_000);
    expect(reply.lastUser).toContain('Please write the FLOW-SCHEDULED report.');
    const disabled = await s.cao(['schedule', 'disable', 'tick']);
    expect(disabled.stdout).toContain("✓ Flow 'tick' disabled");
    const tick = (await s.api<Flow>('GET', '/flows/tick')).body;
    expect(tick).toMatchObject({ enabled: false, next_run: null });
    // a later slot may have come while the first run still worked: then it was skipped
    expect(tick.last_outcome).toMatch(/^(executed|skipped-busy)$/);
  });
});
