/** `/terminals/{id}` and its actions (the original CAO's endpoints, for outside clients too). */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { parseSince } from '../../core/usage.js';
import { body, p, query } from '../params.js';

export function terminalRoutes(deps: AppDeps) {
  const { terminals } = deps.core;
  return new Hono()
    .get('/terminals/:id', async (c) => c.json(await terminals.get(c.req.param('id'))))
    .delete('/terminals/:id', async (c) => {
      await terminals.delete(c.req.param('id'));
      return c.json({ success: true });
    })
    .post('/terminals/:id/input', body(z.object({ message: p.message() })), async (c) => {
      const r = await terminals.sendInput(c.req.param('id'), c.req.valid('json').message);
      return c.json({
        success: true,
        enters: r.enters,
        echoed: r.echoed,
        status: r.detection.status,
      });
    })
    .post('/terminals/:id/key', body(z.object({ key: p.text() })), async (c) => {
      await terminals.sendKey(c.req.param('id'), c.req.valid('json').key);
      return c.json({ success: true });
    })
    .get(
      '/terminals/:id/output',
      query(z.object({ mode: p.oneOf(['full', 'last']).optional() })),
      async (c) =>
        c.json(await terminals.output(c.req.param('id'), c.req.valid('query').mode ?? 'full')),
    )
    .get('/terminals/:id/usage', query(z.object({ since: p.optText() })), async (c) => {
      const since = c.req.valid('query').since;
      return c.json(
        await terminals.usage(c.req.param('id'), since ? parseSince(since) : undefined),
      );
    })
    .post('/terminals/:id/mcp-ready', async (c) => {
      await terminals.markMcpReady(c.req.param('id'));
      return c.json({ success: true });
    })
    .post('/terminals/:id/exit', async (c) => {
      await terminals.exit(c.req.param('id'));
      return c.json({ success: true });
    })
    .get('/terminals/:id/detect', async (c) => c.json(await terminals.detect(c.req.param('id'))))
    .get('/terminals/:id/working-directory', async (c) =>
      c.json({ working_directory: await terminals.workingDirectory(c.req.param('id')) }),
    );
}
