/**
 * `/worktrees`: the git worktrees workers run in (`use_worktree`, core/worktrees.ts): each
 * one's branch and changes, merged into the caller's tree or removed.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';

export function worktreeRoutes(deps: AppDeps) {
  const { worktrees } = deps.core;
  return new Hono()
    .get('/worktrees', async (c) => c.json(await worktrees.list()))
    .get('/worktrees/:id/diff', async (c) => c.json(await worktrees.diff(c.req.param('id'))))
    .post('/worktrees/:id/merge', async (c) => c.json(await worktrees.merge(c.req.param('id'))))
    .delete('/worktrees/:id', async (c) => {
      await worktrees.remove(c.req.param('id'));
      return c.json({ success: true });
    });
}
