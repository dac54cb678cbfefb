/**
 * Round trips: `cao session send` wall time minus model time (a scripted 50 ms reply), with
 * real Claude Code and with the fake agent (cao's own share); and a handoff from a real Claude
 * Code supervisor to a real Claude Code worker, end to end from the fake model's log, split
 * into its steps with the events of GET /events.
 */
import { performance } from 'node:perf_hooks';
import type { Stack } from '../test/e2e/harness.js';
import type { Script } from '../test/fake-model/script.js';
import { EventLog, READY, type BenchEvent } from './lib/events.js';
import { rowOf, type PartResult, type Row } from './lib/report.js';
import {
  createSession,
  fakeAgentStack,
  installPlain,
  PLAIN_PROFILE,
  realCliStack,
  sleep,
} from './lib/stack.js';
import { roundSummary, summarize } from './lib/stats.js';

const PART = 'round trip';
const MODEL_MS = 50;

interface Send {
  wallMs: number;
  /** CLI start → model reply finished, minus the model's delay (paste, submit, CLI's request). */
  beforeModelMs?: number;
  /** Model reply finished → CLI exited (detection, reading the answer, CLI exit). */
  afterModelMs?: number;
}

/** `cao session send` `reps` times; the answer must come back each time. */
async function sends(s: Stack, session: string, reps: number, tag: string): Promise<Send[]> {
  const out: Send[] = [];
  // one warm-up send (first request of the CLI, caches), not counted
  for (let i = 0; i <= reps; i++) {
    const msg = `Please answer (${tag} ${i})`;
    const start = Date.now();
    const t0 = performance.now();
    const r = await s.cao(['session', 'send', session, msg], { timeoutMs: 60_000 });
    const wallMs = performance.now() - t0;
    const end = start + wallMs;
    if (r.code !== 0 || !r.stdout.includes(`${tag}-DONE ${i}`))
      throw new Error(`cao session send failed (${r.code}): ${r.stdout} ${r.stderr}`);
    if (i === 0) continue;
    const reply = s.model.log.find(
      (l) => l.main && l.lastUser.includes(`(${tag} ${i})`) && l.decision.kind === 'text',
    );
    out.push({
      wallMs,
      ...(reply
        ? { beforeModelMs: reply.at - start - MODEL_MS, afterModelMs: end - reply.at }
        : {}),
    });
    await sleep(300);
  }
  return out;
}

const SEND_SCRIPT: Script = {
  turns: [{ match: /\(RT (\d+)\)/, reply: 'Answer. RT-DONE $1', delayMs: MODEL_MS }],
};

async function sendClaude(reps: number): Promise<Send[]> {
  const s = await realCliStack('claude', SEND_SCRIPT);
  try {
    await installPlain(s, 'claude_code');
    await createSession(s, 'rt', PLAIN_PROFILE, 'claude_code');
    await sleep(2000);
    return await sends(s, 'cao-rt', reps, 'RT');
  } finally {
    await s.stop();
  }
}

async function sendFake(reps: number): Promise<Send[]> {
  // the fake agent answers `ACK: <message>` after FAKE_CLAUDE_TURN_MS, without a model
  const s = await fakeAgentStack({ turnMs: MODEL_MS });
  try {
    await createSession(s, 'rt', PLAIN_PROFILE, 'claude_code');
    const out: Send[] = [];
    for (let i = 0; i <= reps; i++) {
      const t0 = performance.now();
      const r = await s.cao(['session', 'send', 'cao-rt', `Please answer (FAKE ${i})`], {
        timeoutMs: 60_000,
      });
      const wallMs = performance.now() - t0;
      if (r.code !== 0 || !r.stdout.includes(`(FAKE ${i})`))
        throw new Error(`cao session send failed (${r.code}): ${r.stdout} ${r.stderr}`);
      if (i > 0) out.push({ wallMs });
      await sleep(300);
    }
    return out;
  } finally {
    await s.stop();
  }
}

