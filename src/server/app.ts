/**
 * The HTTP app: routes wired to the core, behind the request rules, the Host/Origin checks and
 * authentication, with errors mapped in one place. Pure wiring: no I/O happens at import or construction time.
 */
import { Hono } from 'hono';
import type { AppDeps } from './deps.js';
import { onError } from './errors.js';
import { openApiDocument } from './openapi.js';
import { agentRoutes } from './routes/agents.js';
import { eventRoutes } from './routes/events.js';
import { flowRoutes } from './routes/flows.js';
import { healthRoutes } from './routes/health.js';
import { hostRoutes } from './routes/hosts.js';
import { inboxRoutes } from './routes/inbox.js';
import { orchestrationRoutes } from './routes/orchestration.js';
import { sessionRoutes } from './routes/sessions.js';
import { terminalRoutes } from './routes/terminals.js';
import { turnRoutes } from './routes/turns.js';
import { webRoutes } from './routes/web.js';
import { worktreeRoutes } from './routes/worktrees.js';
import { resumeRoutes } from './routes/resume.js';
import { authenticate } from './auth.js';
import { mcpRoutes } from './mcp.js';
import { bodySizeLimit, singleHost, wrongMethod } from './request-rules.js';
import { agentToolRoutes } from './routes/agent-tools.js';
import { authRoutes } from './routes/auth.js';
import { security } from './security.js';
import { terminalSocketRoutes } from './ws.js';

export function createApp(deps: AppDeps) {
  const doc = openApiDocument(deps.version);
  const base = new Hono();
  const app = base
    .use('*', singleHost())
    .use('*', security(deps.security))
    .use('*', bodySizeLimit())
    // reads the routes below when a request matches none of them
    .use('*', wrongMethod(base))
    .use('*', authenticate(deps.auth))
    .route('/', authRoutes(deps))
    .route('/', healthRoutes(deps))
    .route('/', agentRoutes(deps))
    .route('/', sessionRoutes(deps))
    .route('/', orchestrationRoutes(deps))
    .route('/', turnRoutes(deps))
    .route('/', agentToolRoutes(deps))
    .route('/', mcpRoutes(deps))
    .route('/', terminalRoutes(deps))
    .route('/', inboxRoutes(deps))
    .route('/', eventRoutes(deps))
    .route('/', terminalSocketRoutes(deps))
    .route('/', flowRoutes(deps))
    .route('/', hostRoutes(deps))
    .route('/', worktreeRoutes(deps))
    .route('/', resumeRoutes(deps))
    .get('/openapi.json', (c) => c.json(doc))
    .route('/', webRoutes());
  app.notFound((c) =>
    c.json({ detail: `Not Found: ${c.req.method} ${c.req.path}`, code: 'NOT_FOUND' }, 404),
  );
  app.onError(onError(deps.log));
  return app;
}

/** The API's type: the `hc` client (src/client/api.ts) is built from it. */
export type App = ReturnType<typeof createApp>;
