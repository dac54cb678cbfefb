/**
 * The /flows API over the in-process stack: the real core, the fake runtime with a fake
 * Claude Code screen, an injected clock and timer for the scheduler, and real gate scripts.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { fakeClaude } from '../../../test/support/fake-claude.js';
import { FakeClock, FakeTimer } from '../../../test/support/fake-timer.js';
import { createTestStack, type TestStack } from '../../../test/support/stack.js';
import type { StampedEvent } from '../../core/events.js';
import type { FlowRunView, FlowView } from '../../flows/flows-service.js';
import { FlowService } from '../../flows/flows-service.js';

let s: TestStack;
afterEach(async () => {
  await s?.close();
});

const scripts = mkdtempSync(join(tmpdir(), 'cao-flow-scripts-'));
afterAll(() => rmSync(scripts, { recursive: true, force: true }));
let n = 0;
function gate(body: string): string {
  const file = join(scripts, `gate-${++n}.sh`);
  writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  chmodSync(file, 0o755);
  return file;
}

const T0 = new Date(2026, 0, 1, 12, 0, 30).getTime();
const minute = (m: number): number => new Date(2026, 0, 1, 12, m, 0).getTime();

type Err = { detail: string; code: string };

const addFlow = (
  name = 'daily',
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: FlowView & Err }> =>
  s.req('POST', '/flows', {
    name,
    schedule: '30 7 * * *',
    agent_profile: 'developer',
    provider: 'claude_code',
    prompt_template: 'Write the DAILY-REPORT',
    ...extra,
  });

/** Writes a flow file where `cao flow add` puts it and asks the server to load it. */
function loadFlow(
  name: string,
  front: string,
  body: string,
  force = false,
): Promise<{ status: number; body: FlowView & Err }> {
  writeFileSync(
    join(s.paths.flows, `${name}.flow.md`),
    `---\nname: ${name}\nschedule: "0 9 * * *"\nagent_profile: developer\nprovider: claude_code\n${front}\n---\n${body}\n`,
  );
  return s.req('POST', `/flows/${name}/load${force ? '?force=true' : ''}`);
}

const runFlow = (name: string): Promise<{ status: number; body: FlowRunView }> =>
  s.req('POST', `/flows/${name}/run`);

function nextEvent(pred: (e: StampedEvent) => boolean, ms = 3000): Promise<StampedEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error('no such event'));
    }, ms);
    const stop = s.core.subscribe((e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      stop();
      resolve(e);
    });
  });
}

/** The conductor's answer to the run's prompt. */
async function answerOf(run: FlowRunView): Promise<string | null> {
  const turn = await s.core.turns.await(run.terminal_id!, run.message_id!, 3000);
  expect(turn.outcome).toBe('completed');
  return turn.output;
}

const echoFirstLine = { answer: (m: string): string => `Done: ${m.split('\n')[0] ?? ''}` };

