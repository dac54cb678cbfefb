/** `cao usage [SESSION]`: tokens and cost per agent and per session, from each CLI's own log. */
import { ok } from '../../client/api.js';
import type { SessionUsage, UsageTotals } from '../../core/usage.js';
import { normalizeSessionName } from '../../lib/names.js';
import { parse } from '../args.js';
import { json, row, type CliContext } from '../context.js';

const USAGE = `Usage:
  cao usage [SESSION] [--since WHEN] [--json]

Input, output and cache tokens, and cost where the CLI reports it, for each agent of a session
(every session without SESSION), read from each CLI's own session log. WHEN is an ISO date or
time (2026-12-05, 2026-12-05T08:00:00Z) or a span back from now (30m, 2h, 7d, 1w).
An agent whose CLI keeps no log cao can read shows '-'.`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { since: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
    1,
  );
  const client = await ctx.server();
  const names = positionals[0]
    ? [normalizeSessionName(positionals[0])]
    : (await ok(client.api.sessions.$get())).map((s) => s.name);
  const query = values.since === undefined ? {} : { since: values.since };
  const sessions: SessionUsage[] = [];
  for (const name of names) {
    sessions.push(await ok(client.api.sessions[':name'].usage.$get({ param: { name }, query })));
  }
  if (values.json) {
    ctx.out(json(positionals[0] ? sessions[0] : sessions));
    return 0;
  }
  if (sessions.length === 0) {
    ctx.out('No active sessions');
    return 0;
  }
  const widths = [22, 10, 12, 10, 10, 12, 12, 0];
  ctx.out(
    row(
      ['SESSION / AGENT', 'ID', 'INPUT', 'OUTPUT', 'CACHE R', 'CACHE W', 'TOTAL', 'COST'],
      widths,
    ),
  );
  for (const s of sessions) {
    ctx.out(row([s.session, '', ...cells(s)], widths));
    for (const t of s.terminals) {
      ctx.out(
        row(
          [
            `  ${t.agent_profile ?? t.provider}`,
            t.terminal_id,
            ...(t.source === 'none' ? ['-', '-', '-', '-', '-', '-'] : cells(t)),
          ],
          widths,
        ),
      );
    }
  }
  return 0;
}

/** The columns of a line of totals. */
export function cells(u: UsageTotals): string[] {
  return [
    String(u.input_tokens),
    String(u.output_tokens),
    String(u.cache_read_tokens),
    String(u.cache_write_tokens),
    String(u.total_tokens),
    formatCost(u.cost_usd),
  ];
}

export const formatCost = (usd: number | null): string =>
  usd === null ? '-' : `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