interface Handoff {
  /** Supervisor's tool call sent → its next model request (with the tool result). */
  totalMs: number;
  /** terminal.created → first ready status of the worker. */
  workerStartupMs: number;
  /** total − worker start-up − model time. */
  overheadMs: number;
  steps: Record<string, number>;
}

const HANDOFF_SCRIPT: Script = {
  turns: [
    {
      match: /\(HANDOFF-RUN (\d+)\)/,
      steps: [
        {
          tool: 'handoff',
          input: {
            agent_profile: 'developer',
            message: 'Please do (WORKER-TASK $1)',
            timeout: 120,
          },
        },
        { text: 'Handoff $1 came back. SUP-DONE' },
      ],
    },
    { match: /\(WORKER-TASK (\d+)\)/, reply: 'Worker result $1. WORKER-DONE', delayMs: MODEL_MS },
  ],
};

async function handoffs(reps: number, log: (s: string) => void): Promise<Handoff[]> {
  const s = await realCliStack('claude', HANDOFF_SCRIPT);
  let ev: EventLog | undefined;
  try {
    for (const p of ['code_supervisor', 'developer']) {
      const r = await s.cao(['install', p, '--provider', 'claude_code']);
      if (r.code !== 0) throw new Error(`cao install ${p}: ${r.stderr}`);
    }
    ev = await EventLog.open(s.apiUrl);
    const sup = await createSession(s, 'ho', 'code_supervisor', 'claude_code');
    await sleep(2000);
    const out: Handoff[] = [];
    for (let i = 0; i <= reps; i++) {
      const from = ev.events.length;
      const tag = `(HANDOFF-RUN ${i})`;
      const r = await s.api<{ detail?: string }>('POST', `/terminals/${sup}/input`, {
        message: `Please delegate ${tag}`,
      });
      if (r.status !== 200) throw new Error(`input: HTTP ${r.status} ${r.body.detail}`);
      const back = await s.model.waitForReply(
        (l) => l.main && l.lastUser.includes(tag) && l.step >= 1,
        180_000,
      );
      await ev.waitFor(
        (e) => e.terminal_id === sup && e.status === 'completed',
        60_000,
        'supervisor completed',
        from,
      );
      const call = s.model.log.find(
        (l) => l.main && l.lastUser.includes(tag) && l.step === 0 && l.decision.kind === 'tool',
      );
      const work = s.model.log.find(
        (l) => l.main && l.lastUser.includes(`(WORKER-TASK ${i})`) && l.decision.kind === 'text',
      );
      const evs = ev.since(from);
      const created = evs.find(
        (e) => e.type === 'terminal.created' && e.agent_profile === 'developer',
      );
      const worker = created?.terminal_id;
      const of = (pred: (e: BenchEvent) => boolean): BenchEvent | undefined =>
        evs.find((e) => e.terminal_id === worker && pred(e));
      const ready = of((e) => e.type === 'terminal.status' && READY.has(e.status ?? ''));
      const delivered = evs.find(
        (e) => e.type === 'message.state' && e.receiver_id === worker && e.state === 'delivered',
      );
      const done = evs.find(
        (e) =>
          e.type === 'terminal.status' &&
          e.terminal_id === worker &&
          e.status === 'completed' &&
          work !== undefined &&
          e.at >= work.at,
      );
      const deleted = of((e) => e.type === 'terminal.deleted');
      if (!call || !work || !created || !ready || !delivered || !done) {
        throw new Error(
          `handoff ${i}: missing ${JSON.stringify({ call: !!call, work: !!work, created: !!created, ready: !!ready, delivered: !!delivered, done: !!done })}`,
        );
      }
      if (i > 0) {
        const totalMs = back.at - call.at;
        const workerStartupMs = ready.at - created.at;
        out.push({
          totalMs,
          workerStartupMs,
          overheadMs: totalMs - workerStartupMs - MODEL_MS,
          steps: {
            'tool call sent → worker window created': created.at - call.at,
            'worker start-up (created → input prompt)': workerStartupMs,
            'prompt → task delivered (MCP ready, paste, submit)': delivered.at - ready.at,
            'delivered → worker model reply sent (incl. 50 ms model)': work.at - delivered.at,
            'reply sent → worker completed (detection)': done.at - work.at,
            'completed → worker removed': deleted ? deleted.at - done.at : Number.NaN,
            'removed → supervisor next request': deleted ? back.at - deleted.at : Number.NaN,
          },
        });
        log(`handoff ${i}/${reps}: ${Math.round(totalMs)} ms`);
      }
      await sleep(1000);
    }
    return out;
  } finally {
    ev?.close();
    await s.stop();
  }
}

