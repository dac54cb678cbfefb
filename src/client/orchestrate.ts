/**
 * handoff, assign, send_message, answer_user_prompt and delete_terminal as client calls: the
 * one implementation behind both the MCP tools (cao-mcp-server) and their CLI twins
 * (`cao agent …`). Results are plain objects with the original CAO's shapes and messages.
 *
 * A handoff survives a cao-server restart: the worker and its queued task live in the server
 * and tmux, and waiting is a resumable call (`POST /terminals/{id}/await`), so a dropped
 * connection is retried until the server is back and the deadline allows.
 */
import type { TurnOutcome } from '../core/turns.js';
import type { TerminalView } from '../core/views.js';
import { CaoError } from '../lib/errors.js';
import { assertTerminalId } from '../lib/names.js';
import { sleep } from '../lib/time.js';
import { ok, within, type CaoClient } from './api.js';

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

/** Sessions this large get a reminder to clean up (the original CAO's nudge). */
const NUDGE_AT = 10;

export function callerId(explicit?: string): string {
  const id = explicit ?? process.env['CAO_TERMINAL_ID'];
  if (!id) {
    throw new CaoError(
      'INVALID_INPUT',
      'CAO_TERMINAL_ID is not set: this must run inside a cao terminal (or pass the caller terminal id explicitly).',
    );
  }
  return assertTerminalId(id);
}

export function whoIs(client: CaoClient, terminalId: string): Promise<TerminalView> {
  return ok(client.api.terminals[':id'].$get({ param: { id: terminalId } }));
}

async function nudge(client: CaoClient, session: string): Promise<string> {
  try {
    const s = await ok(client.api.sessions[':name'].$get({ param: { name: session } }));
    const n = s.terminals.length;
    return n >= NUDGE_AT
      ? ` NOTE: This session has ${n} terminals. Consider calling delete_terminal on terminals you no longer need.`
      : '';
  } catch {
    return '';
  }
}

export interface WorkerRequest {
  agentProfile: string;
  message: string;
  workingDirectory?: string | undefined;
  model?: string | undefined;
  provider?: string | undefined;
}

async function startWorker(
  client: CaoClient,
  caller: TerminalView,
  r: WorkerRequest,
  type: 'assign' | 'handoff',
): Promise<TerminalView & { message_id: number }> {
  const worker = await ok(
    client.api.sessions[':name'].terminals.$post({
      param: { name: caller.session_name },
      json: {
        agent_profile: r.agentProfile,
        caller_id: caller.id,
        initial_message: r.message,
        initial_message_orchestration_type: type,
        ...(r.workingDirectory ? { working_directory: r.workingDirectory } : {}),
        ...(r.model ? { model: r.model } : {}),
        ...(r.provider ? { provider: r.provider } : {}),
      },
    }),
  );
  const messageId = 'message_id' in worker ? worker.message_id : undefined;
  if (typeof messageId !== 'number')
    throw new CaoError('INTERNAL', 'cao-server queued no task for the worker.');
  return { ...worker, message_id: messageId };
}

/**
 * Waits for turn `turnId` of `terminalId` to end, at most until `deadline`. A cao-server that
 * restarts meanwhile loses nothing (the worker and its task live in tmux and the ledger): the
 * wait is asked again once the server is back.
 */
export async function awaitTurn(
  client: CaoClient,
  terminalId: string,
  turnId: number,
  deadline: number,
): Promise<TurnOutcome> {
  for (;;) {
    const remaining = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    try {
      return await ok(
        client.api.terminals[':id'].await.$post(
          { param: { id: terminalId }, json: { turn_id: turnId, timeout: remaining } },
          within(remaining * 1000 + 30_000),
        ),
      );
    } catch (e) {
      if (e instanceof CaoError && e.code === 'UNAVAILABLE' && Date.now() < deadline) {
        await sleep(1000);
        continue;
      }
      throw e;
    }
  }
}

/**
 * Blocking delegation: start a worker, give it the task, wait for its answer, remove it.
 * Fails at once (not at the timeout) when the worker errors, exits, stops at a question or is
 * interrupted.
 */
