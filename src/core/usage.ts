/**
 * Tokens and cost per terminal and per session, from each CLI's own session log
 * (core/transcripts.ts). Sums are pure (`sumReplies`); cost is the CLI's own report, else the
 * price table's (core/prices.ts), else unknown. A terminal whose CLI keeps no log cao can read
 * reports `source: "none"`. Per turn: core/usage-watch.ts.
 */
import { CaoError } from '../lib/errors.js';
import {
  addUsage,
  totalTokens,
  ZERO_USAGE,
  type LogReply,
  type LogSummary,
} from '../providers/logs/log.js';
import type { TerminalRecord, TurnUsageRecord } from '../store/store.js';
import { replyCost } from './prices.js';
import type { TranscriptService } from './transcripts.js';

export interface UsageTotals {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  total_tokens: number;
  /** USD: what the CLI reports, else priced from the table in core/prices.ts; null when
   *  neither knows (an unknown model is never guessed). */
  cost_usd: number | null;
  /** Where `cost_usd` comes from: `cli` (the CLI's own report), `prices` (core/prices.ts),
   *  `mixed` (a sum of both), null when unknown. */
  cost_source: CostSource | null;
  /** Model replies counted. */
  replies: number;
}

export type CostSource = 'cli' | 'prices' | 'mixed';

export interface TerminalUsage extends UsageTotals {
  terminal_id: string;
  session: string;
  provider: string;
  agent_profile: string | null;
  /** `transcript`: read from the CLI's session log; `none`: cao cannot read this CLI's log
   *  (or it is not there yet). */
  source: 'transcript' | 'none';
}

export interface SessionUsage extends UsageTotals {
  session: string;
  terminals: TerminalUsage[];
}

/** The usage of one turn (`GET /terminals/{id}/usage/turns`, flow runs). */
export interface TurnUsage extends UsageTotals {
  terminal_id: string;
  session: string;
  /** The turn's id (its message's id). */
  turn_id: number;
  started_at: string;
  ended_at: string;
}

export interface SumOptions {
  /** Only replies at or after this time (ms). */
  sinceMs?: number | undefined;
  /** Only replies before this time (ms). */
  untilMs?: number | undefined;
  /** The CLI reports its cost (use it rather than the price table). */
  cliCost?: boolean | undefined;
}

/** The totals of these replies (those in the time window, when one is given: a reply with no
 *  time is then left out). */
export function sumReplies(replies: readonly LogReply[], o: SumOptions = {}): UsageTotals {
  let u = ZERO_USAGE;
  let cost: number | null = 0;
  let n = 0;
  const windowed = o.sinceMs !== undefined || o.untilMs !== undefined;
  for (const r of replies) {
    if (windowed) {
      const at = Date.parse(r.at ?? '');
      if (Number.isNaN(at)) continue;
      if (o.sinceMs !== undefined && at < o.sinceMs) continue;
      if (o.untilMs !== undefined && at >= o.untilMs) continue;
    }
    u = addUsage(u, r.usage);
    const c = o.cliCost ? (r.costUsd ?? 0) : replyCost(r.model, r.usage);
    cost = cost === null || c === null ? null : cost + c;
    n++;
  }
  return {
    input_tokens: u.input,
    output_tokens: u.output,
    cache_read_tokens: u.cacheRead,
    cache_write_tokens: u.cacheWrite,
    total_tokens: totalTokens(u),
    cost_usd: cost === null ? null : round(cost),
    cost_source: cost === null ? null : o.cliCost ? 'cli' : 'prices',
    replies: n,
  };
}

/** Adds totals (a cost is known only when every part that has replies knows it). */
export function addTotals(parts: readonly UsageTotals[]): UsageTotals {
  const sum = (
    k:
      | 'input_tokens'
      | 'output_tokens'
      | 'cache_read_tokens'
      | 'cache_write_tokens'
      | 'total_tokens'
      | 'replies',
  ): number => parts.reduce((a, p) => a + p[k], 0);
  const priced = parts.filter((p) => p.replies > 0);
  const known = priced.every((p) => p.cost_usd !== null);
  const sources = new Set(priced.map((p) => p.cost_source));
  return {
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
    cache_read_tokens: sum('cache_read_tokens'),
    cache_write_tokens: sum('cache_write_tokens'),
    total_tokens: sum('total_tokens'),
    cost_usd: known ? round(priced.reduce((a: number, p) => a + (p.cost_usd ?? 0), 0)) : null,
    cost_source: !known
      ? null
      : sources.size > 1
        ? 'mixed'
        : ([...sources][0] ?? (priced.length === 0 ? null : 'prices')),
    replies: sum('replies'),
  };
}

const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;

/** What a terminal whose log cannot be read shows. */
const NO_LOG: UsageTotals = { ...sumReplies([]), cost_usd: null, cost_source: null };

export function logTotals(log: LogSummary | undefined, o: SumOptions = {}): UsageTotals {
  return log ? sumReplies(log.replies, { ...o, cliCost: log.costUsd !== undefined }) : NO_LOG;
}

export async function terminalUsage(
  transcripts: TranscriptService,
  t: TerminalRecord,
  sinceMs?: number,
): Promise<TerminalUsage> {
  const log = await transcripts.read(t).catch(() => undefined);
  return {
    terminal_id: t.id,
    session: t.session,
    provider: t.provider,
    agent_profile: t.agentProfile,
    source: log ? 'transcript' : 'none',
    ...logTotals(log, { sinceMs }),
  };
}

export async function sessionUsage(
  transcripts: TranscriptService,
  session: string,
  terminals: readonly TerminalRecord[],
  sinceMs?: number,
): Promise<SessionUsage> {
  const parts = await Promise.all(terminals.map((t) => terminalUsage(transcripts, t, sinceMs)));
  return { session, ...addTotals(parts), terminals: parts };
}

/** A stored turn's usage as the API shows it. */
export function turnUsageView(r: TurnUsageRecord): TurnUsage {
  return {
    terminal_id: r.terminalId,
    session: r.session,
    turn_id: r.messageId,
    started_at: r.startedAt,
    ended_at: r.endedAt,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cache_read_tokens: r.cacheReadTokens,
    cache_write_tokens: r.cacheWriteTokens,
    total_tokens: r.inputTokens + r.outputTokens + r.cacheReadTokens + r.cacheWriteTokens,
    cost_usd: r.costUsd,
    cost_source: r.costSource as CostSource | null,
    replies: r.replies,
  };
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: an ISO date or time (`2026-12-05`, `2026-12-05T08:00Z`) or a span back from now
 *  (`30m`, `2h`, `7d`, `1w`). */
export function parseSince(text: string, nowMs = Date.now()): number {
  const span = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  if (span) return nowMs - Number(span[1]) * (UNIT_MS[span[2] ?? 'm'] ?? 0);
  const at = /^\d{4}-\d{2}-\d{2}/.test(text.trim()) ? Date.parse(text.trim()) : NaN;
  if (Number.isNaN(at)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Invalid since '${text}': give an ISO date or time (2026-12-05, 2026-12-05T08:00:00Z) or a span back from now (30m, 2h, 7d, 1w).`,
    );
  }
  return at;
}
