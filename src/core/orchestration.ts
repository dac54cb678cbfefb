/**
 * handoff and assign on the server side: start a worker in the caller's session, queue its
 * task in the ledger (delivered once the worker is ready, confirmed from its screen), and wait
 * for the turn that task started to end. Every step is resumable: a client that lost its
 * connection (cao-server restarted) calls `awaitTurn` again and gets the same answer.
 */
import { CaoError } from '../lib/errors.js';
import { assertTerminalId } from '../lib/names.js';
import type { Detection, Status } from '../providers/provider.js';
import type { MessageRecord } from '../store/store.js';
import type { CoreDeps } from './deps.js';
import { markerCount, type Ledger } from './ledger.js';
import type { SessionService } from './sessions.js';
import type { TerminalService } from './terminals.js';
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
}

/** Tries at answering a prompt, and how long each waits to see the prompt go away. */
const ANSWER_ATTEMPTS = 3;
const ANSWER_CONFIRM_MS = 1500;

export type Outcome =
  'completed' | 'error' | 'waiting_user_answer' | 'interrupted' | 'timeout' | 'failed';

export interface TurnOutcome {
  terminal_id: string;
  message_id: number;
  outcome: Outcome;
  status: Status | null;
  rule: string | null;
  evidence: string[];
  /** The worker's last answer (when it finished or errored with text). */
  output: string | null;
  /** Why the message never reached the worker (outcome 'failed'). */
  error: string | null;
  message_state: string;
}

export class Orchestrator {
  constructor(
    private readonly deps: CoreDeps,
    private readonly sessions: SessionService,
    private readonly terminals: TerminalService,
    private readonly ledger: Ledger,
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
    cwd ??= (await this.sessions.record(session)).workingDirectory ?? this.deps.home;
    let messageId = 0;
    const terminal = await this.sessions.addTerminal(
      session,
      {
        profileName: o.profileName,
        provider: o.provider,
        fallbackProvider: caller?.provider,
        workingDirectory: cwd,
        model: o.model,
        callerId: caller?.id,
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
   * Waits until message `messageId` reached `terminalId` and the turn it started ended: the
   * worker finished (completed), errored or exited (error), stopped at a question
   * (waiting_user_answer), was stopped by someone at its screen before it answered
   * (interrupted: the CLI says so, or it put the message back in its input box), or time ran
   * out (timeout: the worker keeps running). A message that could not be delivered gives
   * `failed` at once.
   */
  async awaitTurn(terminalId: string, messageId: number, timeoutMs: number): Promise<TurnOutcome> {
    assertTerminalId(terminalId);
    const deadline = Date.now() + timeoutMs;
    let m = await this.deps.store.getMessage(messageId);
    if (!m || m.receiverId !== terminalId) {
      throw new CaoError('NOT_FOUND', `Message ${messageId} to terminal ${terminalId} not found`);
    }
    m = await this.waitDelivered(m, deadline);
    const base = { terminal_id: terminalId, message_id: messageId, message_state: m.state };
    const failed = (error: string | null): TurnOutcome => ({
      ...base,
      outcome: 'failed',
      status: null,
      rule: null,
      evidence: [],
      output: null,
      error,
    });
    const timedOut = (): TurnOutcome => {
      const now = this.deps.tracker.get(terminalId);
      return {
        ...base,
        outcome: 'timeout',
        status: now?.status ?? null,
        rule: now?.rule ?? null,
        evidence: now?.evidence ?? [],
        output: null,
        error: null,
      };
    };
    if (m.state === 'failed') return failed(m.error);
    if (m.state !== 'delivered') return timedOut();
    let sawWork = false;
    const ended = (d: Detection): boolean => {
      if (d.status === 'processing') sawWork = true;
      return (
        d.status === 'completed' ||
        d.status === 'error' ||
        d.status === 'waiting_user_answer' ||
        (d.status === 'idle' && sawWork)
      );
    };
    let d: Detection | undefined;
    try {
      d = await this.deps.tracker.waitFor(terminalId, ended, Math.max(1, deadline - Date.now()));
    } catch (e) {
      if (e instanceof CaoError && e.code === 'TIMEOUT') return timedOut();
      return failed(e instanceof Error ? e.message : String(e));
    }
    let outcome: Outcome = d.status === 'idle' ? 'completed' : (d.status as Outcome);
    // An idle screen after work is a finished turn for CLIs that show nothing else, unless the
    // turn was cut short: then the last answer on the screen is an older turn's.
    if (
      d.status === 'idle' &&
      (d.rule === 'interrupted' ||
        (d.rule === 'input-pending' && (await this.backInBox(terminalId, messageId))))
    )
      outcome = 'interrupted';
    let output: string | null = null;
    if (outcome === 'completed' || outcome === 'error') {
      output =
        (await this.terminals.output(terminalId, 'last').catch(() => undefined))?.output ?? null;
    }
    return {
      ...base,
      outcome,
      status: d.status,
      rule: d.rule,
      evidence: d.evidence,
      output,
      error: null,
    };
  }

  /** The message's marker is in the terminal's input box (the CLI gave the message back), on
   *  the screen the turn's last detection was made from. */
  private async backInBox(terminalId: string, messageId: number): Promise<boolean> {
    const screen = this.deps.tracker.lastScreen(terminalId);
    if (screen === undefined) return false;
    const t = await this.terminals.record(terminalId);
    const box = this.terminals.provider(t).inputText(screen);
    return box !== undefined && markerCount(box, messageId) > 0;
  }

  private waitDelivered(m: MessageRecord, deadline: number): Promise<MessageRecord> {
    if (m.state === 'delivered' || m.state === 'failed') return Promise.resolve(m);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        unsubscribe();
        void this.deps.store.getMessage(m.id).then((x) => resolve(x ?? m));
      };
      const unsubscribe = this.deps.bus.subscribe((e) => {
        if (
          e.type === 'message.state' &&
          e.message_id === m.id &&
          (e.state === 'delivered' || e.state === 'failed')
        )
          done();
      });
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      // it may have moved between the read and the subscription
      void this.deps.store.getMessage(m.id).then((x) => {
        if (x && (x.state === 'delivered' || x.state === 'failed')) done();
      });
    });
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
    const outcome = await this.awaitTurn(terminal.id, messageId, o.timeoutMs);
    const remove =
      o.teardown &&
      (outcome.outcome === 'completed' ||
        outcome.outcome === 'error' ||
        outcome.outcome === 'failed');
    if (remove) await this.terminals.delete(terminal.id).catch(() => {});
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
        const end = Date.now() + ANSWER_CONFIRM_MS;
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
