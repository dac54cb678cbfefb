/**
 * Dashboard logins: the owner asks for a one-time link (`POST /auth/login-links`; `cao
 * dashboard` and `cao info` print one), and opening it (`GET /login?code=…`) sets a signed,
 * HttpOnly, SameSite=Strict session cookie and goes to the dashboard. A code works once, for a
 * few minutes; it never appears in a log.
 */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { z } from 'zod';
import { COOKIE, COOKIE_MAX_AGE_S, principalOf, sessionCookie } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { body, p } from '../params.js';

/** How long a login link works. */
const CODE_TTL_MS = 5 * 60_000;

export class LoginCodes {
  private readonly codes = new Map<string, { role: 'owner' | 'viewer'; expires: number }>();

  create(role: 'owner' | 'viewer', now = Date.now()): { code: string; expires: number } {
    for (const [k, v] of this.codes) if (v.expires <= now) this.codes.delete(k);
    const code = randomBytes(24).toString('base64url');
    const expires = now + CODE_TTL_MS;
    this.codes.set(code, { role, expires });
    return { code, expires };
  }

  /** The code's role, once; undefined for an unknown, used or expired code. */
  take(code: string, now = Date.now()): 'owner' | 'viewer' | undefined {
    const c = this.codes.get(code);
    this.codes.delete(code);
    return c && c.expires > now ? c.role : undefined;
  }
}

export function authRoutes(deps: AppDeps) {
  const codes = deps.loginCodes;
  return new Hono()
    .post(
      '/auth/login-links',
      body(z.object({ role: p.oneOf(['owner', 'viewer']).optional() })),
      (c) => {
        const role = c.req.valid('json').role ?? 'owner';
        const { code, expires } = codes.create(role);
        const base = new URL(c.req.url);
        return c.json(
          {
            url: `${base.protocol}//${c.req.header('host') ?? base.host}/login?code=${code}`,
            role,
            expires_at: new Date(expires).toISOString(),
          },
          201,
        );
      },
    )
    .get('/auth/whoami', (c) => {
      const p = principalOf(c);
      return c.json({
        role: p?.role ?? 'owner',
        terminal_id: p?.role === 'terminal' ? p.terminalId : null,
        auth: deps.auth.enabled,
        // the dashboard shows this machine's paths below it as ~/…
        home_dir: homedir(),
      });
    })
    .get('/login', (c) => {
      const role = codes.take(c.req.query('code') ?? '');
      if (!role) {
        return c.json(
          {
            detail:
              "This login link is not valid (a link works once, for 5 minutes). Run 'cao dashboard' for a new one.",
            code: 'UNAUTHORIZED',
          },
          401,
        );
      }
      setCookie(c, COOKIE, sessionCookie(deps.auth, role), {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
        maxAge: COOKIE_MAX_AGE_S,
      });
      c.header('Cache-Control', 'no-store');
      c.header('Referrer-Policy', 'no-referrer');
      return c.redirect('/', 303);
    });
}
