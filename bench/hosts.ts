/**
 * Agents on other machines: the same figures over SSH as on this machine. Two test hosts (real
 * OpenSSH servers in network namespaces, test/e2e/hosts) run the fake agent (test/fake-agent)
 * in their own tmux; cao-server reaches them over one multiplexed ssh connection each.
 *
 * - Detection latency: the fake agent logs when it took a message (FAKE_CLAUDE_LOG, `t`) and
 *   ends its turn FAKE_CLAUDE_TURN_MS later; the span is from that end to cao's `completed`
 *   event (its `at`), for a terminal here and one on a host (the namespaces share the clock).
 * - A handoff to a fake worker (POST /agent/handoff from a fake supervisor here, the worker
 *   here or on a host): cao's share is the wall time minus the worker's own start-up (window
 *   created → first ready status) and its turn (FAKE_CLAUDE_TURN_MS).
 * - 100 fake agents across three hosts (this machine and both test hosts), each sent several
 *   messages at once through the inbox: messages per second, and none lost or sent twice
 *   (from the agents' own logs).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Stack } from '../test/e2e/harness.js';
import { prepareRemoteHome, type RemoteHome } from '../test/e2e/hosts/remote-home.js';
import { hostsSkipReason, startTestHosts, type TestHosts } from '../test/e2e/hosts/test-hosts.js';
import { EventLog, READY, type BenchEvent } from './lib/events.js';
import { rowOf, type PartResult, type Row } from './lib/report.js';
import {
  BENCH_WORK,
  FAKE_AGENT_BIN,
  fakeAgentStack,
  PLAIN_PROFILE,
  pool,
  sleep,
} from './lib/stack.js';
import { roundSummary, summarize } from './lib/stats.js';

const PART = 'hosts';
/** Every fake agent's turn: long enough that each is seen as processing first. */
const TURN_MS = 300;

interface Placed {
  /** 'local', 'b1', 'b2'. */
  host: string;
  /** The agents' working directory there. */
  work: string;
}

interface LogLine {
  t: number;
  terminal: string | null;
  message: string;
}

function readLog(file: string): LogLine[] {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);
  } catch {
    return [];
  }
}

async function post<T>(s: Stack, path: string, body: unknown): Promise<T> {
  const r = await s.api<T & { detail?: string }>('POST', path, body);
  if (r.status >= 300) throw new Error(`POST ${path}: HTTP ${r.status} ${r.body.detail ?? ''}`);
  return r.body;
}

async function terminal(s: Stack, session: string, at: Placed, more = false): Promise<string> {
  const body = {
    agent_profile: PLAIN_PROFILE,
    provider: 'claude_code',
    yolo: true,
    working_directory: at.work,
    ...(at.host === 'local' ? {} : { host: at.host }),
  };
  const t = more
    ? await post<{ id: string }>(s, `/sessions/cao-${session}/terminals`, body)
    : await post<{ id: string }>(s, '/sessions', { ...body, session_name: session });
  return t.id;
}

/** Detection: `turns` inputs to one terminal at `at`; each span from turn end to `completed`. */
async function detection(
  s: Stack,
  ev: EventLog,
  at: Placed,
  logFile: string,
  turns: number,
): Promise<number[]> {
  const id = await terminal(s, `det-${at.host}`, at);
  await sleep(1500);
  const out: number[] = [];
  for (let i = 0; i <= turns; i++) {
    const tag = `(DET ${at.host} ${i})`;
    const from = ev.events.length;
    await post(s, `/terminals/${id}/input`, { message: `Please answer ${tag}` });
    const done = await ev.waitFor(
      (e) => e.terminal_id === id && e.status === 'completed',
      30_000,
      `completed of ${tag}`,
      from,
    );
    const took = readLog(logFile).find((l) => l.terminal === id && l.message.includes(tag));
    if (!took) throw new Error(`the fake agent never logged ${tag}`);
    if (i > 0) out.push(done.at - (took.t + TURN_MS));
    await sleep(300);
  }
  return out;
}

