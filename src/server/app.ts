/**
 * The HTTP app: routes wired to the core, behind the Host/Origin checks, with errors mapped in
 * one place. Pure wiring: no I/O happens at import or construction time.
 */
import { Hono } from 'hono';
import type { AppDeps } from './deps.js';
import { onError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { agentRoutes } from './routes/agents.js';
import { eventRoutes } from './routes/events.js';
import { flowRoutes } from './routes/flows.js';
import { healthRoutes } from './routes/health.js';
import { inboxRoutes } from './routes/inbox.js';
import { orchestrationRoutes } from './routes/orchestration.js';
import { sessionRoutes } from './routes/sessions.js';
import { terminalRoutes } from './routes/terminals.js';
import { webRoutes } from './routes/web.js';
import { bodySizeLimit, singleHost, wrongMethod } from './request-rules.js';
import { security } from './security.js';
import { terminalSocketRoutes } from './ws.js';

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use('*', singleHost());
  app.use('*', security(deps.security));
  app.use('*', bodySizeLimit());
  app.use('*', wrongMethod(app));
  app.route('/', healthRoutes(deps));
  app.route('/', agentRoutes(deps));
  app.route('/', sessionRoutes(deps));
  app.route('/', orchestrationRoutes(deps));
  app.route('/', terminalRoutes(deps));
  app.route('/', inboxRoutes(deps));
  app.route('/', eventRoutes(deps));
  app.route('/', terminalSocketRoutes(deps));
  app.route('/', webRoutes());
  app.route('/', flowRoutes(deps));
  const doc = openApiDocument(deps.version);
  app.get('/openapi.json', (c) => c.json(doc));
  app.notFound((c) =>
    c.json({ detail: `Not Found: ${c.req.method} ${c.req.path}`, code: 'NOT_FOUND' }, 404),
  );
  app.onError(onError(deps.log));
  return app;
}
