/**
 * What an agent can do to its team: handoff, assign, send_message, answer_user_prompt and
 * delete_terminal, always as a known caller (the terminal its credentials belong to). The one
 * implementation behind cao's MCP tools (`/mcp`, and the stdio bridge) and their shell twins
 * (`cao agent …`). Results keep the original CAO's shapes and wording, so agents prompted for
 * the original keep working.
 *
 * A handoff whose caller stops waiting (its connection to cao-server was cut, e.g. a restart)
 * is not lost: the worker's answer goes to the caller's inbox when it comes (see
 * `deliverOrphanedHandoffs`).
 */
import { CaoError, errorMessage } from '../lib/errors.js';
import { assertTerminalId } from '../lib/names.js';
import type { BudgetLimits } from './budgets.js';
import type { CoreDeps } from './deps.js';
import { SYSTEM_SENDER, type Ledger } from './ledger.js';
import type { Orchestrator } from './orchestration.js';
import type { TerminalService } from './terminals.js';
import type { TurnOutcome, TurnService } from './turns.js';

export interface HandoffResult {
  success: boolean;
  message: string;
  output: string | null;
  terminal_id: string | null;
}

export interface AssignResult {
  success: boolean;
  terminal_id: string | null;
  message: string;
}

export interface SendResult {
  success: boolean;
  message_id?: number;
  sender_id?: string;
  receiver_id?: string;
  created_at?: string;
  status?: string;
  error?: string;
}

export interface ToolResult {
  success: boolean;
  message: string;
}

export interface WorkerRequest {
  agentProfile: string;
  message: string;
  workingDirectory?: string | undefined;
  model?: string | undefined;
  provider?: string | undefined;
  /** Where the worker runs: 'local', a host's name, or 'auto'. */
  host?: string | undefined;
  /** Run the worker in its own git worktree (default: the profile's `use_worktree`). */
  useWorktree?: boolean | undefined;
  /** The worker's token and cost limits (default: the profile's). */
  budget?: BudgetLimits | undefined;
}

/** Sessions this large get a reminder to clean up (the original CAO's nudge). */
const NUDGE_AT = 10;

/** "Which file? (1. a.txt, 2. b.txt)": the question and its numbered options, if shown. */
export function describeQuestion(o: Pick<TurnOutcome, 'question'>): string | undefined {
  if (!o.question) return undefined;
  const options = o.question.options.map((x, i) => `${i + 1}. ${x}`).join(', ');
  return options ? `${o.question.text} (${options})` : o.question.text;
}

export class AgentTools {
  /** Handoffs whose caller is waiting for the answer right now (by worker terminal). */
  private readonly waiting = new Set<string>();

  constructor(
    private readonly deps: CoreDeps,
    private readonly terminals: TerminalService,
    private readonly ledger: Ledger,
    private readonly turns: TurnService,
    private readonly orchestrator: Orchestrator,
  ) {}

  /**
   * Blocking delegation: start a worker in the caller's session, give it the task, wait for
   * its answer, remove it. Fails at once (not at the timeout) when the worker errors, exits,
   * stops at a question or is interrupted. `signal`: the caller stopped waiting.
   */
  async handoff(
    callerId: string,
    r: WorkerRequest & { timeoutS: number },
    signal?: AbortSignal,
  ): Promise<HandoffResult> {
    const started = Date.now();
    let worker: { id: string; provider: string; messageId: number; session: string; host: string };
    try {
      const s = await this.orchestrator.startWorker({
        callerId,
        profileName: r.agentProfile,
        provider: r.provider,
        workingDirectory: r.workingDirectory,
        model: r.model,
        host: r.host,
        useWorktree: r.useWorktree,
        budget: r.budget,
        message: r.message,
        type: 'handoff',
      });
      worker = {
        id: s.terminal.id,
        provider: s.terminal.provider,
        messageId: s.messageId,
        session: s.terminal.session_name,
        host: s.terminal.host,
      };
    } catch (e) {
      return {
        success: false,
        message: `Handoff failed: ${errorMessage(e)}`,
        output: null,
        terminal_id: null,
      };
    }
    this.waiting.add(worker.id);
    let outcome: TurnOutcome;
    try {
      outcome = await this.untilAborted(
        this.turns.await(worker.id, worker.messageId, r.timeoutS * 1000),
        signal,
      );
    } catch (e) {
      this.waiting.delete(worker.id);
      if (signal?.aborted) {
        // nobody waits any more: the answer goes to the caller's inbox when it comes
        this.returnLater(callerId, worker.id, worker.messageId, r.agentProfile);
        throw e;
      }
      return {
        success: false,
        message: `Handoff failed: ${errorMessage(e)}`,
        output: null,
        terminal_id: worker.id,
      };
    }
    this.waiting.delete(worker.id);
    return this.handoffResult(outcome, {
      who: `${r.agentProfile} (${worker.provider}${worker.host === 'local' ? '' : ` on ${worker.host}`})`,
      workerId: worker.id,
      session: worker.session,
      timeoutS: r.timeoutS,
      secs: ((Date.now() - started) / 1000).toFixed(2),
    });
  }

