/**
 * Round trips: `cao session send` wall time minus model time (a scripted 50 ms reply), with
 * real Claude Code and with the fake agent (cao's own share); the HTTP requests one
 * `cao session send` makes (through a counting proxy); and a handoff from a real Claude Code
 * supervisor to a real Claude Code worker, end to end from the fake model's log, split into its
 * steps with the events of GET /events.
 */
import { performance } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_SETUPS } from '../test/e2e/cli-setups.js';
import { startStack, type Stack } from '../test/e2e/harness.js';
import type { Script } from '../test/fake-model/script.js';
import { callName, countingProxy, type ProxiedCall } from './lib/counting-proxy.js';
import { EventLog, READY, type BenchEvent } from './lib/events.js';
import { rowOf, type PartResult, type Row } from './lib/report.js';
import {
  createSession,
  fakeAgentStack,
  installPlain,
  PLAIN_PROFILE,
  providerOf,
  realCliStack,
  sleep,
} from './lib/stack.js';
import { roundSummary, summarize } from './lib/stats.js';

const PART = 'round trip';
const MODEL_MS = 50;
/** `cao session send`'s overhead with the fake agent before the server owned turns (the
 *  CLI's own wait loop: 6 or more requests per send), measured on this machine. */
const PREVIOUS_FAKE_OVERHEAD_MS = 169;
const PREVIOUS_CALLS = '6 or more';

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

interface FakeSends {
  sends: Send[];
  /** The requests of each send made through the counting proxy. */
  calls: { sync: ProxiedCall[][]; async: ProxiedCall[][] };
}

async function sendFake(reps: number, countReps: number): Promise<FakeSends> {
  // the fake agent answers `ACK: <message>` after FAKE_CLAUDE_TURN_MS, without a model
  const s = await fakeAgentStack({ turnMs: MODEL_MS });
  try {
    await createSession(s, 'rt', PLAIN_PROFILE, 'claude_code');
    const sends: Send[] = [];
    for (let i = 0; i <= reps; i++) {
      const t0 = performance.now();
      const r = await s.cao(['session', 'send', 'cao-rt', `Please answer (FAKE ${i})`], {
        timeoutMs: 60_000,
      });
      const wallMs = performance.now() - t0;
      if (r.code !== 0 || !r.stdout.includes(`(FAKE ${i})`))
        throw new Error(`cao session send failed (${r.code}): ${r.stdout} ${r.stderr}`);
      if (i > 0) sends.push({ wallMs });
      await sleep(300);
    }
    // counted apart from the timed sends, so the proxy's own hop is not in the overhead
    return { sends, calls: await countCalls(s, countReps) };
  } finally {
    await s.stop();
  }
}

/**
 * `cao session send`, waiting and `--async`, with the CLI's CAO_API_URL pointed at a counting
 * proxy in this process that forwards to cao-server: the requests each send made.
 */
async function countCalls(
  s: Stack,
  reps: number,
): Promise<{ sync: ProxiedCall[][]; async: ProxiedCall[][] }> {
  const proxy = await countingProxy(s.apiUrl);
  const env = { CAO_API_URL: proxy.url };
  const out: { sync: ProxiedCall[][]; async: ProxiedCall[][] } = { sync: [], async: [] };
  try {
    for (let i = 0; i < reps; i++) {
      proxy.calls.length = 0;
      const msg = `Please answer (COUNT ${i})`;
      const r = await s.cao(['session', 'send', 'cao-rt', msg], { timeoutMs: 60_000, env });
      if (r.code !== 0 || !r.stdout.includes(`(COUNT ${i})`))
        throw new Error(`cao session send failed (${r.code}): ${r.stdout} ${r.stderr}`);
      out.sync.push([...proxy.calls]);
      await sleep(300);
    }
    for (let i = 0; i < reps; i++) {
      proxy.calls.length = 0;
      const msg = `Please answer (ASYNC ${i})`;
      const r = await s.cao(['session', 'send', 'cao-rt', msg, '--async', '--json'], {
        timeoutMs: 60_000,
        env,
      });
      if (r.code !== 0) throw new Error(`cao session send --async failed (${r.code}): ${r.stderr}`);
      out.async.push([...proxy.calls]);
      // the next send needs the agent ready: wait for this turn's end (not through the proxy)
      const { terminal_id, turn_id } = JSON.parse(r.stdout) as {
        terminal_id: string;
        turn_id: number;
      };
      const end = await s.api<{ outcome: string }>('POST', `/terminals/${terminal_id}/await`, {
        turn_id,
        timeout: 30,
      });
      if (end.body.outcome !== 'completed')
        throw new Error(`async turn ${turn_id} ended ${end.body.outcome}`);
      await sleep(300);
    }
    return out;
  } finally {
    await proxy.close();
  }
}

