/** `/terminals/{id}` and its actions. */
import { Hono } from 'hono';
import { CaoError } from '../../lib/errors.js';
import { isGone } from '../../core/tracker.js';
import type { AppDeps } from '../deps.js';
import { param, requiredMessageParam, requiredParam } from '../params.js';

export function terminalRoutes(deps: AppDeps): Hono {
  const { terminals } = deps.core;
  return new Hono()
    .get('/terminals/:id', async (c) => c.json(await terminals.get(c.req.param('id'))))
    .delete('/terminals/:id', async (c) => {
      await terminals.delete(c.req.param('id'));
      return c.json({ success: true });
    })
    .post('/terminals/:id/input', async (c) => {
      const r = await terminals.sendInput(
        c.req.param('id'),
        await requiredMessageParam(c, 'message'),
      );
      return c.json({
        success: true,
        enters: r.enters,
        echoed: r.echoed,
        status: r.detection.status,
      });
    })
    .post('/terminals/:id/key', async (c) => {
      await terminals.sendKey(c.req.param('id'), await requiredParam(c, 'key'));
      return c.json({ success: true });
    })
    .get('/terminals/:id/output', async (c) => {
      const mode = (await param(c, 'mode')) ?? 'full';
      if (mode !== 'full' && mode !== 'last') {
        throw new CaoError('UNPROCESSABLE', "Parameter 'mode' must be 'full' or 'last'.");
      }
      return c.json(await terminals.output(c.req.param('id'), mode));
    })
    .post('/terminals/:id/mcp-ready', async (c) => {
      await terminals.markMcpReady(c.req.param('id'));
      return c.json({ success: true });
    })
    .post('/terminals/:id/exit', async (c) => {
      await terminals.exit(c.req.param('id'));
      return c.json({ success: true });
    })
    .get('/terminals/:id/detect', async (c) => {
      const t = await terminals.record(c.req.param('id'));
      const d = terminals.detection(t);
      return c.json({
        terminal_id: t.id,
        provider: t.provider,
        status: d.status,
        rule: d.rule,
        evidence: d.evidence,
        gone: isGone(d),
      });
    })
    .get('/terminals/:id/working-directory', async (c) => {
      const t = await terminals.record(c.req.param('id'));
      const pane = deps.core.tracker.paneId(t.id);
      const state = pane ? await deps.core.deps.runtime.paneState(pane) : undefined;
      return c.json({ working_directory: state?.currentPath || t.workingDirectory });
    });
}