  private async handoffResult(
    outcome: TurnOutcome,
    w: { who: string; workerId: string; session: string; timeoutS: number; secs: string },
  ): Promise<HandoffResult> {
    const why = outcome.evidence.join(' / ') || outcome.rule || '';
    switch (outcome.outcome) {
      case 'completed': {
        // the answer is in hand: it goes back now, and the worker goes after it
        const note =
          (await this.worktreeNote(w.workerId)) + (await this.nudge(w.session, w.workerId));
        void this.terminals.deleteSoon(w.workerId);
        return {
          success: true,
          message: `Successfully handed off to ${w.who} in ${w.secs}s${note}`,
          output: outcome.output,
          terminal_id: w.workerId,
        };
      }
      case 'error':
        void this.terminals.deleteSoon(w.workerId);
        return {
          success: false,
          message: `Handoff failed: worker errored (${why})`,
          output: outcome.output,
          terminal_id: w.workerId,
        };
      case 'waiting_user_answer':
        return {
          success: false,
          message:
            `Handoff stopped: worker ${w.workerId} (${w.who}) is waiting for an answer: ${describeQuestion(outcome) ?? why}. ` +
            `Answer it with answer_user_prompt('${w.workerId}', '<option number or text>'), or remove it with delete_terminal('${w.workerId}').`,
          output: null,
          terminal_id: w.workerId,
        };
      case 'interrupted':
        return {
          success: false,
          message:
            `Handoff stopped: the turn of worker ${w.workerId} (${w.who}) was interrupted before it answered: ${why}. ` +
            `The worker is kept: send it a message with send_message('${w.workerId}', '<message>'), or remove it with delete_terminal('${w.workerId}').`,
          output: null,
          terminal_id: w.workerId,
        };
      case 'failed':
        return {
          success: false,
          message: `Handoff failed: ${outcome.error ?? why}`,
          output: null,
          terminal_id: w.workerId,
        };
      case 'timeout':
        return {
          success: false,
          message: `Handoff timed out after ${w.timeoutS} seconds; worker ${w.workerId} is still running (status ${outcome.status ?? 'unknown'}). Check it later or delete_terminal('${w.workerId}').`,
          output: null,
          terminal_id: w.workerId,
        };
    }
  }

  /** Non-blocking delegation: the worker starts in the background and reports back by message. */
  async assign(callerId: string, r: WorkerRequest): Promise<AssignResult> {
    try {
      const { terminal } = await this.orchestrator.startWorker({
        callerId,
        profileName: r.agentProfile,
        provider: r.provider,
        workingDirectory: r.workingDirectory,
        model: r.model,
        host: r.host,
        useWorktree: r.useWorktree,
        budget: r.budget,
        message: r.message,
        type: 'assign',
      });
      return {
        success: true,
        terminal_id: terminal.id,
        message:
          `Task assigned to ${r.agentProfile} (terminal: ${terminal.id}${terminal.host === 'local' ? '' : `, on host ${terminal.host}`}). Worker is initializing in the background; ` +
          `your task will be delivered once it is ready. Call delete_terminal('${terminal.id}') when you no longer need this terminal.` +
          (await this.worktreeNote(terminal.id)) +
          (await this.nudge(terminal.session_name)),
      };
    } catch (e) {
      return { success: false, terminal_id: null, message: `Assign failed: ${errorMessage(e)}` };
    }
  }

  /** Queues a message; the receiver defaults to the terminal that started the caller. */
  async sendMessage(callerId: string, message: string, receiverId?: string): Promise<SendResult> {
    try {
      let receiver = receiverId;
      if (!receiver) {
        const me = await this.terminals.record(callerId);
        if (!me.callerId) {
          return {
            success: false,
            error: 'No receiver_id given and this terminal has no caller to reply to.',
          };
        }
        receiver = me.callerId;
      }
      if (receiver === callerId)
        return { success: false, error: 'Cannot send a message to yourself.' };
      const m = await this.ledger.enqueue({
        senderId: callerId,
        receiverId: assertTerminalId(receiver),
        message,
        orchestrationType: 'send_message',
      });
      const now = await this.ledger.get(m.id);
      return {
        success: true,
        message_id: m.id,
        sender_id: m.senderId,
        receiver_id: m.receiverId,
        created_at: m.createdAt,
        status: now?.state ?? m.state,
      };
    } catch (e) {
      return { success: false, error: errorMessage(e) };
    }
  }

