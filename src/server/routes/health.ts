import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';

export function healthRoutes(deps: AppDeps) {
  return new Hono().get('/health', async (c) => {
    // asks tmux itself each time: a dead tmux server must not read as "ok"
    const r = await deps.core.sessions.runtimeReport();
    const h = await deps.core.health();
    const kind = h.terminal_backend;
    return c.json({
      status: r.state === 'ok' ? 'ok' : 'degraded',
      service: 'cli-agent-orchestrator',
      version: deps.version,
      // the process that really serves, and its home: `cao` reports these after an autostart
      pid: process.pid,
      cao_home: deps.paths.home,
      terminal_backend: kind,
      components: { cao: 'ok', [kind]: r.state },
      [kind]: { state: r.state, server: r.server, detail: r.detail || null },
      lost_sessions: r.lost,
    });
  });
}
