/** `/flows`: scheduled agent sessions (reference §3.2, §8). See src/flows/flows-service.ts. */
import { Hono } from 'hono';
import { CaoError } from '../../lib/errors.js';
import type { AppDeps } from '../deps.js';
import { boolParam, intParam, jsonBody, param, requiredParam } from '../params.js';

export function flowRoutes(deps: AppDeps): Hono {
  const { flows } = deps;
  return new Hono()
    .get('/flows', async (c) => c.json(await flows.list()))
    .post('/flows', async (c) => {
      if ('script' in (await jsonBody(c)) || c.req.query('script') !== undefined) {
        throw new CaoError(
          'INVALID_INPUT',
          "POST /flows does not take a 'script': a gate script runs code on this machine, so only a flow file added with 'cao flow add FILE' may name one.",
        );
      }
      const view = await flows.create(
        {
          name: await requiredParam(c, 'name'),
          schedule: await requiredParam(c, 'schedule'),
          agent_profile: await requiredParam(c, 'agent_profile'),
          provider: await param(c, 'provider'),
          prompt_template: await requiredParam(c, 'prompt_template'),
        },
        { force: (await boolParam(c, 'force')) ?? false },
      );
      return c.json(view, 201);
    })
    .get('/flows/:name', async (c) => c.json(await flows.get(c.req.param('name'))))
    .delete('/flows/:name', async (c) => {
      await flows.remove(c.req.param('name'));
      return c.json({ success: true });
    })
    .post('/flows/:name/load', async (c) => {
      const view = await flows.load(c.req.param('name'), {
        force: (await boolParam(c, 'force')) ?? false,
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
    .get('/flows/:name/runs', async (c) =>
      c.json(await flows.runs(c.req.param('name'), (await intParam(c, 'limit', 1, 1000)) ?? 20)),
    );
}
