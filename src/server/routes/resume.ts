/**
 * Resuming ended sessions (core/resume.ts): the sessions that were shut down or lost with their
 * tmux server, and starting them (or one terminal) again with their conversations.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';

export function resumeRoutes(deps: AppDeps) {
  const { resume } = deps.core;
  return new Hono()
    .get('/resumable-sessions', async (c) => c.json(await resume.list()))
    .post('/sessions/:name/resume', async (c) =>
      c.json(await resume.resumeSession(c.req.param('name')), 201),
    )
    .post('/terminals/:id/resume', async (c) =>
      c.json(await resume.resumeTerminal(c.req.param('id')), 201),
    );
}
