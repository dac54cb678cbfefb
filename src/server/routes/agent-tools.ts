/**
 * `/agent/*`: cao's MCP tools as plain HTTP calls, for `cao agent …` (agents whose MCP client
 * died, scripts). Same implementation and results as `/mcp` (core/agent-tools.ts). The caller
 * is the credential's terminal; the owner names it with `caller_id`.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { CaoError } from '../../lib/errors.js';
import { assertTerminalId } from '../../lib/names.js';
import { principalOf } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { body, p } from '../params.js';

const caller = { caller_id: p.optText() };
const task = {
  ...caller,
  agent_profile: p.text(),
  message: p.message(),
  model: p.optText(),
  provider: p.optText(),
  working_directory: p.optText(),
  host: p.optText(),
  use_worktree: p.bool().optional(),
  /** The worker's budget: USD, tokens (default: the profile's max_cost, max_tokens). */
  max_cost: p.num().optional(),
  max_tokens: p.num().optional(),
};

/** The terminal the call acts as: the credential's own, or the owner's `caller_id`. */
function callerOf(c: Context, named: string | undefined): string {
  const who = principalOf(c);
  if (who?.role === 'terminal') {
    if (named !== undefined && named !== who.terminalId) {
      throw new CaoError(
        'FORBIDDEN',
        `This token belongs to terminal ${who.terminalId}; it cannot act as terminal ${named}.`,
      );
    }
    return who.terminalId;
  }
  if (named === undefined || named === '') {
    throw new CaoError(
      'UNPROCESSABLE',
      "Missing required parameter 'caller_id': the terminal this call acts as (inside a cao terminal, $CAO_TERMINAL_ID).",
    );
  }
  return assertTerminalId(named);
}

/**
 * For the tools a person may use too (answer a question, remove a terminal): a terminal's
 * token still acts only as itself, but the owner needs no calling terminal, so the command
 * cao prints (`cao agent answer ID N`) works from a plain shell.
 */
function optionalCaller(c: Context, named: string | undefined): void {
  if (principalOf(c)?.role === 'terminal' || (named !== undefined && named !== ''))
    callerOf(c, named);
}

export function agentToolRoutes(deps: AppDeps) {
  const { tools } = deps.core;
  return new Hono()
    .post(
      '/agent/handoff',
      body(z.object({ ...task, timeout: p.int(1, 3600).optional() })),
      async (c) => {
        const v = c.req.valid('json');
        return c.json(
          await tools.handoff(
            callerOf(c, v.caller_id),
            {
              agentProfile: v.agent_profile,
              message: v.message,
              model: v.model,
              provider: v.provider,
              workingDirectory: v.working_directory,
              host: v.host || undefined,
              useWorktree: v.use_worktree,
              budget: { maxCostUsd: v.max_cost, maxTokens: v.max_tokens },
              timeoutS: v.timeout ?? 600,
            },
            c.req.raw.signal,
          ),
        );
      },
    )
    .post('/agent/assign', body(z.object(task)), async (c) => {
      const v = c.req.valid('json');
      return c.json(
        await tools.assign(callerOf(c, v.caller_id), {
          agentProfile: v.agent_profile,
          message: v.message,
          model: v.model,
          provider: v.provider,
          workingDirectory: v.working_directory,
          host: v.host || undefined,
          useWorktree: v.use_worktree,
          budget: { maxCostUsd: v.max_cost, maxTokens: v.max_tokens },
        }),
      );
    })
    .post(
      '/agent/send-message',
      body(z.object({ ...caller, message: p.message(), receiver_id: p.optText() })),
      async (c) => {
        const v = c.req.valid('json');
        return c.json(
          await tools.sendMessage(callerOf(c, v.caller_id), v.message, v.receiver_id || undefined),
        );
      },
    )
    .post(
      '/agent/answer',
      body(z.object({ ...caller, terminal_id: p.text(), answer: p.text() })),
      async (c) => {
        const v = c.req.valid('json');
        optionalCaller(c, v.caller_id);
        return c.json(await tools.answer(v.terminal_id, v.answer));
      },
    )
    .post('/agent/delete', body(z.object({ ...caller, terminal_id: p.text() })), async (c) => {
      const v = c.req.valid('json');
      optionalCaller(c, v.caller_id);
      return c.json(await tools.deleteTerminal(v.terminal_id));
    });
}
