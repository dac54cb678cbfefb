/**
 * Status detection latency with real Claude Code and real Codex: from the moment the fake model
 * server finished sending a reply to the moment cao publishes `completed` on GET /events; beside
 * it the floor, the last `%output` tmux reported for the pane before that `completed` (read by
 * our own read-only control-mode client), and cao's share (the difference).
 */
import type { Stack } from '../test/e2e/harness.js';
import type { ReplyLog } from '../test/fake-model/server.js';
import { EventLog } from './lib/events.js';
import { rowOf, type PartResult, type Row } from './lib/report.js';
import {
  createSession,
  installPlain,
  panes,
  PLAIN_PROFILE,
  providerOf,
  realCliStack,
  sleep,
} from './lib/stack.js';
import { roundSummary, summarize } from './lib/stats.js';
import { TmuxWatch } from './lib/tmux-watch.js';

const PART = 'detection';
const CLIS: { cli: string; label: string }[] = [
  { cli: 'claude', label: 'Claude Code' },
  { cli: 'codex', label: 'Codex' },
];

interface Turn {
  /** Reply sent → `completed` published (ms). */
  detect: number;
  /** Reply sent → last tmux output before `completed` (ms). */
  floor: number;
  /** Last tmux output → `completed` (ms). */
  share: number;
}

const REPLY_DELAY_MS = 500;

const marker = (i: number): string => `(BENCH-TURN ${i})`;

async function measure(
  cli: string,
  turns: number,
  log: (s: string) => void,
): Promise<{
  turns: Turn[];
  early: number;
  startupMs: number;
  lost: { turn: number; echoed: boolean }[];
}> {
  const provider = providerOf(cli);
  let s: Stack | undefined;
  let ev: EventLog | undefined;
  let watch: TmuxWatch | undefined;
  try {
    s = await realCliStack(cli, {
      // a model that takes 500 ms: the turn is seen as processing, then completed (an instant
      // reply can finish before cao reads the screen, and then no status event is published)
      turns: [
        { match: /BENCH-TURN (\d+)/, reply: 'Answer $1. BENCH-DONE', delayMs: REPLY_DELAY_MS },
      ],
    });
    await installPlain(s, provider);
    ev = await EventLog.open(s, ['terminal.status']);
    const session = `det-${cli}`;
    const t0 = Date.now();
    const id = await createSession(s, session, PLAIN_PROFILE, provider);
    const startupMs = Date.now() - t0;
    const pane = panes(s).get(id);
    if (!pane) throw new Error(`no pane for terminal ${id}`);
    watch = new TmuxWatch(s.socket, `cao-${session}`);
    await sleep(2000);
    const out: Turn[] = [];
    let early = 0;
    const lost: { turn: number; echoed: boolean }[] = [];
    // turn 0 warms the CLI up (first request, caches) and is not counted
    for (let i = 0; i <= turns; i++) {
      let from = ev.events.length;
      const send = async (): Promise<boolean> => {
        from = ev!.events.length;
        const r = await s!.api<{ detail?: string; echoed?: boolean }>(
          'POST',
          `/terminals/${id}/input`,
          { message: `Please answer ${marker(i)}` },
        );
        if (r.status !== 200) throw new Error(`input failed: HTTP ${r.status} ${r.body.detail}`);
        return r.body.echoed !== false;
      };
      const replied = (): Promise<ReplyLog> =>
        s!.model.waitForReply(
          (l) => l.main && l.lastUser.includes(marker(i)) && l.decision.kind === 'text',
          20_000,
        );
      let reply: ReplyLog;
      const echoed = await send();
      try {
        reply = await replied();
      } catch (e) {
        // cao said the message was submitted but the CLI never sent it to the model
        lost.push({ turn: i, echoed });
        log(
          `${cli}: turn ${i}: no model request 20 s after a successful input (echoed: ${echoed}); sending again`,
        );
        await send();
        reply = await replied().catch(() => {
          throw e;
        });
      }
      const done = await ev.waitFor(
        (e) => e.terminal_id === id && e.status === 'completed',
        60_000,
        `completed of turn ${i}`,
        from,
      );
      await sleep(400);
      if (i === 0) continue;
      if (done.at < reply.at) {
        early++;
        continue;
      }
      const last = watch.lastBefore(pane, done.at);
      const floor = last === undefined ? Number.NaN : last - reply.at;
      out.push({
        detect: done.at - reply.at,
        floor,
        share: last === undefined ? Number.NaN : done.at - last,
      });
      if (i % 5 === 0) log(`${cli}: ${i}/${turns} turns`);
    }
    return { turns: out, early, startupMs, lost };
  } finally {
    watch?.close();
    ev?.close();
    await s?.stop();
  }
}

export async function run(o: { quick: boolean; log: (s: string) => void }): Promise<PartResult> {
  const turns = o.quick ? 5 : 25;
  const rows: Row[] = [];
  const details: Record<string, unknown> = { turns_per_cli: turns };
  const skipped: string[] = [];
  for (const { cli, label } of CLIS) {
    let m: Awaited<ReturnType<typeof measure>>;
    try {
      o.log(`${label}: ${turns} turns (+1 warm-up)`);
      m = await measure(cli, turns, o.log);
    } catch (e) {
      skipped.push(`${label}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      continue;
    }
    const detect = m.turns.map((t) => t.detect);
    const floor = m.turns.map((t) => t.floor).filter(Number.isFinite);
    const share = m.turns.map((t) => t.share).filter(Number.isFinite);
    const d = summarize(detect);
    rows.push(
      rowOf(PART, `${label}: reply sent → \`completed\` event`, 'ms', detect, {
        target: {
          text: 'p50 < 100 ms, p95 < 300 ms',
          met: d.median < 100 && d.p95 < 300,
        },
      }),
      rowOf(PART, `${label}: floor, reply sent → last tmux \`%output\``, 'ms', floor),
      rowOf(PART, `${label}: cao's share, last \`%output\` → \`completed\``, 'ms', share),
    );
    details[cli] = {
      detect_ms: roundSummary(d),
      floor_ms: roundSummary(summarize(floor)),
      cao_share_ms: roundSummary(summarize(share)),
      completed_before_reply_finished: m.early,
      inputs_accepted_but_lost: m.lost,
      launch_ms: m.startupMs,
      samples: m.turns,
    };
  }
  return { part: PART, rows, details, ...(skipped.length ? { skipped } : {}) };
}
