/**
 * Who may drive cao-server. Every request that changes state or reveals a screen, a message or
 * an event needs a credential (the event stream and the terminal WebSocket included):
 *
 * - the **owner token** (CAO_HOME/auth/owner.token, mode 0600): everything. The CLI reads it
 *   and sends it as `Authorization: Bearer …`; the dashboard gets a cookie for it through a
 *   one-time login link (`cao dashboard`, `cao info`);
 * - the **viewer token** (CAO_HOME/auth/viewer.token) or a viewer cookie: reads only (screens,
 *   messages, events; a viewer's live terminal cannot type);
 * - a **terminal's token** (made when the terminal starts, kept by cao only as a hash): that
 *   agent's identity. It may use cao's tools (`/mcp`, `/agent/*`) as itself and read its own
 *   session; it cannot act as another terminal, and it stops working when the terminal is
 *   deleted.
 *
 * Open to all: `/health`, `/agents/profiles`, `/agents/providers`, `/openapi.json`, the
 * dashboard's page and assets, and `/login`. A missing or wrong credential is 401 saying where
 * the token is; a credential without the right is 403 saying what it may do. CAO_AUTH=off
 * turns all of this off (a warning at start-up), for clients that cannot send a token.
 */
import { createHmac } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { hashToken, looksLikeToken, sameSecret } from '../lib/secrets.js';

export type Principal =
  | { role: 'owner' }
  | { role: 'viewer' }
  | { role: 'terminal'; terminalId: string; session: string };

export type Role = Principal['role'];

export interface AuthOptions {
  enabled: boolean;
  ownerToken: string;
  viewerToken: string;
  /** Signs the dashboard's session cookies. */
  cookieKey: string;
  /** Where the owner token is, for the 401 message. */
  ownerTokenFile: string;
  /** The terminal whose token hashes to this, and its session. */
  terminalByTokenHash(hash: string): Promise<{ id: string; session: string } | undefined>;
  /** The session of a terminal, undefined when there is no such terminal. */
  sessionOf(terminalId: string): Promise<string | undefined>;
}

export const COOKIE = 'cao_session';
/** How long a dashboard login lasts. */
export const COOKIE_MAX_AGE_S = 30 * 24 * 3600;

const PUBLIC_GET = [
  /^\/health$/,
  /^\/agents\/profiles$/,
  /^\/agents\/providers$/,
  /^\/openapi\.json$/,
  /^\/$/,
  /^\/assets\/[^/]+$/,
  /^\/login$/,
];

/** The principal of a request that passed `authenticate` (undefined on public routes). */
export function principalOf(c: Context): Principal | undefined {
  return c.get('principal' as never) as Principal | undefined;
}

/** A signed cookie value for a dashboard login of `role`. */
export function sessionCookie(
  o: Pick<AuthOptions, 'cookieKey'>,
  role: 'owner' | 'viewer',
  now = Date.now(),
): string {
  const body = `${role}.${now + COOKIE_MAX_AGE_S * 1000}`;
  return `${body}.${sign(o.cookieKey, body)}`;
}

function sign(key: string, body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

function cookiePrincipal(o: AuthOptions, value: string): Principal | undefined {
  const [role, expires, mac] = value.split('.');
  if ((role !== 'owner' && role !== 'viewer') || !expires || !mac) return undefined;
  if (!sameSecret(mac, sign(o.cookieKey, `${role}.${expires}`))) return undefined;
  if (!(Number(expires) > Date.now())) return undefined;
  return { role };
}

export function authenticate(o: AuthOptions): MiddlewareHandler {
  const missing = (c: Context, why: string): Response =>
    c.json(
      {
        detail:
          `${why} cao-server needs its owner token for this: it is in ${o.ownerTokenFile} (readable only by its owner), ` +
          "and the cao CLI sends it for you. Other clients send it as 'Authorization: Bearer <token>'; " +
          "for the dashboard, open the login link 'cao dashboard' prints.",
        code: 'UNAUTHORIZED',
      },
      401,
    );
  return async (c, next) => {
    if (!o.enabled) {
      c.set('principal' as never, { role: 'owner' } as never);
      return next();
    }
    const path = c.req.path;
    if (
      (c.req.method === 'GET' || c.req.method === 'HEAD') &&
      PUBLIC_GET.some((re) => re.test(path))
    )
      return next();
    let principal: Principal | undefined;
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const token = m?.[1];
      if (!token || !looksLikeToken(token))
        return missing(c, 'The Authorization header does not carry a cao token.');
      if (token.startsWith('cao_o_') && sameSecret(token, o.ownerToken))
        principal = { role: 'owner' };
      else if (token.startsWith('cao_v_') && sameSecret(token, o.viewerToken))
        principal = { role: 'viewer' };
      else if (token.startsWith('cao_t_')) {
        const t = await o.terminalByTokenHash(hashToken(token));
        if (t) principal = { role: 'terminal', terminalId: t.id, session: t.session };
      }
      if (!principal)
        return missing(
          c,
          "The token is not valid (a deleted terminal's token stops working at once).",
        );
    } else {
      const cookie = getCookie(c, COOKIE);
      if (cookie !== undefined) principal = cookiePrincipal(o, cookie);
      if (!principal)
        return missing(
          c,
          cookie === undefined
            ? 'No credential was sent.'
            : 'The dashboard login has expired or is not valid.',
        );
    }
    const refusal = await refuse(o, principal, c);
    if (refusal) return c.json({ detail: refusal, code: 'FORBIDDEN' }, 403);
    c.set('principal' as never, principal as never);
    return next();
  };
}

/** Why `p` may not make this request, or undefined when it may. */
async function refuse(o: AuthOptions, p: Principal, c: Context): Promise<string | undefined> {
  if (p.role === 'owner') return undefined;
  const method = c.req.method;
  const path = c.req.path;
  if (p.role === 'viewer') {
    if (method === 'GET' || method === 'HEAD') return undefined;
    return 'A viewer may only read (screens, messages, events); this request changes something and needs the owner token.';
  }
  const mine = async (id: string | undefined): Promise<boolean> =>
    id !== undefined && (await o.sessionOf(id)) === p.session;
  const why = `This token belongs to terminal ${p.terminalId}: it may use cao's tools (/mcp, /agent/*) as that terminal and read its own session (${p.session}).`;
  if (path === '/mcp' || path.startsWith('/agent/')) return undefined;
  const t = /^\/terminals\/([^/]+)(\/.*)?$/.exec(path);
  if (t) {
    const [, id, rest = ''] = t;
    if (method === 'POST' && rest === '/mcp-ready') return id === p.terminalId ? undefined : why;
    if (method === 'POST' && rest === '/await') return (await mine(id)) ? undefined : why;
    if (method === 'GET' && rest !== '/ws') return (await mine(id)) ? undefined : why;
    return why;
  }
  if (method === 'GET' && path === `/sessions/${p.session}`) return undefined;
  if (method === 'GET' && path === '/inbox/messages') {
    const sender = c.req.query('sender_id');
    const receiver = c.req.query('receiver_id');
    if (
      (sender !== undefined || receiver !== undefined) &&
      (sender === undefined || (await mine(sender))) &&
      (receiver === undefined || (await mine(receiver)))
    )
      return undefined;
  }
  return why;
}
