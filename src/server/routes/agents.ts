/** Profiles and providers: `/agents/profiles`, `/agents/profiles/{name}`, `/agents/providers`. */
import { Hono } from 'hono';
import { z } from 'zod';
import { CaoError } from '../../lib/errors.js';
import { listProfiles, loadProfile } from '../../profiles/discovery.js';
import { installProfile } from '../../profiles/install.js';
import { profileToJson } from '../../profiles/profile.js';
import type { AppDeps } from '../deps.js';
import { body, p } from '../params.js';

const install = z.object({
  source: p.text(),
  provider: p.optText(),
  env_vars: p.record().optional(),
});

export function agentRoutes(deps: AppDeps) {
  const where = { paths: deps.paths, home: deps.home };
  return new Hono()
    .get('/agents/profiles', (c) => c.json(listProfiles(where)))
    .get('/agents/providers', async (c) => c.json(await deps.providerInfo()))
    .post('/agents/profiles/install', body(install), async (c) => {
      const v = c.req.valid('json');
      if (!/^https:\/\//.test(v.source) && /[/\\]|\.md$/.test(v.source)) {
        throw new CaoError(
          'INVALID_INPUT',
          'Local file paths cannot be installed over HTTP; use `cao install <path>` on the machine.',
        );
      }
      const result = await installProfile({
        source: v.source,
        provider: v.provider,
        env: v.env_vars ?? {},
        paths: deps.paths,
        home: deps.home,
        allowLocalPath: false,
      });
      return c.json(result);
    })
    .get('/agents/profiles/:name', (c) => {
      const profile = loadProfile(c.req.param('name'), where);
      const { source, ...rest } = profile;
      return c.json({ ...profileToJson(rest), source });
    });
}
