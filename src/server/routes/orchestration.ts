/**
 * Orchestration endpoints used by cao-mcp-server and the `cao agent` commands: answer a
 * prompt, and the one-call handoff (`run-step`). Waiting for a worker's turn is in turns.ts.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { CaoError } from '../../lib/errors.js';
import type { AppDeps } from '../deps.js';
import { body, p } from '../params.js';

const runStep = z.object({
  caller_id: p.optText(),
  session_name: p.optText(),
  agent: p.optText(),
  agent_profile: p.optText(),
  provider: p.optText(),
  working_directory: p.optText(),
  model: p.optText(),
  prompt: p.message().optional(),
  message: p.message().optional(),
  timeout: p.int(1, 24 * 3600).optional(),
  teardown: p.bool().optional(),
});

export function orchestrationRoutes(deps: AppDeps) {
  const { orchestrator } = deps.core;
  return new Hono()
    .post('/terminals/run-step', body(runStep), async (c) => {
      const v = c.req.valid('json');
      const profileName = v.agent || v.agent_profile;
      if (!profileName)
        throw new CaoError('UNPROCESSABLE', "Missing required parameter 'agent_profile'.");
      const message = v.prompt || v.message;
      if (!message) throw new CaoError('UNPROCESSABLE', "Missing required parameter 'message'.");
      const timeout = v.timeout ?? 600;
      const result = await orchestrator.runStep({
        callerId: v.caller_id,
        sessionName: v.session_name,
        profileName,
        provider: v.provider,
        workingDirectory: v.working_directory,
        model: v.model,
        message,
        type: 'handoff',
        timeoutMs: timeout * 1000,
        teardown: v.teardown ?? true,
      });
      const out = { ...result, last_message: result.output, replayed: false };
      if (result.outcome === 'timeout') {
        throw new CaoError(
          'TIMEOUT',
          `Handoff timed out after ${timeout} seconds; worker ${result.terminal_id} is still running.`,
          { details: { kind: 'timeout', ...out } },
        );
      }
      if (result.outcome !== 'completed') {
        throw new CaoError(
          'AGENT_FAILED',
          `Handoff failed: worker ${result.outcome} (${result.error ?? result.evidence[0] ?? result.rule ?? ''})`,
          { details: { kind: 'error', ...out } },
        );
      }
      return c.json(out);
    })
    .post('/terminals/:id/answer', body(z.object({ answer: p.text() })), async (c) => {
      const r = await orchestrator.answer(c.req.param('id'), c.req.valid('json').answer);
      return c.json({ success: true, keys: r.keys });
    });
}