describe('adding flows', () => {
  it('POST /flows adds a flow, writes its file (no script) and lists it', async () => {
    s = createTestStack({ flowOptions: { clock: new FakeClock(T0) } });
    const r = await addFlow();
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      name: 'daily',
      file_path: join(s.paths.flows, 'daily.flow.md'),
      schedule: '30 7 * * *',
      agent_profile: 'developer',
      provider: 'claude_code',
      script: '',
      enabled: true,
      last_run: null,
      next_run: new Date(2026, 0, 2, 7, 30).toISOString(),
      prompt_template: 'Write the DAILY-REPORT',
      session_name: 'cao-flow-daily',
      last_outcome: null,
      last_session: null,
    });
    expect(readFileSync(r.body.file_path, 'utf8')).not.toContain('script');
    const list = await s.req<FlowView[]>('GET', '/flows');
    expect(list.body.map((f) => f.name)).toEqual(['daily']);
    expect((await s.req<FlowView>('GET', '/flows/daily')).body.name).toBe('daily');
  });

  it('the provider defaults to cao’s default provider', async () => {
    s = createTestStack();
    const r = await addFlow('d', { provider: undefined });
    expect(r.body.provider).toBe('kiro_cli');
  });

  it('refuses a duplicate name unless forced', async () => {
    s = createTestStack();
    await addFlow();
    const again = await addFlow('daily', { schedule: '0 8 * * *' });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/Flow 'daily' already exists .*--force/);
    const forced = await addFlow('daily', { schedule: '0 8 * * *', force: true });
    expect(forced.status).toBe(201);
    expect(forced.body.schedule).toBe('0 8 * * *');
  });

  it('takes no script over HTTP, and a prompt cannot smuggle one in', async () => {
    s = createTestStack();
    const r = await addFlow('evil', { script: '/bin/true' });
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/does not take a 'script'.*cao flow add FILE/);
    expect(existsSync(join(s.paths.flows, 'evil.flow.md'))).toBe(false);
    const sneaky = await addFlow('sneaky', {
      prompt_template: '---\nscript: /bin/sh\n---\nhello',
    });
    expect(sneaky.status).toBe(201);
    expect(sneaky.body.script).toBe('');
    const reloaded = await s.req<FlowView>('POST', '/flows/sneaky/load?force=true');
    expect(reloaded.body.script).toBe('');
    expect(reloaded.body.prompt_template).toBe('---\nscript: /bin/sh\n---\nhello');
  });

  it.each([
    [{ schedule: '61 * * * *' }, 400, /Invalid schedule '61 \* \* \* \*'.*5-field cron/],
    [{ name: '../etc' }, 400, /Invalid flow name '..\/etc': use 1-55 letters/],
    [{ agent_profile: 'nope' }, 404, /Unknown agent profile 'nope'. Available: .*developer/],
    [{ provider: 'nope' }, 400, /Unknown provider 'nope'. Known providers: .*claude_code/],
    [{ prompt_template: 'Report on [[city]]' }, 400, /^Missing template variables: city\./],
    [{ prompt_template: undefined }, 422, /Missing required parameter 'prompt_template'/],
  ])('bad input %j: %i with a clear message, nothing stored', async (extra, status, detail) => {
    s = createTestStack();
    const r = await addFlow('bad', extra);
    expect(r.status).toBe(status);
    expect(r.body.detail).toMatch(detail);
    expect((await s.req<FlowView[]>('GET', '/flows')).body).toEqual([]);
    expect(existsSync(join(s.paths.flows, 'bad.flow.md'))).toBe(false);
  });

  it('loads a flow file with a gate script from CAO_HOME/flows', async () => {
    s = createTestStack();
    const g = gate(`echo '{"execute": true, "output": {}}'`);
    const r = await loadFlow('gated', `script: ${g}`, 'Hi');
    expect(r.status).toBe(201);
    expect(r.body.script).toBe(g);
    expect((await loadFlow('gated', `script: ${g}`, 'Hi')).status).toBe(409);
    expect((await loadFlow('gated', `script: ${g}`, 'Hi again', true)).body.prompt_template).toBe(
      'Hi again',
    );
    const missing = await loadFlow('m', 'script: /no/such/gate.sh', 'Hi');
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toMatch(/Gate script '\/no\/such\/gate.sh' does not exist/);
    const nofile = await s.req<Err>('POST', '/flows/ghost/load');
    expect(nofile.status).toBe(404);
    expect(nofile.body.detail).toMatch(/ghost.flow.md not found.*same CAO_HOME_DIR/);
  });
});

