/**
 * The dashboard (`web/`, built into `dist/web` by `npm run build`): `GET /` is its page and
 * `GET /assets/{file}` its scripts and styles. Behind the same Host/Origin checks as the API,
 * with a strict Content-Security-Policy: scripts, styles and connections from this server
 * only, nothing inline but what carries the page's nonce (xterm.js creates `<style>` elements;
 * the page stamps them with the nonce) and style attributes (xterm.js colours cells with them).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context } from 'hono';

/** dist/web of this package, from src/server/routes (tests) and dist/server/routes alike. */
export const WEB_ROOT = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

/** The placeholder in index.html replaced by each response's nonce. */
export const NONCE_PLACEHOLDER = 'CAO_CSP_NONCE';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};
const ASSET_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function hardening(c: Context): void {
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Frame-Options', 'DENY');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
  c.header('Cross-Origin-Resource-Policy', 'same-origin');
}

export function webRoutes(root: string = WEB_ROOT): Hono {
  const assets = new Map<string, Uint8Array<ArrayBuffer>>();
  return new Hono()
    .get('/', async (c) => {
      let html: string;
      try {
        html = await readFile(join(root, 'index.html'), 'utf8');
      } catch {
        return c.json(
          {
            detail: 'The dashboard is not built: run `npm run build` in the cao checkout.',
            code: 'NOT_FOUND',
          },
          404,
        );
      }
      const nonce = randomBytes(16).toString('base64');
      hardening(c);
      c.header('Content-Security-Policy', contentSecurityPolicy(nonce));
      c.header('Cache-Control', 'no-store');
      return c.html(html.replaceAll(NONCE_PLACEHOLDER, nonce));
    })
    .get('/assets/:file', async (c) => {
      const file = c.req.param('file');
      const type = TYPES[extname(file)];
      if (!ASSET_RE.test(file) || !type) {
        return c.json({ detail: `Not Found: ${c.req.path}`, code: 'NOT_FOUND' }, 404);
      }
      let body = assets.get(file);
      if (!body) {
        try {
          body = new Uint8Array(await readFile(join(root, 'assets', file)));
        } catch {
          return c.json({ detail: `Not Found: ${c.req.path}`, code: 'NOT_FOUND' }, 404);
        }
        assets.set(file, body);
      }
      hardening(c);
      c.header('Content-Type', type);
      // file names carry a content hash (Vite), so a name never changes its content
      c.header('Cache-Control', 'public, max-age=31536000, immutable');
      return c.body(body);
    });
}
