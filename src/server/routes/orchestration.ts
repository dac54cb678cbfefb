/**
 * Orchestration endpoints used by cao-mcp-server and the `cao agent` commands: wait for a
 * worker's turn, answer a prompt, and the one-call handoff (`run-step`).
 */
import { Hono } from 'hono';
import { CaoError } from '../../lib/errors.js';
import type { AppDeps } from '../deps.js';
import {
  boolParam,
  intParam,
  messageParam,
  param,
  requiredMessageParam,
  requiredParam,
} from '../params.js';

export function orchestrationRoutes(deps: AppDeps): Hono {
  const { orchestrator } = deps.core;
  return new Hono()
    .post('/terminals/run-step', async (c) => {
      const timeout = (await intParam(c, 'timeout', 1, 24 * 3600)) ?? 600;
      const result = await orchestrator.runStep({
        callerId: await param(c, 'caller_id'),
        sessionName: await param(c, 'session_name'),
        profileName: (await param(c, 'agent')) ?? (await requiredParam(c, 'agent_profile')),
        provider: await param(c, 'provider'),
        workingDirectory: await param(c, 'working_directory'),
        model: await param(c, 'model'),
        message: (await messageParam(c, 'prompt')) ?? (await requiredMessageParam(c, 'message')),
        type: 'handoff',
        timeoutMs: timeout * 1000,
        teardown: (await boolParam(c, 'teardown')) ?? true,
      });
      const body = { ...result, last_message: result.output, replayed: false };
      if (result.outcome === 'timeout') {
        throw new CaoError(
          'TIMEOUT',
          `Handoff timed out after ${timeout} seconds; worker ${result.terminal_id} is still running.`,
          {
            details: { kind: 'timeout', ...body },
          },
        );
      }
      if (result.outcome !== 'completed') {
        throw new CaoError(
          'AGENT_FAILED',
          `Handoff failed: worker ${result.outcome} (${result.error ?? result.evidence[0] ?? result.rule ?? ''})`,
          {
            details: { kind: 'error', ...body },
          },
        );
      }
      return c.json(body);
    })
    .post('/terminals/:id/await', async (c) => {
      const messageId = await intParam(c, 'message_id', 1, Number.MAX_SAFE_INTEGER);
      if (messageId === undefined)
        throw new CaoError('UNPROCESSABLE', "Missing required parameter 'message_id'.");
      const timeout = (await intParam(c, 'timeout', 1, 24 * 3600)) ?? 600;
      return c.json(await orchestrator.awaitTurn(c.req.param('id'), messageId, timeout * 1000));
    })
    .post('/terminals/:id/answer', async (c) => {
      const r = await orchestrator.answer(c.req.param('id'), await requiredParam(c, 'answer'));
      return c.json({ success: true, keys: r.keys });
    });
}