describe('running flows', () => {
  it('launches cao-flow-<name>; the conductor gets and answers the prompt; the run is visible', async () => {
    s = createTestStack({ program: () => fakeClaude(echoFirstLine) });
    await addFlow();
    const event = nextEvent((e) => e.type === 'flow.run');
    const r = await runFlow('daily');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      flow: 'daily',
      trigger: 'manual',
      executed: true,
      outcome: 'executed',
      reason: null,
      session_name: 'cao-flow-daily',
    });
    expect(await answerOf(r.body)).toBe('Done: Write the DAILY-REPORT');
    const m = await s.store.getMessage(r.body.message_id!);
    expect(m).toMatchObject({ senderId: 'cao-flow:daily', state: 'delivered' });
    const conductor = await s.store.getTerminal(r.body.terminal_id!);
    expect(conductor).toMatchObject({ session: 'cao-flow-daily', agentProfile: 'developer' });
    expect(conductor?.allowedTools).toEqual(['*']);
    expect(await event).toMatchObject({
      type: 'flow.run',
      flow: 'daily',
      outcome: 'executed',
      session: 'cao-flow-daily',
      terminal_id: r.body.terminal_id,
    });
    const view = (await s.req<FlowView>('GET', '/flows/daily')).body;
    expect(view).toMatchObject({ last_outcome: 'executed', last_session: 'cao-flow-daily' });
    expect(view.last_run).not.toBeNull();
    const runs = await s.req<FlowRunView[]>('GET', '/flows/daily/runs');
    expect(runs.body.map((x) => x.outcome)).toEqual(['executed']);
  });

  it('skips a run while the previous one is working, then recycles the finished session', async () => {
    s = createTestStack({ program: () => fakeClaude({ ...echoFirstLine, turnMs: 300 }) });
    await addFlow();
    const first = (await runFlow('daily')).body;
    const busy = (await runFlow('daily')).body;
    expect(busy).toMatchObject({
      executed: false,
      outcome: 'skipped-busy',
      session_name: 'cao-flow-daily',
    });
    expect(busy.reason).toMatch(
      /previous run (is still processing|'s prompt \(message \d+\) has not been delivered yet) \(session cao-flow-daily, terminal [a-f0-9]{8}\)/,
    );
    await answerOf(first);
    const third = (await runFlow('daily')).body;
    expect(third.outcome).toBe('executed');
    expect(third.terminal_id).not.toBe(first.terminal_id);
    expect(await s.store.getTerminal(first.terminal_id!)).toBeUndefined();
    expect((await s.runtime.listSessions()).map((x) => x.name)).toEqual(['cao-flow-daily']);
    const outcomes = (await s.req<FlowRunView[]>('GET', '/flows/daily/runs')).body.map(
      (x) => x.outcome,
    );
    expect(outcomes).toEqual(['executed', 'skipped-busy', 'executed']);
  });

  it('the gate script fills the template, or skips the run', async () => {
    s = createTestStack({ program: () => fakeClaude(echoFirstLine) });
    await loadFlow(
      'weather',
      `script: ${gate(`echo '{"execute": true, "output": {"city": "Paris", "days": 3}}'`)}`,
      'Weather in [[city]] for [[days]] days',
    );
    const r = (await runFlow('weather')).body;
    expect(r.outcome).toBe('executed');
    expect(await answerOf(r)).toBe('Done: Weather in Paris for 3 days');

    await loadFlow('quiet', `script: ${gate(`echo '{"execute": false, "output": {}}'`)}`, 'x');
    const skipped = (await runFlow('quiet')).body;
    expect(skipped).toMatchObject({ executed: false, outcome: 'skipped-by-script' });
    expect(skipped.reason).toMatch(/printed "execute": false/);
    expect(await s.runtime.hasSession('cao-flow-quiet')).toBe(false);
    expect((await s.req<FlowView>('GET', '/flows/quiet')).body.last_run).not.toBeNull();
  });

  it('records a failing gate script, a missing variable and a failed launch, with the reason', async () => {
    s = createTestStack({ flowOptions: { gateTimeoutMs: 200 } });
    const failing = gate(`echo "no network" >&2\nexit 2`);
    await loadFlow('failing', `script: ${failing}`, 'x');
    const r1 = (await runFlow('failing')).body;
    expect(r1).toMatchObject({ executed: false, outcome: 'failed' });
    expect(r1.reason).toBe(
      `Gate script ${failing} failed with exit status 2; stderr: no network. A gate script must exit 0; to skip a run, print {"execute": false, "output": {}}.`,
    );
    await loadFlow('hang', `script: ${gate('sleep 5')}`, 'x');
    expect((await runFlow('hang')).body.reason).toMatch(
      /did not finish within 0.2s and was killed/,
    );
    await loadFlow('notjson', `script: ${gate('echo hello')}`, 'x');
    expect((await runFlow('notjson')).body.reason).toMatch(/printed something that is not JSON/);
    await loadFlow(
      'missing',
      `script: ${gate(`echo '{"execute": true, "output": {"a": 1}}'`)}`,
      '[[a]] [[b]] [[c]]',
    );
    expect((await runFlow('missing')).body.reason).toMatch(/^Missing template variables: b, c\./);
    const list = (await s.req<FlowView[]>('GET', '/flows')).body;
    expect(list.map((f) => f.last_outcome)).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(await s.runtime.listSessions()).toEqual([]);
  });

  it('a launch that fails is recorded as failed with the launcher’s message', async () => {
    s = createTestStack({ installed: () => false });
    await addFlow();
    const r = (await runFlow('daily')).body;
    expect(r.outcome).toBe('failed');
    expect(r.reason).toMatch(/Claude Code is not installed/);
  });
});

