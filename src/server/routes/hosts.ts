/**
 * `/hosts`: the machines agents run on (core/hosts.ts). `local` is the machine cao-server runs
 * on; the others are reached with OpenSSH. Each view says whether the host is reachable (or
 * why not), its tmux, its agent CLIs and their versions, its free memory and its agents.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { HostView } from '../../core/hosts.js';
import type { AppDeps } from '../deps.js';
import { body, p, query } from '../params.js';

const add = z.object({
  name: p.text(),
  destination: p.text(),
  max_agents: p.int(1, 10_000).optional(),
  labels: p.record().optional(),
});

export function hostRoutes(deps: AppDeps) {
  const { hosts, terminals } = deps.core;
  /** This machine's CLIs come from the server's own lookup (the same as /agents/providers). */
  const withLocalClis = async (v: HostView): Promise<HostView> => {
    if (v.name !== 'local') return v;
    const info = await deps.providerInfo();
    return {
      ...v,
      clis: info
        .filter((i) => i.installed)
        .map((i) => ({
          provider: i.name,
          binary: i.binary,
          path: i.path ?? '',
          version: i.version ?? '',
        })),
    };
  };
  return new Hono()
    .get('/hosts', async (c) => c.json(await Promise.all((await hosts.list()).map(withLocalClis))))
    .post('/hosts', body(add), async (c) => {
      const v = c.req.valid('json');
      const view = await hosts.add({
        name: v.name,
        destination: v.destination,
        maxAgents: v.max_agents,
        labels: v.labels,
      });
      return c.json(view, 201);
    })
    .get('/hosts/:name', async (c) =>
      c.json(await withLocalClis(await hosts.check(c.req.param('name')))),
    )
    .delete('/hosts/:name', query(z.object({ force: p.bool().optional() })), async (c) => {
      await hosts.remove(c.req.param('name'), c.req.valid('query').force ?? false, (id) =>
        terminals.delete(id),
      );
      return c.json({ success: true });
    });
}