export async function handoff(
  client: CaoClient,
  from: string,
  r: WorkerRequest & { timeoutS: number },
): Promise<HandoffResult> {
  const started = Date.now();
  const deadline = started + r.timeoutS * 1000;
  let worker: TerminalView & { message_id: number };
  let caller: TerminalView;
  try {
    caller = await whoIs(client, from);
    worker = await startWorker(client, caller, r, 'handoff');
  } catch (e) {
    return {
      success: false,
      message: `Handoff failed: ${(e as Error).message}`,
      output: null,
      terminal_id: null,
    };
  }
  let outcome: TurnOutcome;
  try {
    outcome = await awaitTurn(client, worker.id, worker.message_id, deadline);
  } catch (e) {
    return {
      success: false,
      message: `Handoff failed: ${(e as Error).message}`,
      output: null,
      terminal_id: worker.id,
    };
  }
  const secs = ((Date.now() - started) / 1000).toFixed(2);
  const who = `${r.agentProfile} (${worker.provider})`;
  const why = outcome.evidence.join(' / ') || outcome.rule || '';
  switch (outcome.outcome) {
    case 'completed': {
      await removeWorker(client, worker.id);
      return {
        success: true,
        message: `Successfully handed off to ${who} in ${secs}s${await nudge(client, caller.session_name)}`,
        output: outcome.output,
        terminal_id: worker.id,
      };
    }
    case 'error':
      await removeWorker(client, worker.id);
      return {
        success: false,
        message: `Handoff failed: worker errored (${why})`,
        output: outcome.output,
        terminal_id: worker.id,
      };
    case 'waiting_user_answer':
      return {
        success: false,
        message:
          `Handoff stopped: worker ${worker.id} (${who}) is waiting for an answer: ${describeQuestion(outcome) ?? why}. ` +
          `Answer it with answer_user_prompt('${worker.id}', '<option number or text>'), or remove it with delete_terminal('${worker.id}').`,
        output: null,
        terminal_id: worker.id,
      };
    case 'interrupted':
      return {
        success: false,
        message:
          `Handoff stopped: the turn of worker ${worker.id} (${who}) was interrupted before it answered: ${why}. ` +
          `The worker is kept: send it a message with send_message('${worker.id}', '<message>'), or remove it with delete_terminal('${worker.id}').`,
        output: null,
        terminal_id: worker.id,
      };
    case 'failed':
      return {
        success: false,
        message: `Handoff failed: ${outcome.error ?? why}`,
        output: null,
        terminal_id: worker.id,
      };
    case 'timeout':
      return {
        success: false,
        message: `Handoff timed out after ${r.timeoutS} seconds; worker ${worker.id} is still running (status ${outcome.status ?? 'unknown'}). Check it later or delete_terminal('${worker.id}').`,
        output: null,
        terminal_id: worker.id,
      };
  }
}

/** "Which file? (1. a.txt, 2. b.txt)": the question and its numbered options, if shown. */
export function describeQuestion(o: Pick<TurnOutcome, 'question'>): string | undefined {
  if (!o.question) return undefined;
  const options = o.question.options.map((x, i) => `${i + 1}. ${x}`).join(', ');
  return options ? `${o.question.text} (${options})` : o.question.text;
}

async function removeWorker(client: CaoClient, id: string): Promise<void> {
  await client.api.terminals[':id'].$delete({ param: { id } }).catch(() => {});
}

/** Non-blocking delegation: the worker starts in the background and reports back by message. */
export async function assign(
  client: CaoClient,
  from: string,
  r: WorkerRequest,
): Promise<AssignResult> {
  try {
    const caller = await whoIs(client, from);
    const worker = await startWorker(client, caller, r, 'assign');
    return {
      success: true,
      terminal_id: worker.id,
      message:
        `Task assigned to ${r.agentProfile} (terminal: ${worker.id}). Worker is initializing in the background; ` +
        `your task will be delivered once it is ready. Call delete_terminal('${worker.id}') when you no longer need this terminal.` +
        (await nudge(client, caller.session_name)),
    };
  } catch (e) {
    return { success: false, terminal_id: null, message: `Assign failed: ${(e as Error).message}` };
  }
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

/** Queues a message; the receiver defaults to the terminal that created the sender. */
export async function sendMessage(
  client: CaoClient,
  from: string,
  message: string,
  receiverId?: string,
): Promise<SendResult> {
  try {
    let receiver = receiverId;
    if (!receiver) {
      const me = await whoIs(client, from);
      if (!me.caller_id) {
        return {
          success: false,
          error: 'No receiver_id given and this terminal has no caller to reply to.',
        };
      }
      receiver = me.caller_id;
    }
    if (receiver === from) return { success: false, error: 'Cannot send a message to yourself.' };
    return await ok(
      client.api.terminals[':id'].inbox.messages.$post({
        param: { id: assertTerminalId(receiver) },
        json: { sender_id: from, message },
      }),
    );
  } catch (e) {
    return { success: false, error: (e as Error).message };
  }
}

export async function answerUserPrompt(
  client: CaoClient,
  terminalId: string,
  answer: string,
): Promise<{ success: boolean; message: string }> {
  try {
    const r = await ok(
      client.api.terminals[':id'].answer.$post({
        param: { id: assertTerminalId(terminalId) },
        json: { answer },
      }),
    );
    return {
      success: true,
      message: r.keys
        ? `Answered with keys ${r.keys.join(' ')}`
        : `Answered with text (${answer.length} characters)`,
    };
  } catch (e) {
    return { success: false, message: (e as Error).message };
  }
}

export async function deleteTerminal(
  client: CaoClient,
  terminalId: string,
): Promise<{ success: boolean; message: string }> {
  try {
    await ok(client.api.terminals[':id'].$delete({ param: { id: assertTerminalId(terminalId) } }));
    return { success: true, message: `Terminal ${terminalId} deleted` };
  } catch (e) {
    return { success: false, message: (e as Error).message };
  }
}
