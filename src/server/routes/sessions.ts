/** `/sessions` and `/sessions/{name}/terminals`. */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { parseSince } from '../../core/usage.js';
import { body, p, query } from '../params.js';
import { launchWarnings } from '../providers-info.js';

const launchParams = {
  agent_profile: p.text(),
  provider: p.optText(),
  working_directory: p.optText(),
  yolo: p.bool().optional(),
  allowed_tools: p.list().optional(),
  model: p.optText(),
  /** 'local', a host's name (`cao host add`), or 'auto'. */
  host: p.optText(),
  /** Run in a new git worktree made from the working directory's HEAD. */
  use_worktree: p.bool().optional(),
  /** Budget: USD and tokens after which cao holds new messages to the agent (default: the
   *  profile's max_cost, max_tokens). */
  max_cost: p.num().optional(),
  max_tokens: p.num().optional(),
};

const createSession = z.object({
  ...launchParams,
  session_name: p.optText(),
  env_vars: p.record().optional(),
});

const addTerminal = z.object({
  ...launchParams,
  caller_id: p.optText(),
  initial_message: p.message().optional(),
  initial_message_orchestration_type: p.oneOf(['assign', 'handoff']).optional(),
  orchestration_type: p.oneOf(['assign', 'handoff']).optional(),
});

/** `yolo` (or `allowed_tools: *`) means every tool; otherwise the list is enforced. */
function toolPolicy(v: { yolo?: boolean | undefined; allowed_tools?: string[] | undefined }): {
  yolo: boolean;
  allowedTools: string[] | undefined;
} {
  const yolo = v.yolo ?? v.allowed_tools?.includes('*') ?? false;
  return { yolo, allowedTools: yolo ? undefined : v.allowed_tools };
}

export function sessionRoutes(deps: AppDeps) {
  const { sessions, terminals, orchestrator } = deps.core;
  return new Hono()
    .post('/sessions', body(createSession), async (c) => {
      const v = c.req.valid('json');
      const view = await sessions.create({
        profileName: v.agent_profile,
        provider: v.provider,
        sessionName: v.session_name,
        workingDirectory: v.working_directory ?? deps.home,
        ...toolPolicy(v),
        model: v.model,
        env: v.env_vars,
        host: v.host || undefined,
        useWorktree: v.use_worktree,
        budget: { maxCostUsd: v.max_cost, maxTokens: v.max_tokens },
      });
      return c.json({ ...view, warnings: await launchWarnings(deps, view) }, 201);
    })
    .get('/sessions', async (c) => c.json(await sessions.list()))
    .get('/sessions/:name', async (c) => c.json(await sessions.get(c.req.param('name'))))
    .get('/sessions/:name/usage', query(z.object({ since: p.optText() })), async (c) => {
      const since = c.req.valid('query').since;
      return c.json(
        await sessions.usage(c.req.param('name'), since ? parseSince(since) : undefined),
      );
    })
    .delete('/sessions/:name', async (c) => c.json(await sessions.delete(c.req.param('name'))))
    .post('/sessions/:name/terminals', body(addTerminal), async (c) => {
      const v = c.req.valid('json');
      const session = await sessions.record(c.req.param('name'));
      if (v.initial_message !== undefined) {
        // a worker whose first task is queued in the ledger: returns as soon as the window exists
        const started = await orchestrator.startWorker({
          callerId: v.caller_id,
          sessionName: session.name,
          profileName: v.agent_profile,
          provider: v.provider,
          workingDirectory: v.working_directory,
          model: v.model,
          host: v.host || undefined,
          useWorktree: v.use_worktree,
          budget: { maxCostUsd: v.max_cost, maxTokens: v.max_tokens },
          message: v.initial_message,
          type: v.initial_message_orchestration_type ?? v.orchestration_type ?? 'assign',
        });
        return c.json(
          {
            ...started.terminal,
            message_id: started.messageId,
            warnings: await launchWarnings(deps, started.terminal),
          },
          201,
        );
      }
      const view = await sessions.addTerminal(session.name, {
        profileName: v.agent_profile,
        provider: v.provider,
        workingDirectory: v.working_directory ?? session.workingDirectory ?? deps.home,
        ...toolPolicy(v),
        model: v.model,
        callerId: v.caller_id,
        host: v.host || undefined,
        useWorktree: v.use_worktree,
        budget: { maxCostUsd: v.max_cost, maxTokens: v.max_tokens },
      });
      return c.json({ ...view, warnings: await launchWarnings(deps, view) }, 201);
    })
    .get('/sessions/:name/terminals', async (c) => {
      const s = await sessions.record(c.req.param('name'));
      return c.json(await terminals.list(s.name));
    });
}
