/**
 * One run of a flow, start to end, and always an outcome (never a throw):
 *
 * 1. busy? If the session `cao-flow-<name>` exists and its conductor is still processing,
 *    waiting for an answer, or has not received the previous prompt yet, the run is
 *    `skipped-busy` (the previous run is never interrupted);
 * 2. the gate script, if any, decides: `"execute": false` is `skipped-by-script`; its
 *    `output` fills the prompt template;
 * 3. a finished `cao-flow-<name>` session is shut down, and a new one is launched headless in
 *    cao-server's home directory, with permission prompts skipped (no one is there to answer);
 * 4. the rendered prompt is queued for the conductor in the delivery ledger (sender
 *    `cao-flow:<name>`), which delivers it once the agent is ready: `executed`.
 *
 * Anything that goes wrong is `failed` with the reason.
 */
import { readFileSync } from 'node:fs';
import type { Core } from '../core/core.js';
import { CaoError, errorMessage } from '../lib/errors.js';
import { isoNow, type Clock } from '../lib/time.js';
import type { FlowRecord, FlowTrigger, NewFlowRun } from '../store/store.js';
import { flowSessionName, parseFlowFile, renderTemplate } from './flow-file.js';
import { runGateScript } from './gate-script.js';

export interface RunContext {
  core: Core;
  clock: Clock;
  gateTimeoutMs: number;
  /** Where a flow's session runs (cao-server's home directory). */
  home: string;
  /** The environment gate scripts start from. */
  agentEnv: Readonly<NodeJS.ProcessEnv>;
}

export const flowSenderId = (name: string): string => `cao-flow:${name}`;

export async function executeFlow(
  ctx: RunContext,
  flow: FlowRecord,
  trigger: FlowTrigger,
): Promise<NewFlowRun> {
  const session = flowSessionName(flow.name);
  const run: NewFlowRun = {
    flowName: flow.name,
    startedAt: isoNow(ctx.clock),
    trigger,
    outcome: 'failed',
    reason: null,
    session: null,
    terminalId: null,
    messageId: null,
  };
  try {
    const busy = await busyReason(ctx.core, session);
    if (busy) return { ...run, outcome: 'skipped-busy', ...busy, session };
    const prompt = await renderPrompt(ctx, flow);
    if (prompt === undefined) {
      return {
        ...run,
        outcome: 'skipped-by-script',
        reason: `the gate script ${flow.script ?? ''} printed "execute": false`,
      };
    }
    const { sessions, ledger } = ctx.core;
    await sessions.delete(session).catch((e: unknown) => {
      if (!(e instanceof CaoError && e.code === 'NOT_FOUND')) throw e;
    });
    const conductor = await sessions.create({
      sessionName: session,
      profileName: flow.agentProfile,
      provider: flow.provider,
      workingDirectory: ctx.home,
      yolo: true,
    });
    const message = await ledger.enqueue({
      senderId: flowSenderId(flow.name),
      receiverId: conductor.id,
      message: prompt,
      orchestrationType: 'send_message',
    });
    return {
      ...run,
      outcome: 'executed',
      session,
      terminalId: conductor.id,
      messageId: message.id,
    };
  } catch (e) {
    return { ...run, outcome: 'failed', reason: errorMessage(e) };
  }
}

/** Why the previous run still holds the flow's session, or undefined when it does not. */
async function busyReason(
  core: Core,
  session: string,
): Promise<{ reason: string; terminalId: string } | undefined> {
  if (!(await core.sessions.alive(session))) return undefined;
  const conductor = (await core.terminals.list(session))[0];
  if (!conductor) return undefined;
  const status = conductor.status;
  const where = `session ${session}, terminal ${conductor.id}`;
  if (status === 'processing') {
    return { reason: `the previous run is still processing (${where})`, terminalId: conductor.id };
  }
  if (status === 'waiting_user_answer') {
    return {
      reason:
        `the previous run is waiting for an answer (${where}); answer it (tmux attach -t ${session}) ` +
        `or shut it down with 'cao shutdown --session ${session}'`,
      terminalId: conductor.id,
    };
  }
  const queued = await core.ledger.head(conductor.id);
  if (queued) {
    return {
      reason: `the previous run's prompt (message ${queued.id}) has not been delivered yet (${where})`,
      terminalId: conductor.id,
    };
  }
  return undefined;
}

/** The prompt for this run, or undefined when the gate script said not to run. */
async function renderPrompt(ctx: RunContext, flow: FlowRecord): Promise<string | undefined> {
  let text: string;
  try {
    text = readFileSync(flow.filePath, 'utf8');
  } catch {
    throw new CaoError(
      'NOT_FOUND',
      `the flow file ${flow.filePath} is missing; add the flow again with 'cao flow add FILE --force'`,
    );
  }
  const def = parseFlowFile(text, flow.filePath);
  let vars: Record<string, unknown> = {};
  if (flow.script) {
    const gate = await runGateScript(flow.script, {
      timeoutMs: ctx.gateTimeoutMs,
      env: { ...ctx.agentEnv, CAO_FLOW_NAME: flow.name },
    });
    if (!gate.execute) return undefined;
    vars = gate.output;
  }
  return renderTemplate(def.promptTemplate, vars);
}
