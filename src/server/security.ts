/**
 * Host and Origin checks (reference §3.1), applied to every request including the event
 * stream. A foreign Host header means DNS rebinding; a foreign Origin means a web page trying
 * to drive local agents. Both get 403 before any route runs. Requests without an Origin
 * (the CLI, curl, the MCP server) pass the Origin check.
 */
import type { MiddlewareHandler } from 'hono';

export interface SecurityOptions {
  /** The address the server is bound to. */
  host: string;
  port: number;
  /** Extra Host names (CAO_ALLOWED_HOSTS); '*' allows any. */
  allowedHosts: readonly string[];
  /** Extra cross-origin origins (CAO_CORS_ORIGINS); '*' allows any. */
  allowedOrigins: readonly string[];
  /**
   * Also accept the usual local dev-server origins (localhost / 127.0.0.1 on ports 3000,
   * 5173, 5174) for the JSON API: CAO_DEV_ORIGINS=1, for developing a front end. Off by
   * default, since any page a browser loads from such a port could then drive cao.
   */
  devOrigins?: boolean;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const DEV_ORIGIN_PORTS = [3000, 5173, 5174];

/** `host[:port]` → lower-case host without brackets. */
export function hostName(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export function allowedHostNames(o: SecurityOptions): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  if (o.host !== '0.0.0.0' && o.host !== '::') names.add(hostName(o.host));
  for (const h of o.allowedHosts) names.add(hostName(h));
  return names;
}

export function allowedOriginList(o: SecurityOptions): Set<string> {
  const origins = new Set<string>();
  const ports = o.devOrigins ? [...DEV_ORIGIN_PORTS, o.port] : [o.port];
  for (const name of ['localhost', '127.0.0.1']) {
    for (const port of ports) origins.add(`http://${name}:${port}`);
  }
  origins.add(`http://[::1]:${o.port}`);
  for (const x of o.allowedOrigins) origins.add(x.replace(/\/+$/, '').toLowerCase());
  return origins;
}

export function security(o: SecurityOptions): MiddlewareHandler {
  const hosts = allowedHostNames(o);
  const anyHost = o.allowedHosts.includes('*');
  const origins = allowedOriginList(o);
  const anyOrigin = o.allowedOrigins.includes('*');
  return async (c, next) => {
    const hostHeader = c.req.header('host') ?? new URL(c.req.url).host;
    if (!anyHost && !hosts.has(hostName(hostHeader))) {
      return c.json(
        {
          detail: `Invalid host header '${hostHeader}'. cao-server only answers to local names; add others with CAO_ALLOWED_HOSTS.`,
          code: 'FORBIDDEN',
        },
        403,
      );
    }
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      const o2 = origin.toLowerCase().replace(/\/+$/, '');
      const sameOrigin =
        o2 === `http://${hostHeader.toLowerCase()}` || o2 === `https://${hostHeader.toLowerCase()}`;
      if (!sameOrigin && !anyOrigin && !origins.has(o2)) {
        return c.json({ detail: 'Cross-origin request blocked', code: 'FORBIDDEN' }, 403);
      }
      if (!sameOrigin) {
        c.header('Access-Control-Allow-Origin', origin);
        c.header('Vary', 'Origin');
        c.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
        c.header('Access-Control-Allow-Headers', 'Content-Type, Authorization');
        if (c.req.method === 'OPTIONS') return c.body(null, 204);
      }
    }
    return next();
  };
}

/**
 * The stricter rule for a terminal WebSocket (`ws.ts`): no Origin (a local program, not a
 * browser), a page of this server itself (same origin), or an origin named in CAO_CORS_ORIGINS.
 * The dev-server origins the JSON API accepts with CAO_DEV_ORIGINS=1 may not type into agents.
 */
export function socketOriginAllowed(
  o: SecurityOptions,
  origin: string | undefined,
  hostHeader: string,
): boolean {
  if (origin === undefined) return true;
  const o2 = origin.toLowerCase().replace(/\/+$/, '');
  const host = hostHeader.toLowerCase();
  if (o2 === `http://${host}` || o2 === `https://${host}`) return true;
  if (o.allowedOrigins.includes('*')) return true;
  return o.allowedOrigins.some((x) => x.replace(/\/+$/, '').toLowerCase() === o2);
}
