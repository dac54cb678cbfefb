/**
 * Budgets: a terminal's limits on tokens and cost (`--max-tokens`, `--max-cost`, or the
 * profile's `max_tokens:` / `max_cost:`). Once the terminal's usage (core/usage.ts, from its
 * CLI's own session log) reaches a limit, the ledger holds new messages to it (pending, with
 * the reason; nothing is deleted) and tells their senders; raising or removing the limit lets
 * them through. Work under way is never stopped. Checking is pure (`spentReason`); the service
 * reads the terminal's log only when it has a budget.
 */
import { CaoError } from '../lib/errors.js';
import { isoNow } from '../lib/time.js';
import type { BudgetRecord, TerminalRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import type { TranscriptService } from './transcripts.js';
import { logTotals, type UsageTotals } from './usage.js';

/** Limits as asked for (a launch option, a profile field); undefined = no limit. */
export interface BudgetLimits {
  maxCostUsd?: number | undefined;
  maxTokens?: number | undefined;
}

export interface BudgetView {
  terminal_id: string;
  max_cost_usd: number | null;
  max_tokens: number | null;
  /** Why new messages are held (the budget is spent), null while it is not. */
  spent: string | null;
}

/** Checks a limit's value: a positive number (whole, for tokens). */
export function assertLimits(l: BudgetLimits, where = 'The budget'): BudgetLimits {
  if (l.maxCostUsd !== undefined && !(Number.isFinite(l.maxCostUsd) && l.maxCostUsd > 0))
    throw new CaoError(
      'INVALID_INPUT',
      `${where}: max cost must be a positive number of US dollars (e.g. 2.50), not '${String(l.maxCostUsd)}'.`,
    );
  if (l.maxTokens !== undefined && !(Number.isSafeInteger(l.maxTokens) && l.maxTokens > 0))
    throw new CaoError(
      'INVALID_INPUT',
      `${where}: max tokens must be a positive whole number (e.g. 200000), not '${String(l.maxTokens)}'.`,
    );
  return l;
}

/** The command that raises a terminal's budget, for messages. */
export const raiseHint = (terminalId: string, kind: 'cost' | 'tokens'): string =>
  kind === 'cost'
    ? `cao agent budget ${terminalId} --max-cost USD (or --max-cost none)`
    : `cao agent budget ${terminalId} --max-tokens N (or --max-tokens none)`;

/** Why the budget is spent, or undefined while it is not. A cost limit with an unknown cost
 *  (no CLI report, a model not in the price table) cannot be judged and holds nothing. */
export function spentReason(
  terminalId: string,
  b: Pick<BudgetRecord, 'maxCostUsd' | 'maxTokens'>,
  u: UsageTotals,
): string | undefined {
  const held = 'cao holds new messages to it (nothing is lost) until the budget is raised: ';
  if (b.maxTokens !== null && u.total_tokens >= b.maxTokens)
    return `terminal ${terminalId} has spent its token budget (${u.total_tokens} of ${b.maxTokens} tokens); ${held}${raiseHint(terminalId, 'tokens')}`;
  if (b.maxCostUsd !== null && u.cost_usd !== null && u.cost_usd >= b.maxCostUsd)
    return `terminal ${terminalId} has spent its cost budget ($${u.cost_usd.toFixed(4)} of $${b.maxCostUsd}); ${held}${raiseHint(terminalId, 'cost')}`;
  return undefined;
}

export class BudgetService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly transcripts: TranscriptService,
    /** Called after a terminal's limits changed (the ledger serves its queue again). */
    private readonly onChange: (terminalId: string) => void = () => {},
  ) {}

  /** Changes a terminal's limits: a number sets one, null removes it, undefined keeps it. */
  async change(
    t: TerminalRecord,
    c: { maxCostUsd?: number | null; maxTokens?: number | null },
  ): Promise<BudgetView> {
    assertLimits({ maxCostUsd: c.maxCostUsd ?? undefined, maxTokens: c.maxTokens ?? undefined });
    const old = await this.deps.store.getBudget(t.id);
    await this.deps.store.setBudget({
      terminalId: t.id,
      maxCostUsd: c.maxCostUsd === undefined ? (old?.maxCostUsd ?? null) : c.maxCostUsd,
      maxTokens: c.maxTokens === undefined ? (old?.maxTokens ?? null) : c.maxTokens,
      updatedAt: isoNow(),
    });
    this.onChange(t.id);
    return this.view(t);
  }

  async view(t: TerminalRecord): Promise<BudgetView> {
    const b = await this.deps.store.getBudget(t.id);
    return {
      terminal_id: t.id,
      max_cost_usd: b?.maxCostUsd ?? null,
      max_tokens: b?.maxTokens ?? null,
      spent: (await this.spent(t.id)) ?? null,
    };
  }

  /** Why messages to this terminal are held now (its budget is spent), else undefined. */
  async spent(terminalId: string): Promise<string | undefined> {
    const b = await this.deps.store.getBudget(terminalId);
    if (!b) return undefined;
    const t = await this.deps.store.getTerminal(terminalId);
    if (!t) return undefined;
    const log = await this.transcripts.read(t).catch(() => undefined);
    return spentReason(terminalId, b, logTotals(log));
  }
}