  async answer(terminalId: string, answer: string): Promise<ToolResult> {
    try {
      const r = await this.orchestrator.answer(assertTerminalId(terminalId), answer);
      return {
        success: true,
        message: r.keys
          ? `Answered with keys ${r.keys.join(' ')}`
          : `Answered with text (${answer.length} characters)`,
      };
    } catch (e) {
      return { success: false, message: errorMessage(e) };
    }
  }

  async deleteTerminal(terminalId: string): Promise<ToolResult> {
    try {
      await this.terminals.delete(assertTerminalId(terminalId));
      return { success: true, message: `Terminal ${terminalId} deleted` };
    } catch (e) {
      return { success: false, message: errorMessage(e) };
    }
  }

  /**
   * After a restart: handoff workers whose caller's wait was cut off by it, found by what a
   * returned handoff leaves behind: a finished worker is removed at once, and one that stopped
   * (a question, an interrupt, a timeout) sits idle or waiting. So a worker still starting,
   * still working, or finished but present is orphaned; its answer goes to the caller's inbox.
   */
  async deliverOrphanedHandoffs(): Promise<number> {
    let n = 0;
    for (const t of await this.deps.store.listTerminals()) {
      if (!t.callerId || this.waiting.has(t.id)) continue;
      const task = (await this.ledger.list({ receiverId: t.id, types: ['handoff'], limit: 1 }))[0];
      if (!task || task.state === 'failed' || task.senderId !== t.callerId) continue;
      const status = this.terminals.detection(t).status;
      if (task.state === 'delivered' && status !== 'processing' && status !== 'completed') continue;
      this.returnLater(t.callerId, t.id, task.id, t.agentProfile ?? 'worker');
      n++;
    }
    return n;
  }

  /** Waits (in the background) for the worker's answer and sends it to the caller's inbox. */
  private returnLater(callerId: string, workerId: string, turnId: number, profile: string): void {
    void (async () => {
      const outcome = await this.turns.await(workerId, turnId, 24 * 3600 * 1000);
      if (outcome.outcome === 'timeout') return;
      const done = outcome.outcome === 'completed';
      if (done || outcome.outcome === 'error') await this.remove(workerId);
      const body = done
        ? `The handoff to ${profile} (worker ${workerId}) finished after your wait for it was cut off (cao-server restarted). Its answer:\n\n${outcome.output ?? '(no text answer)'}`
        : `The handoff to ${profile} (worker ${workerId}) ended with ${outcome.outcome} after your wait for it was cut off (cao-server restarted): ${describeQuestion(outcome) ?? outcome.error ?? outcome.evidence.join(' / ')}`;
      await this.ledger.enqueue({
        senderId: SYSTEM_SENDER,
        receiverId: callerId,
        message: body,
        orchestrationType: 'notice',
      });
    })().catch((e: unknown) =>
      this.deps.log.warn('could not return a handoff answer to its caller', {
        callerId,
        workerId,
        error: errorMessage(e),
      }),
    );
  }

  private async remove(id: string): Promise<void> {
    await this.terminals.delete(id).catch(() => {});
  }

  /** Where a worker in its own worktree left its changes, and how to take them. */
  private async worktreeNote(workerId: string): Promise<string> {
    const w = await this.deps.store.getWorktree(workerId).catch(() => undefined);
    if (!w) return '';
    return ` The worker works in its own git worktree (${w.path}, branch ${w.branch}); review its changes with 'cao worktree diff ${workerId}' and merge them into ${w.repo} with 'cao worktree merge ${workerId}' once the worker is deleted (or discard them with 'cao worktree remove ${workerId}').`;
  }

  /** A hint to clean up a crowded session; `leaving`: a terminal about to be removed. */
  private async nudge(session: string, leaving?: string): Promise<string> {
    try {
      const n = (await this.terminals.list(session)).filter((t) => t.id !== leaving).length;
      return n >= NUDGE_AT
        ? ` NOTE: This session has ${n} terminals. Consider calling delete_terminal on terminals you no longer need.`
        : '';
    } catch {
      return '';
    }
  }

  private untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) return p;
    if (signal.aborted)
      return Promise.reject(new CaoError('TIMEOUT', 'The caller stopped waiting.'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new CaoError('TIMEOUT', 'The caller stopped waiting.'));
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}
