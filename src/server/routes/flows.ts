/** `/flows`: scheduled agent sessions (reference §3.2, §8). See src/flows/flows-service.ts. */
import { Hono } from 'hono';
import { z } from 'zod';
import { CaoError } from '../../lib/errors.js';
import type { AppDeps } from '../deps.js';
import { body, jsonBody, p, query } from '../params.js';

const create = z.object({
  name: p.text(),
  schedule: p.text(),
  agent_profile: p.text(),
  provider: p.optText(),
  prompt_template: p.text(),
  force: p.bool().optional(),
});

const addFile = z.object({
  /** The flow file's text (what `cao flow add FILE` read). */
  text: p.text(),
  /** Where it came from, for messages. */
  source: p.text(),
  /** The absolute folder a relative gate script path is taken from (the file's folder). */
  base_dir: p.text(),
  force: p.bool().optional(),
});

export function flowRoutes(deps: AppDeps) {
  const { flows } = deps;
  return new Hono()
    .get('/flows', async (c) => c.json(await flows.list()))
    .post('/flows', body(create), async (c) => {
      if ('script' in (await jsonBody(c)) || c.req.query('script') !== undefined) {
        throw new CaoError(
          'INVALID_INPUT',
          "POST /flows does not take a 'script': a gate script runs code on this machine, so only a flow file (cao flow add FILE, POST /flows/files) may name one.",
        );
      }
      const v = c.req.valid('json');
      const view = await flows.create(
        {
          name: v.name,
          schedule: v.schedule,
          agent_profile: v.agent_profile,
          provider: v.provider,
          prompt_template: v.prompt_template,
        },
        { force: v.force ?? false },
      );
      return c.json(view, 201);
    })
    .post('/flows/files', body(addFile), async (c) => {
      const v = c.req.valid('json');
      const r = await flows.add(v.text, {
        source: v.source,
        baseDir: v.base_dir,
        force: v.force ?? false,
      });
      return c.json(r, 201);
    })
    .get('/flows/:name', async (c) => c.json(await flows.get(c.req.param('name'))))
    .delete('/flows/:name', async (c) => {
      await flows.remove(c.req.param('name'));
      return c.json({ success: true });
    })
    .post('/flows/:name/load', body(z.object({ force: p.bool().optional() })), async (c) => {
      const view = await flows.load(c.req.param('name'), {
        force: c.req.valid('json').force ?? false,
      });
      return c.json(view, 201);
    })
    .post('/flows/:name/enable', async (c) => {
      const view = await flows.setEnabled(c.req.param('name'), true);
      return c.json({ success: true, flow: view });
    })
    .post('/flows/:name/disable', async (c) => {
      const view = await flows.setEnabled(c.req.param('name'), false);
      return c.json({ success: true, flow: view });
    })
    .post('/flows/:name/run', async (c) => c.json(await flows.run(c.req.param('name'))))
    .get('/flows/:name/runs', query(z.object({ limit: p.int(1, 1000).optional() })), async (c) =>
      c.json(await flows.runs(c.req.param('name'), c.req.valid('query').limit ?? 20)),
    );
}
