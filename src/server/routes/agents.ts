/** Profiles and providers: `/agents/profiles`, `/agents/profiles/{name}`, `/agents/providers`. */
import { Hono } from 'hono';
import { CaoError } from '../../lib/errors.js';
import { listProfiles, loadProfile } from '../../profiles/discovery.js';
import { installProfile } from '../../profiles/install.js';
import { profileToJson } from '../../profiles/profile.js';
import type { AppDeps } from '../deps.js';
import { param, recordParam, requiredParam } from '../params.js';

export function agentRoutes(deps: AppDeps): Hono {
  const where = { paths: deps.paths, home: deps.home };
  return new Hono()
    .get('/agents/profiles', (c) => c.json(listProfiles(where)))
    .get('/agents/providers', async (c) => c.json(await deps.providerInfo()))
    .post('/agents/profiles/install', async (c) => {
      const source = await requiredParam(c, 'source');
      if (!/^https:\/\//.test(source) && /[/\\]|\.md$/.test(source)) {
        throw new CaoError(
          'INVALID_INPUT',
          'Local file paths cannot be installed over HTTP; use `cao install <path>` on the machine.',
        );
      }
      const result = await installProfile({
        source,
        provider: await param(c, 'provider'),
        env: (await recordParam(c, 'env_vars')) ?? {},
        paths: deps.paths,
        home: deps.home,
        allowLocalPath: false,
      });
      return c.json(result);
    })
    .get('/agents/profiles/:name', (c) => {
      const p = loadProfile(c.req.param('name'), where);
      const { source, ...profile } = p;
      return c.json({ ...profileToJson(profile), source });
    });
}
