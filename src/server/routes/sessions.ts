/** `/sessions` and `/sessions/{name}/terminals`. */
import { Hono } from 'hono';
import { CaoError } from '../../lib/errors.js';
import type { AppDeps } from '../deps.js';
import {
  boolParam,
  listParam,
  messageParam,
  param,
  recordParam,
  requiredParam,
} from '../params.js';

export function sessionRoutes(deps: AppDeps): Hono {
  const { sessions, terminals } = deps.core;
  return new Hono()
    .post('/sessions', async (c) => {
      const allowedTools = await listParam(c, 'allowed_tools');
      const yolo = (await boolParam(c, 'yolo')) ?? allowedTools?.includes('*') ?? false;
      const view = await sessions.create({
        profileName: await requiredParam(c, 'agent_profile'),
        provider: await param(c, 'provider'),
        sessionName: await param(c, 'session_name'),
        workingDirectory: (await param(c, 'working_directory')) ?? deps.home,
        yolo,
        allowedTools: yolo ? undefined : allowedTools,
        model: await param(c, 'model'),
        env: await recordParam(c, 'env_vars'),
      });
      return c.json(view, 201);
    })
    .get('/sessions', async (c) => {
      const list = await sessions.list();
      return c.json(
        list.map((s) => ({
          id: s.id,
          name: s.name,
          status: s.status,
          working_directory: s.working_directory,
          agent_profile: s.agent_profile,
          created_at: s.created_at,
          terminal_count: s.terminal_count,
        })),
      );
    })
    .get('/sessions/:name', async (c) => c.json(await sessions.get(c.req.param('name'))))
    .delete('/sessions/:name', async (c) => c.json(await sessions.delete(c.req.param('name'))))
    .post('/sessions/:name/terminals', async (c) => {
      const name = c.req.param('name');
      const session = await sessions.record(name);
      const initialMessage = await messageParam(c, 'initial_message');
      if (initialMessage !== undefined) {
        // a worker whose first task is queued in the ledger: returns as soon as the window exists
        const type =
          (await param(c, 'initial_message_orchestration_type')) ??
          (await param(c, 'orchestration_type')) ??
          'assign';
        if (type !== 'assign' && type !== 'handoff') {
          throw new CaoError(
            'INVALID_INPUT',
            "initial_message_orchestration_type must be 'assign' or 'handoff'.",
          );
        }
        const started = await deps.core.orchestrator.startWorker({
          callerId: await param(c, 'caller_id'),
          sessionName: session.name,
          profileName: await requiredParam(c, 'agent_profile'),
          provider: await param(c, 'provider'),
          workingDirectory: await param(c, 'working_directory'),
          model: await param(c, 'model'),
          message: initialMessage,
          type,
        });
        return c.json({ ...started.terminal, message_id: started.messageId }, 201);
      }
      const allowedTools = await listParam(c, 'allowed_tools');
      const yolo = (await boolParam(c, 'yolo')) ?? allowedTools?.includes('*') ?? false;
      const view = await sessions.addTerminal(name, {
        profileName: await requiredParam(c, 'agent_profile'),
        provider: await param(c, 'provider'),
        workingDirectory:
          (await param(c, 'working_directory')) ?? session.workingDirectory ?? deps.home,
        yolo,
        allowedTools: yolo ? undefined : allowedTools,
        model: await param(c, 'model'),
        callerId: await param(c, 'caller_id'),
      });
      return c.json(view, 201);
    })
    .get('/sessions/:name/terminals', async (c) => {
      const s = await sessions.record(c.req.param('name'));
      return c.json(await terminals.list(s.name));
    });
}
