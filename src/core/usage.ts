/**
 * Tokens and cost per terminal and per session, from each CLI's own session log
 * (core/transcripts.ts). Sums are pure (`sumReplies`); a terminal whose CLI keeps no log cao can
 * read reports `source: "none"`.
 */
import { CaoError } from '../lib/errors.js';
import { addUsage, totalTokens, ZERO_USAGE, type LogReply } from '../providers/logs/log.js';
import type { TerminalRecord } from '../store/store.js';
import type { TranscriptService } from './transcripts.js';

export interface UsageTotals {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  total_tokens: number;
  /** USD where the CLI reports it; null when it does not. */
  cost_usd: number | null;
  /** Model replies counted. */
  replies: number;
}

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

/** The totals of these replies, those at or after `sinceMs` when given. */
export function sumReplies(
  replies: readonly LogReply[],
  sinceMs?: number,
  withCost = false,
): UsageTotals {
  let u = ZERO_USAGE;
  let cost = 0;
  let n = 0;
  for (const r of replies) {
    if (sinceMs !== undefined && !(Date.parse(r.at ?? '') >= sinceMs)) continue;
    u = addUsage(u, r.usage);
    cost += r.costUsd ?? 0;
    n++;
  }
  return {
    input_tokens: u.input,
    output_tokens: u.output,
    cache_read_tokens: u.cacheRead,
    cache_write_tokens: u.cacheWrite,
    total_tokens: totalTokens(u),
    cost_usd: withCost ? round(cost) : null,
    replies: n,
  };
}

/** Adds totals (a cost is known only when every part knows it). */
export function addTotals(parts: readonly UsageTotals[]): UsageTotals {
  const sum = (k: keyof Omit<UsageTotals, 'cost_usd'>): number =>
    parts.reduce((a, p) => a + p[k], 0);
  const costs = parts.filter((p) => p.replies > 0).map((p) => p.cost_usd);
  return {
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
    cache_read_tokens: sum('cache_read_tokens'),
    cache_write_tokens: sum('cache_write_tokens'),
    total_tokens: sum('total_tokens'),
    cost_usd:
      costs.length > 0 && costs.every((c) => c !== null)
        ? round(costs.reduce((a: number, c) => a + (c ?? 0), 0))
        : null,
    replies: sum('replies'),
  };
}

const round = (usd: number): number => Math.round(usd * 1e6) / 1e6;

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
    ...sumReplies(log?.replies ?? [], sinceMs, log?.costUsd !== undefined),
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
