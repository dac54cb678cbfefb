import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';

export function healthRoutes(deps: AppDeps): Hono {
  return new Hono().get('/health', (c) =>
    c.json({
      status: 'ok',
      service: 'cli-agent-orchestrator',
      version: deps.version,
      // the process that really serves, and its home: `cao` reports these after an autostart
      pid: process.pid,
      cao_home: deps.paths.home,
      terminal_backend: deps.core.deps.runtime.kind,
      components: { cao: 'ok', [deps.core.deps.runtime.kind]: 'ok' },
    }),
  );
}