describe('managing flows', () => {
  it('disable clears the next run, enable computes it from now; delete removes file and row', async () => {
    const clock = new FakeClock(T0);
    s = createTestStack({ flowOptions: { clock, timer: new FakeTimer(clock) } });
    await addFlow('f', { schedule: '*/10 * * * *' });
    const off = await s.req<{ success: boolean; flow: FlowView }>('POST', '/flows/f/disable');
    expect(off.body).toMatchObject({ success: true, flow: { enabled: false, next_run: null } });
    clock.ms = minute(25);
    const on = await s.req<{ flow: FlowView }>('POST', '/flows/f/enable');
    expect(on.body.flow).toMatchObject({
      enabled: true,
      next_run: new Date(minute(30)).toISOString(),
    });
    expect((await s.req('DELETE', '/flows/f')).body).toEqual({ success: true });
    expect(existsSync(join(s.paths.flows, 'f.flow.md'))).toBe(false);
    expect((await s.req<Err>('GET', '/flows/f')).status).toBe(404);
    expect((await s.req<Err>('POST', '/flows/f/run')).body.detail).toMatch(
      /Flow 'f' not found. List flows with 'cao flow list'/,
    );
    expect((await s.req<Err>('GET', '/flows/a.b')).status).toBe(400);
  });
});

describe('scheduling', () => {
  it('the scheduler fires a flow from its cron (injected clock and timer)', async () => {
    const clock = new FakeClock(T0);
    const timer = new FakeTimer(clock);
    s = createTestStack({
      program: () => fakeClaude(echoFirstLine),
      flowOptions: { clock, timer },
    });
    await addFlow('tick', { schedule: '* * * * *', prompt_template: 'TICK' });
    expect(timer.next).toBe(minute(1));
    const event = nextEvent((e) => e.type === 'flow.run');
    timer.advanceTo(minute(1));
    expect(await event).toMatchObject({ flow: 'tick', trigger: 'schedule', outcome: 'executed' });
    const view = (await s.req<FlowView>('GET', '/flows/tick')).body;
    expect(view.last_run).toBe(new Date(minute(1)).toISOString());
    expect(view.next_run).toBe(new Date(minute(2)).toISOString());
    expect(timer.next).toBe(minute(2));
    const [run] = (await s.req<FlowRunView[]>('GET', '/flows/tick/runs')).body;
    expect(await answerOf(run!)).toBe('Done: TICK');
  });

  it('catch-up: a flow whose next run passed while the server was down runs once on start', async () => {
    s = createTestStack({ program: () => fakeClaude(echoFirstLine) });
    await addFlow('missed', { schedule: '0 * * * *', prompt_template: 'CATCH-UP' });
    // the server was down for two days
    await s.store.updateFlow('missed', { nextRun: new Date(T0 - 2 * 86_400_000).toISOString() });
    s.flows.stop();
    const clock = new FakeClock(T0);
    const restarted = new FlowService(s.flowDeps, { clock, timer: new FakeTimer(clock) });
    const events: StampedEvent[] = [];
    s.core.subscribe((e) => {
      if (e.type === 'flow.run') events.push(e);
    });
    await restarted.start();
    await vi.waitFor(() => expect(events).toHaveLength(1), { timeout: 3000 });
    restarted.stop();
    expect(events[0]).toMatchObject({ flow: 'missed', trigger: 'catch-up', outcome: 'executed' });
    const view = (await s.req<FlowView>('GET', '/flows/missed')).body;
    expect(view.next_run).toBe(new Date(new Date(2026, 0, 1, 13, 0).getTime()).toISOString());
  });
});
