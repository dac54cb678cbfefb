import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';

export function healthRoutes(deps: AppDeps) {
  return new Hono().get('/health', async (c) =>
    c.json({
      status: 'ok',
      service: 'cli-agent-orchestrator',
      version: deps.version,
      ...(await deps.core.health()),
    }),
  );
}