/**
 * Where a handoff's time went, from the server's events (ms after the request): the worker's
 * window, its first ready screen, cao's readiness, the task typed and delivered, the worker's
 * turn seen to start and end, the turn read, and the worker removed.
 */
function phasesOf(evs: BenchEvent[], start: number): Record<string, number> {
  const created = evs.find((e) => e.type === 'terminal.created');
  const id = created?.terminal_id;
  const mine = evs.filter((e) => e.terminal_id === id || e.receiver_id === id);
  const first = (pred: (e: BenchEvent) => boolean): number | undefined => {
    const e = mine.find(pred);
    return e === undefined ? undefined : Math.round(e.at - start);
  };
  const out: Record<string, number | undefined> = {
    created: first((e) => e.type === 'terminal.created'),
    ready_screen: first((e) => e.type === 'terminal.status' && READY.has(e.status ?? '')),
    ready: first((e) => e.type === 'terminal.ready'),
    submitting: first((e) => e.type === 'message.state' && e.state === 'submitting'),
    delivered: first((e) => e.type === 'message.state' && e.state === 'delivered'),
    processing: first((e) => e.type === 'terminal.status' && e.status === 'processing'),
    completed: first((e) => e.type === 'terminal.status' && e.status === 'completed'),
    turn_ended: first((e) => e.type === 'turn.ended'),
    deleted: first((e) => e.type === 'terminal.deleted'),
  };
  return Object.fromEntries(
    Object.entries(out).filter((x): x is [string, number] => x[1] !== undefined),
  );
}

/** Handoffs from a fake supervisor here to a fake worker at `at`: total and cao's share (ms). */
async function handoffs(
  s: Stack,
  ev: EventLog,
  supervisor: string,
  at: Placed,
  reps: number,
): Promise<{
  ok: { total: number; startup: number; share: number; phases: Record<string, number> }[];
  failed: string[];
}> {
  const out: { total: number; startup: number; share: number; phases: Record<string, number> }[] =
    [];
  const failed: string[] = [];
  for (let i = 0; i <= reps; i++) {
    const from = ev.events.length;
    const t0 = performance.now();
    const r = await post<{ success?: boolean; output?: string | null }>(s, '/agent/handoff', {
      caller_id: supervisor,
      agent_profile: PLAIN_PROFILE,
      provider: 'claude_code',
      message: `Do the task (HANDOFF ${at.host} ${i})`,
      working_directory: at.work,
      ...(at.host === 'local' ? {} : { host: at.host }),
      timeout: 120,
    });
    const total = performance.now() - t0;
    if (r.success === false) {
      // counted and reported, not measured
      failed.push(`handoff ${i} to ${at.host}: ${JSON.stringify(r).slice(0, 300)}`);
      await sleep(500);
      continue;
    }
    const evs = ev.since(from);
    const created = evs.find((e) => e.type === 'terminal.created');
    const ready = evs.find(
      (e: BenchEvent) =>
        e.type === 'terminal.status' &&
        e.terminal_id === created?.terminal_id &&
        READY.has(e.status ?? ''),
    );
    if (!created || !ready) throw new Error(`handoff ${i}: no created/ready events`);
    const startup = ready.at - created.at;
    const start = performance.timeOrigin + t0;
    if (i > 0)
      out.push({ total, startup, share: total - startup - TURN_MS, phases: phasesOf(evs, start) });
    await sleep(500);
  }
  return { ok: out, failed };
}

