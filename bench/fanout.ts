/**
 * Fan-out: many fake-agent terminals, each sent several messages at once through the inbox API
 * (POST /terminals/{id}/inbox/messages). Messages per second; lost and duplicated messages,
 * counted from what the agents themselves logged (FAKE_CLAUDE_LOG) and from the ledger; and
 * the delivery latency after the receiver became ready (message.state `delivered` minus the
 * receiver's preceding ready status, or the message's enqueueing if later, all from /events).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLog, READY, type BenchEvent } from './lib/events.js';
import { rowOf, type PartResult, type Row } from './lib/report.js';
import { childrenOf, cmdline, cpuSeconds, systemCpu } from './lib/proc.js';
import { createTerminals, fakeAgentStack, pool, sleep, tmuxServerPid } from './lib/stack.js';
import { round, roundSummary, summarize } from './lib/stats.js';

const PART = 'fan-out';
const TURN_MS = 20;

interface Round {
  sender: string;
  acked: { id: number; receiver: string }[];
  msgPerSec: number;
  durationMs: number;
  latencies: number[];
  ledger: Record<string, number>;
  /** % of one core used during the round (first POST → last delivery). */
  /** CPU milliseconds per delivered message. */
  perMessageMs: { cao_server: number; tmux_server: number };
  cpu: {
    cao_server: number;
    tmux_clients: number;
    tmux_server: number;
    agents: number;
    /** The whole machine (all processes, ours and others'), % of all cores. */
    machine_busy_pct_of_all_cores: number;
  };
}

interface Msg {
  id: number;
  status: string;
}

