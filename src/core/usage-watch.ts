/**
 * Usage as it happens: when a turn ends, the tokens and cost of the replies its CLI logged
 * between the turn's message being submitted and the end (or the next submission) are kept
 * as that turn's usage (store `turn_usage`, read by `GET /terminals/{id}/usage/turns` and flow
 * runs); whenever a terminal becomes ready, its totals are read again and a `terminal.usage`
 * event is published if they changed. Reply times come from the log and submission times from
 * cao-server's clock, so a remote host's clock should be in step (NTP).
 */
import { errorMessage } from '../lib/errors.js';
import { isReadyStatus } from '../providers/provider.js';
import type { CoreDeps } from './deps.js';
import type { StampedEvent } from './events.js';
import type { TranscriptService } from './transcripts.js';
import { logTotals, type UsageTotals } from './usage.js';

/** Submission times kept for turns not ended yet (oldest dropped first). */
const MAX_OPEN = 5000;

export class UsageWatch {
  /** Message id → when it was submitted (ms) and to whom. */
  private readonly submitted = new Map<number, { terminalId: string; atMs: number }>();
  /** The last totals published per terminal. */
  private readonly last = new Map<string, UsageTotals>();
  /** One read at a time per terminal, in order. */
  private readonly chain = new Map<string, Promise<void>>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: CoreDeps,
    private readonly transcripts: TranscriptService,
  ) {}

  start(): void {
    this.unsubscribe ??= this.deps.bus.subscribe((e) => this.onEvent(e));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private onEvent(e: StampedEvent): void {
    if (e.type === 'message.state' && e.state === 'submitting') {
      this.submitted.set(e.message_id, { terminalId: e.receiver_id, atMs: Date.parse(e.at) });
      if (this.submitted.size > MAX_OPEN) {
        const oldest = this.submitted.keys().next().value;
        if (oldest !== undefined) this.submitted.delete(oldest);
      }
    } else if (e.type === 'turn.ended') {
      this.queue(e.terminal_id, () => this.recordTurn(e.terminal_id, e.turn_id, e.at));
    } else if (e.type === 'terminal.status' && isReadyStatus(e.status)) {
      this.queue(e.terminal_id, () => this.refresh(e.terminal_id));
    } else if (e.type === 'terminal.deleted') {
      this.last.delete(e.terminal_id);
      this.chain.delete(e.terminal_id);
    }
  }

  private queue(terminalId: string, work: () => Promise<void>): void {
    const next = (this.chain.get(terminalId) ?? Promise.resolve())
      .then(work)
      .catch((err: unknown) =>
        this.deps.log.warn('reading usage failed', { terminalId, error: errorMessage(err) }),
      );
    this.chain.set(terminalId, next);
  }

  /** Stores the usage of a turn that ended (one that was submitted while cao watched). */
  private async recordTurn(terminalId: string, turnId: number, endedAt: string): Promise<void> {
    const start = this.submitted.get(turnId);
    this.submitted.delete(turnId);
    const t = await this.deps.store.getTerminal(terminalId);
    if (!start || !t || !this.transcripts.supports(t.provider)) return;
    // a later message to the same terminal already submitted bounds this turn
    let untilMs: number | undefined;
    for (const s of this.submitted.values())
      if (s.terminalId === terminalId && s.atMs > start.atMs)
        untilMs = Math.min(untilMs ?? s.atMs, s.atMs);
    const log = await this.transcripts.read(t);
    if (!log) return;
    const u = logTotals(log, { sinceMs: start.atMs, untilMs });
    await this.deps.store.saveTurnUsage({
      messageId: turnId,
      terminalId,
      session: t.session,
      inputTokens: u.input_tokens,
      outputTokens: u.output_tokens,
      cacheReadTokens: u.cache_read_tokens,
      cacheWriteTokens: u.cache_write_tokens,
      costUsd: u.cost_usd,
      costSource: u.cost_source,
      replies: u.replies,
      startedAt: new Date(start.atMs).toISOString(),
      endedAt,
    });
    await this.publishTotals(terminalId, logTotals(log), t.session);
  }

  private async refresh(terminalId: string): Promise<void> {
    const t = await this.deps.store.getTerminal(terminalId);
    if (!t || !this.transcripts.supports(t.provider)) return;
    const log = await this.transcripts.read(t);
    if (log) await this.publishTotals(terminalId, logTotals(log), t.session);
  }

  private publishTotals(terminalId: string, u: UsageTotals, session: string): Promise<void> {
    const before = this.last.get(terminalId);
    if (before === undefined && u.replies === 0) return Promise.resolve();
    if (
      before &&
      before.total_tokens === u.total_tokens &&
      before.replies === u.replies &&
      before.cost_usd === u.cost_usd
    )
      return Promise.resolve();
    this.last.set(terminalId, u);
    this.deps.bus.publish({ type: 'terminal.usage', terminal_id: terminalId, session, ...u });
    return Promise.resolve();
  }
}