/**
 * How many sends made each sequence of requests, one send's requests with their status, and
 * each request's time (arrival at the proxy to the end of its answer) over the sends.
 */
function callDetails(runs: ProxiedCall[][]): Record<string, unknown> {
  const sequences: Record<string, number> = {};
  for (const run of runs) {
    const key = run.map(callName).join(' → ');
    sequences[key] = (sequences[key] ?? 0) + 1;
  }
  const counts = runs.map((r) => r.length);
  return {
    median: summarize(counts).median,
    samples: counts,
    sequences,
    example: runs[0]?.map((c) => `${c.method} ${c.path} → ${c.status}`) ?? [],
    ms_per_call: Object.fromEntries(
      (runs[0] ?? []).map((c, i) => [
        `${i + 1}. ${callName(c)}`,
        roundSummary(summarize(runs.map((r) => r[i]?.ms ?? Number.NaN))),
      ]),
    ),
  };
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
            agent_profile: 'bench_worker',
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

/** The worker's profile: the built-in developer's (cao's MCP tools included), on `provider`. */
const workerProfile = (provider: string): string => `---
name: bench_worker
description: A developer on one CLI (handoff bench).
provider: ${provider}
mcpServers:
  cao-mcp-server:
    type: stdio
    command: cao-mcp-server
    args: []
---
You are a developer. Do what you are asked and answer briefly.
`;

/**
 * Handoffs from a real Claude Code supervisor to a worker on `workerCli` (a real CLI of its
 * own), end to end from the fake model's log, split into steps with cao's events.
 */
async function handoffs(
  reps: number,
  log: (s: string) => void,
  workerCli = 'claude',
): Promise<Handoff[]> {
  const clis = workerCli === 'claude' ? ['claude'] : ['claude', workerCli];
  const setups = clis.map((c) => {
    const setup = CLI_SETUPS.find((x) => x.cli === c);
    if (!setup) throw new Error(`no CLI setup for ${c}`);
    return setup;
  });
  const s = await startStack({
    clis,
    script: HANDOFF_SCRIPT,
    envFromModel: (url) =>
      Object.assign({}, ...setups.map((x) => x.env(url))) as Record<string, string>,
    prepare: (home, url, work) => {
      for (const x of setups) x.files(home, url, work);
    },
    env: { CAO_LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'info', IS_SANDBOX: '1' },
  });
  let ev: EventLog | undefined;
  try {
    const worker = join(s.root, 'bench_worker.md');
    writeFileSync(worker, workerProfile(providerOf(workerCli)));
    for (const [p, provider] of [
      ['code_supervisor', 'claude_code'],
      [worker, providerOf(workerCli)],
    ] as const) {
      const r = await s.cao(['install', p, '--provider', provider]);
      if (r.code !== 0) throw new Error(`cao install ${p}: ${r.stderr}`);
    }
    ev = await EventLog.open(s);
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
        (e) => e.type === 'terminal.created' && e.agent_profile === 'bench_worker',
      );
      const worker = created?.terminal_id;
      const of = (pred: (e: BenchEvent) => boolean): BenchEvent | undefined =>
        evs.find((e) => e.terminal_id === worker && pred(e));
      const ready = of((e) => e.type === 'terminal.status' && READY.has(e.status ?? ''));
      const called = of((e) => e.type === 'terminal.ready');
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
            'prompt → cao calls it ready (settle, MCP tools listed)': called
              ? called.at - ready.at
              : Number.NaN,
            'ready → task delivered (paste, submit)': called
              ? delivered.at - called.at
              : Number.NaN,
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

  const countReps = o.quick ? 3 : 10;
  o.log(
    `cao session send, fake agent ×${reps}; requests counted over ${countReps} more (and --async)`,
  );
  const fake = await sendFake(reps, countReps);
  const fakeOver = fake.sends.map((x) => x.wallMs - MODEL_MS);
  const syncCalls = fake.calls.sync.map((c) => c.length);
  const asyncCalls = fake.calls.async.map((c) => c.length);
  rows.push(
    rowOf(
      PART,
      '`cao session send` overhead with the fake agent: cao alone (wall − 50 ms turn)',
      'ms',
      fakeOver,
      {
        target: { text: '< 100 ms', met: summarize(fakeOver).median < 100 },
        note: `was ${PREVIOUS_FAKE_OVERHEAD_MS} ms`,
      },
    ),
    rowOf(PART, 'HTTP calls per `cao session send` (waits for the answer)', 'calls', syncCalls, {
      target: { text: '≤ 2', met: summarize(syncCalls).median <= 2 },
      note: `was ${PREVIOUS_CALLS}`,
    }),
    rowOf(PART, 'HTTP calls per `cao session send --async`', 'calls', asyncCalls),
  );
  details['send_fake_agent'] = {
    overhead_ms: roundSummary(summarize(fakeOver)),
    target_ms: 100,
    previous_overhead_ms: PREVIOUS_FAKE_OVERHEAD_MS,
  };
  details['http_calls_per_send'] = {
    how: "the CLI's CAO_API_URL points at a counting proxy on 127.0.0.1 in the bench process",
    previous: PREVIOUS_CALLS,
    sync: callDetails(fake.calls.sync),
    async: callDetails(fake.calls.async),
  };

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
      "handoff to a claude worker: cao's share (overhead: total − worker start-up − model)",
      'ms',
      h.map((x) => x.overheadMs),
      { target: { text: '< 250 ms', met: summarize(h.map((x) => x.overheadMs)).median < 250 } },
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

/**
 * `npm run bench -- handoff`: cao's share of a handoff with each installable CLI as the worker
 * (the supervisor stays Claude Code); BENCH_WORKERS=codex,gemini picks some.
 */
export async function runHandoffs(o: {
  quick: boolean;
  log: (s: string) => void;
}): Promise<PartResult> {
  const handoffReps = o.quick ? 3 : 10;
  const rows: Row[] = [];
  const details: Record<string, unknown> = { model_ms: MODEL_MS };
  const workers = (process.env['BENCH_WORKERS'] ?? 'claude,codex,gemini,qwen,opencode,copilot,kimi')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  const perCli: Record<string, unknown> = {};
  for (const cli of workers) {
    o.log(`handoff to a ${cli} worker ×${handoffReps}`);
    const w = await handoffs(handoffReps, o.log, cli).catch((e: unknown) => {
      o.log(`handoff to a ${cli} worker failed: ${(e as Error).message}`);
      return [];
    });
    if (w.length === 0) continue;
    const over = w.map((x) => x.overheadMs);
    rows.push(
      rowOf('handoff', `handoff to a ${cli} worker: cao's share (overhead)`, 'ms', over, {
        target: { text: '< 250 ms', met: summarize(over).median < 250 },
      }),
    );
    const st: Record<string, unknown> = {};
    for (const k of Object.keys(w[0]?.steps ?? {}))
      st[k] = roundSummary(summarize(w.map((x) => x.steps[k] ?? Number.NaN)));
    perCli[cli] = {
      total_ms: roundSummary(summarize(w.map((x) => x.totalMs))),
      worker_startup_ms: roundSummary(summarize(w.map((x) => x.workerStartupMs))),
      overhead_ms: roundSummary(summarize(over)),
      steps_ms: st,
    };
  }
  details['handoff_per_worker_cli'] = perCli;
  return { part: 'handoff', rows, details };
}