export async function run(o: { quick: boolean; log: (s: string) => void }): Promise<PartResult> {
  const terminals = o.quick ? 20 : 100;
  const perSession = o.quick ? 5 : 10;
  const perTerminal = o.quick ? 5 : 10;
  const rounds = o.quick ? 2 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'cao-bench-fanout-'));
  const logFile = join(dir, 'deliveries.jsonl');
  const s = await fakeAgentStack({ turnMs: TURN_MS, log: logFile });
  let ev: EventLog | undefined;
  const done: Round[] = [];
  try {
    ev = await EventLog.open(s, ['terminal.status', 'message.state']);
    o.log(`starting ${terminals} fake agents (FAKE_CLAUDE_TURN_MS=${TURN_MS})`);
    const ids = await createTerminals(s, {
      count: terminals,
      perSession,
      prefix: 'fan',
      provider: 'claude_code',
      concurrency: 4,
    });
    await sleep(3000);
    for (let r = 0; r < rounds; r++) {
      const sender = `bench-round-${r}`;
      const work: { receiver: string; k: number }[] = [];
      for (let k = 0; k < perTerminal; k++) for (const id of ids) work.push({ receiver: id, k });
      const from = ev.events.length;
      const acked: Round['acked'] = [];
      const server = s.serverPid() ?? 0;
      const procs = {
        cao_server: [server],
        tmux_clients: childrenOf(server).filter((pid) => /\btmux\b/.test(cmdline(pid))),
        tmux_server: [tmuxServerPid(s)],
        agents: s
          .tmux(['list-panes', '-a', '-F', '#{pane_pid}'])
          .split('\n')
          .map(Number)
          .filter((n) => n > 1),
      };
      const cpuNow = (): Record<keyof typeof procs, number> => {
        const sum = (pids: number[]): number => pids.reduce((a, p) => a + (cpuSeconds(p) ?? 0), 0);
        return {
          cao_server: sum(procs.cao_server),
          tmux_clients: sum(procs.tmux_clients),
          tmux_server: sum(procs.tmux_server),
          agents: sum(procs.agents),
        };
      };
      const cpu0 = cpuNow();
      const sys0 = systemCpu();
      const start = Date.now();
      await pool(work, 16, async ({ receiver, k }) => {
        const res = await s.api<{ message_id: number; detail?: string }>(
          'POST',
          `/terminals/${receiver}/inbox/messages`,
          { sender_id: sender, message: `fan-out round ${r} message ${k} to ${receiver}` },
        );
        if (res.status !== 200)
          throw new Error(`inbox POST: HTTP ${res.status} ${res.body.detail}`);
        acked.push({ id: res.body.message_id, receiver });
      });
      const postedMs = Date.now() - start;
      const wanted = new Set(acked.map((a) => a.id));
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
      const cpu1 = cpuNow();
      const sys1 = systemCpu();
      const cpuWall = (Date.now() - start) / 1000;
      const pct = (k: keyof typeof procs): number =>
        round(((cpu1[k] - cpu0[k]) / cpuWall) * 100, 1);
      const cpu = {
        cao_server: pct('cao_server'),
        tmux_clients: pct('tmux_clients'),
        tmux_server: pct('tmux_server'),
        agents: pct('agents'),
        machine_busy_pct_of_all_cores: round(
          ((sys1.busy - sys0.busy) / (sys1.total - sys0.total)) * 100,
          1,
        ),
      };
      const delivered = [...settled.values()].filter((e) => e.state === 'delivered');
      const perMessageMs = {
        cao_server: ((cpu1.cao_server - cpu0.cao_server) * 1000) / Math.max(1, delivered.length),
        tmux_server: ((cpu1.tmux_server - cpu0.tmux_server) * 1000) / Math.max(1, delivered.length),
      };
      const end = Math.max(...delivered.map((e) => e.at));
      const durationMs = end - start;
      // latency after the receiver became ready (and the message was queued)
      const evs = ev.since(from);
      const latencies: number[] = [];
      for (const d of delivered) {
        const mine = evs.filter(
          (e) => e.message_id === d.message_id && e.type === 'message.state' && e.at <= d.at,
        );
        const pending = mine.find((e) => e.state === 'pending');
        const submitting = [...mine].reverse().find((e) => e.state === 'submitting');
        if (!pending || !submitting) continue;
        let ready: BenchEvent | undefined;
        for (const e of ev.events) {
          if (e.seq > submitting.seq) break;
          if (
            e.type === 'terminal.status' &&
            e.terminal_id === d.receiver_id &&
            READY.has(e.status ?? '')
          )
            ready = e;
        }
        latencies.push(d.at - Math.max(ready?.at ?? 0, pending.at));
      }
      const ledger: Record<string, number> = {};
      const rows = (await s.api<Msg[]>('GET', `/inbox/messages?sender_id=${sender}&limit=1000`))
        .body;
      for (const m of rows) ledger[m.status] = (ledger[m.status] ?? 0) + 1;
      const msgPerSec = delivered.length / (durationMs / 1000);
      o.log(
        `round ${r}: ${acked.length} messages posted in ${postedMs} ms, ${delivered.length} delivered in ${durationMs} ms (${Math.round(msgPerSec)}/s); CPU % of a core: ${JSON.stringify(cpu)}`,
      );
      done.push({ sender, acked, msgPerSec, durationMs, latencies, ledger, cpu, perMessageMs });
      // let the last turns end before the next round
      await sleep(3000);
    }
  } finally {
    ev?.close();
    await s.stop();
  }
  // what the agents received, from their own log
  const seen = new Map<number, number>();
  const order = new Map<string, number[]>();
  let lines: { terminal: string; message: string }[] = [];
  try {
    lines = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { terminal: string; message: string });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const l of lines) {
    const id = Number(/cao message (\d+)\b/.exec(l.message)?.[1]);
    if (!Number.isInteger(id)) continue;
    seen.set(id, (seen.get(id) ?? 0) + 1);
    order.set(l.terminal, [...(order.get(l.terminal) ?? []), id]);
  }
  const acked = done.flatMap((r) => r.acked);
  const lost = acked.filter((a) => !seen.has(a.id)).map((a) => a.id);
  const duplicated = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  const outOfOrder = [...order.values()].filter(
    (ids) => ids.join(',') !== [...ids].sort((a, b) => a - b).join(','),
  ).length;
  const notDelivered = done.reduce(
    (a, r) =>
      a + Object.entries(r.ledger).reduce((x, [k, v]) => x + (k === 'delivered' ? 0 : v), 0),
    0,
  );
  const latencies = done.flatMap((r) => r.latencies);
  const label = `${terminals} terminals × ${perTerminal} messages`;
  const rows: Row[] = [
    rowOf(
      PART,
      `messages per second, ${label}`,
      'msg/s',
      done.map((r) => r.msgPerSec),
    ),
    {
      ...rowOf(PART, 'lost (acknowledged, never received by the agent)', 'count', [lost.length]),
      n: acked.length,
      target: { text: '0', met: lost.length === 0 },
    },
    {
      ...rowOf(PART, 'duplicated (received more than once)', 'count', [duplicated.length]),
      n: acked.length,
      target: { text: '0', met: duplicated.length === 0 },
    },
    {
      ...rowOf(PART, 'not `delivered` in the ledger', 'count', [notDelivered]),
      n: acked.length,
      target: { text: '0', met: notDelivered === 0 },
    },
    rowOf(PART, 'delivery latency after the receiver became ready', 'ms', latencies, {
      note: `p95 ${Math.round(summarize(latencies).p95)} ms`,
    }),
    rowOf(
      PART,
      'cao-server CPU time per delivered message',
      'ms',
      done.map((r) => r.perMessageMs.cao_server),
    ),
    rowOf(
      PART,
      'tmux server CPU time per delivered message',
      'ms',
      done.map((r) => r.perMessageMs.tmux_server),
    ),
  ];
  return {
    part: PART,
    rows,
    details: {
      terminals,
      messages_per_terminal: perTerminal,
      rounds,
      fake_claude_turn_ms: TURN_MS,
      msg_per_sec_rounds: done.map((r) => round(r.msgPerSec, 1)),
      duration_ms_rounds: done.map((r) => r.durationMs),
      acknowledged: acked.length,
      received_lines: lines.length,
      lost,
      duplicated,
      terminals_out_of_order: outOfOrder,
      ledger: done.map((r) => r.ledger),
      cpu_pct_of_a_core_rounds: done.map((r) => r.cpu),
      cpu_ms_per_message_rounds: done.map((r) => ({
        cao_server: round(r.perMessageMs.cao_server, 2),
        tmux_server: round(r.perMessageMs.tmux_server, 2),
      })),
      latency_ms: roundSummary(summarize(latencies)),
    },
  };
}
