/**
 * handoff and assign on the server side: start a worker in the caller's session, queue its
 * task in the ledger (delivered once the worker is ready, confirmed from its screen); the task
 * starts a turn (turns.ts) whose end is the worker's answer. Every step is resumable: a client
 * that lost its connection (cao-server restarted) asks for the turn again and gets the same
 * answer.
 */
import { CaoError } from '../lib/errors.js';
import { assertTerminalId } from '../lib/names.js';
import type { CoreDeps } from './deps.js';
import type { Ledger } from './ledger.js';
import type { SessionService } from './sessions.js';
import type { TerminalService } from './terminals.js';
import type { TurnOutcome, TurnService } from './turns.js';
import type { BudgetLimits } from './budgets.js';
import type { TerminalView } from './views.js';

export interface StartWorkerOptions {
  /** The terminal that asks (its session hosts the worker; failures go to its inbox). */
  callerId?: string | undefined;
  /** Session for the worker when there is no caller. */
  sessionName?: string | undefined;
  profileName: string;
  provider?: string | undefined;
  /** Defaults to the caller's current directory, else the session's. */
  workingDirectory?: string | undefined;
  model?: string | undefined;
  message: string;
  type: 'assign' | 'handoff';
  /** Where the worker runs: 'local', a host's name, or 'auto' (default: the profile's, else
   *  its caller's host, else this machine). */
  host?: string | undefined;
  /** Run the worker in its own git worktree (default: the profile's `use_worktree`). */
  useWorktree?: boolean | undefined;
  /** Its token and cost limits (default: the profile's). */
  budget?: BudgetLimits | undefined;
}

/** Tries at answering a prompt (each waits `timing.answerConfirmMs` for it to go away). */
const ANSWER_ATTEMPTS = 3;

export class Orchestrator {
  constructor(
    private readonly deps: CoreDeps,
    private readonly sessions: SessionService,
    private readonly terminals: TerminalService,
    private readonly ledger: Ledger,
    private readonly turns: TurnService,
  ) {}

  /**
   * Creates the worker window and queues its task; returns at once (the worker starts in the
   * background). A start failure fails the task and tells the caller in its inbox.
   */
  async startWorker(o: StartWorkerOptions): Promise<{ terminal: TerminalView; messageId: number }> {
    if (o.message.trim() === '') throw new CaoError('INVALID_INPUT', 'The task message is empty.');
    const caller = o.callerId
      ? await this.terminals.record(assertTerminalId(o.callerId))
      : undefined;
    const session = caller?.session ?? o.sessionName;
    if (!session)
      throw new CaoError(
        'INVALID_INPUT',
        'Give the caller terminal id (caller_id) or a session name.',
      );
    let cwd = o.workingDirectory;
    if (cwd === undefined && caller) {
      const pane = this.deps.tracker.paneId(caller.id);
      const state = pane ? await this.deps.runtime.paneState(pane) : undefined;
      cwd = state?.currentPath || caller.workingDirectory || undefined;
    }
    // a worker starts where its caller is; on another host than the caller's, in that folder
    // if it exists there, else in its home there
    const fallbackToHome = o.workingDirectory === undefined;
    cwd ??= (await this.sessions.record(session)).workingDirectory ?? this.deps.home;
    let messageId = 0;
    const terminal = await this.sessions.addTerminal(
      session,
      {
        profileName: o.profileName,
        provider: o.provider,
        fallbackProvider: caller?.provider,
        workingDirectory: cwd,
        fallbackToHome,
        model: o.model,
        callerId: caller?.id,
        host: o.host,
        callerHost: caller?.host,
        useWorktree: o.useWorktree,
        budget: o.budget,
      },
      {
        deferReady: true,
        // queued before the start can fail, so a failed start fails the task with its reason
        onCreated: async (record) => {
          messageId = (
            await this.ledger.enqueue({
              senderId: caller?.id ?? 'cao',
              receiverId: record.id,
              message: o.message,
              orchestrationType: o.type,
            })
          ).id;
        },
        onStartFailed: async (record, error) => {
          await this.ledger.failQueue(
            record.id,
            `worker ${record.id} (${record.agentProfile ?? '?'}) failed to start and was removed: ${error.message}`,
          );
        },
      },
    );
    return { terminal, messageId };
  }

  /**
   * The whole handoff in one call (the original CAO's run-step): start, wait, read the answer,
   * and remove the worker when it finished (it is kept when it waits for an answer or time ran
   * out, so it can be inspected or helped).
   */
  async runStep(
    o: StartWorkerOptions & { timeoutMs: number; teardown: boolean },
  ): Promise<TurnOutcome & { teardown: boolean }> {
    const { terminal, messageId } = await this.startWorker(o);
    const outcome = await this.turns.await(terminal.id, messageId, o.timeoutMs);
    const remove =
      o.teardown &&
      (outcome.outcome === 'completed' ||
        outcome.outcome === 'error' ||
        outcome.outcome === 'failed');
    // the answer is in hand: it goes back now, and the worker goes after it
    if (remove) void this.terminals.deleteSoon(terminal.id);
    return { ...outcome, teardown: remove };
  }

  /**
   * Answers the question or permission prompt a terminal shows: a menu choice by keys when the
   * provider knows the menu ("1", "yes", "no"), else the text followed by Enter.
   */
  async answer(terminalId: string, answer: string): Promise<{ keys: string[] | null }> {
    if (answer.trim() === '' || answer.length > 4000) {
      throw new CaoError('INVALID_INPUT', 'The answer must be 1 to 4000 characters.');
    }
    const t = await this.terminals.record(terminalId);
    const d = await this.deps.tracker.refresh(terminalId);
    if (d.status !== 'waiting_user_answer') {
      throw new CaoError(
        'CONFLICT',
        `Terminal ${terminalId} is not waiting for an answer (it is ${d.status}).`,
      );
    }
    const pane = this.deps.tracker.paneId(terminalId);
    if (!pane) throw new CaoError('CONFLICT', `Terminal ${terminalId} is not running`);
    const screen = await this.deps.runtime.capture(pane);
    const keys = this.terminals.provider(t).answerKeys?.(screen, answer);
    // A dialog drawn a moment ago may not listen for keys yet: confirm the answer was taken
    // (the screen moved on from the prompt) and press again if not, a few times.
    await this.terminals.serialize(terminalId, async () => {
      for (let attempt = 1; attempt <= ANSWER_ATTEMPTS; attempt++) {
        if (keys) await this.deps.runtime.sendKeys(pane, keys);
        else if (attempt === 1) {
          await this.deps.runtime.paste(pane, answer);
          await this.deps.runtime.sendKeys(pane, ['Enter']);
        } else await this.deps.runtime.sendKeys(pane, ['Enter']);
        const end = Date.now() + this.deps.timing.answerConfirmMs;
        while (Date.now() < end) {
          await new Promise((r) => setTimeout(r, 50));
          const now = await this.deps.runtime.capture(pane);
          if (
            now !== screen &&
            this.terminals.provider(t).detect(now).status !== 'waiting_user_answer'
          )
            return;
        }
      }
      throw new CaoError(
        'AGENT_FAILED',
        `Terminal ${terminalId} is still waiting for an answer after ${ANSWER_ATTEMPTS} tries.`,
      );
    });
    return { keys: keys ?? null };
  }
}