export async function run(o: { quick: boolean; log: (s: string) => void }): Promise<PartResult> {
  const why = hostsSkipReason();
  if (why) return { part: PART, rows: [], details: {}, skipped: [`test hosts: ${why}`] };
  const turns = o.quick ? 5 : 20;
  const reps = o.quick ? 3 : 10;
  const agents = o.quick ? 30 : 100;
  const perAgent = o.quick ? 3 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'cao-bench-hosts-'));
  const localLog = join(dir, 'deliveries.jsonl');
  let th: TestHosts | undefined;
  let s: Stack | undefined;
  let ev: EventLog | undefined;
  const rows: Row[] = [];
  const details: Record<string, unknown> = {};
  const skipped: string[] = [];
  try {
    s = await fakeAgentStack({ turnMs: TURN_MS, log: localLog });
    th = await startTestHosts({ count: 2 });
    const homes: RemoteHome[] = th.hosts.map((h) =>
      prepareRemoteHome(h, {
        clis: [],
        modelUrl: 'http://127.0.0.1:9',
        path: [FAKE_AGENT_BIN],
        env: {
          FAKE_CLAUDE_TURN_MS: String(TURN_MS),
          FAKE_CLAUDE_LOG: join(h.home, 'deliveries.jsonl'),
        },
      }),
    );
    const remoteLog = (k: number): string => join(th!.hosts[k]!.home, 'deliveries.jsonl');
    s.env['CAO_SSH_CONFIG'] = th.configPath;
    s.killServer();
    await s.startServer();
    for (const k of [0, 1]) {
      const r = await s.cao(['host', 'add', `b${k + 1}`, `host${k + 1}`]);
      if (r.code !== 0) throw new Error(`cao host add: ${r.stderr}`);
    }
    const here: Placed = { host: 'local', work: BENCH_WORK };
    const b1: Placed = { host: 'b1', work: homes[0]!.work };
    const b2: Placed = { host: 'b2', work: homes[1]!.work };
    ev = await EventLog.open(s, [
      'terminal.status',
      'terminal.created',
      'terminal.ready',
      'terminal.deleted',
      'message.state',
      'turn.ended',
    ]);

    o.log(`detection: ${turns} turns here and on b1 (FAKE_CLAUDE_TURN_MS=${TURN_MS})`);
    const dLocal = await detection(s, ev, here, localLog, turns);
    const dRemote = await detection(s, ev, b1, remoteLog(0), turns);
    const goal = summarize(dLocal).median + 20;
    rows.push(
      rowOf(PART, 'detection here: turn end → `completed` event (fake agent)', 'ms', dLocal),
      rowOf(PART, 'detection over SSH (host b1): turn end → `completed` event', 'ms', dRemote, {
        target: {
          text: `≤ here + 20 ms (${Math.round(goal)} ms)`,
          met: summarize(dRemote).median <= goal,
        },
      }),
    );
    details['detection_ms'] = {
      here: roundSummary(summarize(dLocal)),
      b1: roundSummary(summarize(dRemote)),
    };

    o.log(`handoffs: ${reps} to a fake worker here and ${reps} to one on b1`);
    const sup = await terminal(s, 'ho', here);
    await sleep(1500);
    const hl = await handoffs(s, ev, sup, here, reps);
    const hr = await handoffs(s, ev, sup, b1, reps);
    const hLocal = hl.ok;
    const hRemote = hr.ok;
    for (const f of [...hl.failed, ...hr.failed]) o.log(`FAILED ${f}`);
    for (const [where, list] of [
      ['here', hLocal],
      ['b1', hRemote],
    ] as const) {
      const keys = [...new Set(list.flatMap((h) => Object.keys(h.phases)))];
      const median = (k: string): number =>
        summarize(list.map((h) => h.phases[k]).filter((v): v is number => v !== undefined)).median;
      o.log(
        `handoff ${where}, median ms after the request: ${keys.map((k) => `${k} ${Math.round(median(k))}`).join(', ')}; total ${Math.round(summarize(list.map((h) => h.total)).median)}`,
      );
    }
    rows.push(
      rowOf(
        PART,
        "handoff to a fake worker here: cao's share (total − worker start-up − turn)",
        'ms',
        hLocal.map((h) => h.share),
      ),
      rowOf(
        PART,
        "handoff to a fake worker on b1: cao's share (total − worker start-up − turn)",
        'ms',
        hRemote.map((h) => h.share),
        { target: { text: '< 500 ms', met: summarize(hRemote.map((h) => h.share)).median < 500 } },
      ),
      rowOf(
        PART,
        'handoff to a fake worker on b1: end to end',
        'ms',
        hRemote.map((h) => h.total),
      ),
    );
    rows.push({
      part: PART,
      metric: 'handoffs that failed (here + b1)',
      unit: 'count',
      median: hl.failed.length + hr.failed.length,
      lo: 0,
      hi: 0,
      spread: 'min–max',
      n: 2 * (reps + 1),
      target: { text: '0', met: hl.failed.length + hr.failed.length === 0 },
    });
    details['handoff_ms'] = { here: hLocal, b1: hRemote, failed: [...hl.failed, ...hr.failed] };

    // a failure here (e.g. the machine too loaded to start 100 agents) keeps the rows above
    try {
      o.log(`fan-out: ${agents} fake agents across local, b1 and b2, ${perAgent} messages each`);
      const places = [here, b1, b2];
      const ids: string[] = [];
      // one session per host first (sessions one at a time), then windows 4 at a time
      for (const [k, at] of places.entries()) ids.push(await terminal(s, `fan${k}`, at));
      const rest = Array.from({ length: agents - places.length }, (_, i) => i % places.length);
      await pool(rest, 4, async (k) => {
        ids.push(await terminal(s!, `fan${k}`, places[k]!, true));
      });
      await sleep(3000);
      const from = ev.events.length;
      const acked: number[] = [];
      const work = ids.flatMap((id) => Array.from({ length: perAgent }, (_, m) => ({ id, m })));
      const start = Date.now();
      await pool(work, 16, async ({ id, m }) => {
        const r = await post<{ message_id: number }>(s!, `/terminals/${id}/inbox/messages`, {
          sender_id: 'bench-hosts',
          message: `hosts fan-out message ${m} to ${id}`,
        });
        acked.push(r.message_id);
      });
      const wanted = new Set(acked);
      const settled = new Map<number, BenchEvent>();
      const deadline = Date.now() + 600_000;
      while (settled.size < wanted.size && Date.now() < deadline) {
        for (const e of ev.since(from)) {
          if (
            e.type === 'message.state' &&
            wanted.has(e.message_id ?? -1) &&
            (e.state === 'delivered' || e.state === 'failed')
          )
            settled.set(e.message_id!, e);
        }
        await sleep(200);
      }
      const delivered = [...settled.values()].filter((e) => e.state === 'delivered');
      const durationMs = Math.max(...delivered.map((e) => e.at)) - start;
      await sleep(500);
      const seen = new Map<number, number>();
      for (const line of [localLog, remoteLog(0), remoteLog(1)].flatMap(readLog)) {
        const mid = Number(/cao message (\d+)\b/.exec(line.message)?.[1]);
        if (wanted.has(mid)) seen.set(mid, (seen.get(mid) ?? 0) + 1);
      }
      const lost = acked.filter((m) => !seen.has(m));
      const twice = [...seen].filter(([, n]) => n > 1).map(([m]) => m);
      const rate = delivered.length / (durationMs / 1000);
      o.log(
        `fan-out: ${acked.length} messages, ${delivered.length} delivered in ${durationMs} ms (${Math.round(rate)}/s), ${lost.length} lost, ${twice.length} duplicated`,
      );
      rows.push(
        {
          part: PART,
          metric: `${agents} fake agents on 3 hosts × ${perAgent} messages: throughput`,
          unit: 'msg/s',
          median: Math.round(rate * 10) / 10,
          lo: Math.round(rate * 10) / 10,
          hi: Math.round(rate * 10) / 10,
          spread: 'min–max',
          n: 1,
        },
        {
          part: PART,
          metric: `${agents} fake agents on 3 hosts: lost + duplicated messages`,
          unit: 'count',
          median: lost.length + twice.length,
          lo: 0,
          hi: 0,
          spread: 'min–max',
          n: acked.length,
          target: { text: '0', met: lost.length + twice.length === 0 },
        },
      );
      details['fanout'] = {
        agents,
        per_agent: perAgent,
        messages: acked.length,
        delivered: delivered.length,
        duration_ms: durationMs,
        msg_per_s: rate,
        lost,
        duplicated: twice,
      };
    } catch (e) {
      skipped.push(`fan-out: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  } finally {
    ev?.close();
    await s?.stop();
    th?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return { part: PART, rows, details, ...(skipped.length ? { skipped } : {}) };
}