export async function run(o: { quick: boolean; log: (s: string) => void }): Promise<PartResult> {
  const reps = o.quick ? 5 : 20;
  const handoffReps = o.quick ? 3 : 10;
  const rows: Row[] = [];
  const details: Record<string, unknown> = { model_ms: MODEL_MS };

  o.log(`cao session send, real Claude Code ×${reps}`);
  const claude = await sendClaude(reps);
  const wall = claude.map((x) => x.wallMs);
  const over = wall.map((w) => w - MODEL_MS);
  rows.push(
    rowOf(PART, '`cao session send`, Claude Code, 50 ms answer: wall time', 'ms', wall, {
      original: 7000,
    }),
    rowOf(PART, '`cao session send` overhead (wall − 50 ms model)', 'ms', over, {
      target: { text: '< 0.5 s', met: summarize(over).median < 500 },
    }),
  );
  details['send_claude'] = {
    wall_ms: roundSummary(summarize(wall)),
    overhead_ms: roundSummary(summarize(over)),
    before_model_ms: roundSummary(summarize(claude.flatMap((x) => x.beforeModelMs ?? []))),
    after_model_ms: roundSummary(summarize(claude.flatMap((x) => x.afterModelMs ?? []))),
  };

  o.log(`cao session send, fake agent ×${reps}`);
  const fake = await sendFake(reps);
  const fakeOver = fake.map((x) => x.wallMs - MODEL_MS);
  rows.push(
    rowOf(PART, '`cao session send` overhead, fake agent (cao alone)', 'ms', fakeOver, {
      target: { text: '< 0.5 s', met: summarize(fakeOver).median < 500 },
    }),
  );
  details['send_fake_agent'] = { overhead_ms: roundSummary(summarize(fakeOver)) };

  o.log(`handoff to a Claude Code worker ×${handoffReps}`);
  const h = await handoffs(handoffReps, o.log);
  const total = h.map((x) => x.totalMs);
  rows.push(
    rowOf(PART, 'handoff to a Claude Code worker, end to end', 'ms', total, {
      target: { text: '< 5 s', met: summarize(total).median < 5000 },
      original: 12_000,
    }),
    rowOf(
      PART,
      'handoff: worker CLI start-up (window → input prompt)',
      'ms',
      h.map((x) => x.workerStartupMs),
    ),
    rowOf(
      PART,
      'handoff overhead (total − worker start-up − model)',
      'ms',
      h.map((x) => x.overheadMs),
    ),
  );
  const steps: Record<string, unknown> = {};
  for (const k of Object.keys(h[0]?.steps ?? {}))
    steps[k] = roundSummary(summarize(h.map((x) => x.steps[k] ?? Number.NaN)));
  details['handoff'] = {
    total_ms: roundSummary(summarize(total)),
    worker_startup_ms: roundSummary(summarize(h.map((x) => x.workerStartupMs))),
    overhead_ms: roundSummary(summarize(h.map((x) => x.overheadMs))),
    steps_ms: steps,
  };
  return { part: PART, rows, details };
}
