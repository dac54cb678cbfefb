/** `/terminals/{id}` and its actions (the original CAO's endpoints, for outside clients too). */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppDeps } from '../deps.js';
import { parseSince } from '../../core/usage.js';
import { body, p, query } from '../params.js';

export function terminalRoutes(deps: AppDeps) {
  const { terminals, budgets } = deps.core;
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
    .get(
      '/terminals/:id/usage/turns',
      query(z.object({ limit: p.int(1, 1000).optional() })),
      async (c) =>
        c.json(await terminals.turnUsage(c.req.param('id'), c.req.valid('query').limit ?? 20)),
    )
    .get('/terminals/:id/budget', async (c) =>
      c.json(await budgets.view(await terminals.record(c.req.param('id')))),
    )
    .post(
      '/terminals/:id/budget',
      body(
        z.object({
          /** USD; null removes the cost limit, absent keeps it. */
          max_cost_usd: p.num().nullable().optional(),
          /** null removes the token limit, absent keeps it. */
          max_tokens: p.num().nullable().optional(),
        }),
      ),
      async (c) => {
        const v = c.req.valid('json');
        return c.json(
          await budgets.change(await terminals.record(c.req.param('id')), {
            maxCostUsd: v.max_cost_usd,
            maxTokens: v.max_tokens,
          }),
        );
      },
    )
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
