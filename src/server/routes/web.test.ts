/** The dashboard's static files: the page with a fresh CSP nonce, hashed assets, nothing else. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack } from '../../../test/support/stack.js';
import { NONCE_PLACEHOLDER, webRoutes } from './web.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cao-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(
    join(root, 'index.html'),
    `<meta name="cao-csp-nonce" content="${NONCE_PLACEHOLDER}"><script type="module" src="/assets/index-abc.js"></script>`,
  );
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(root, 'secret.txt'), 'no');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dashboard files', () => {
  it('serves the page with a strict CSP and a new nonce each time', async () => {
    const app = webRoutes(root);
    const a = await app.request('/');
    const b = await app.request('/');
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = a.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    const html = await a.text();
    expect(html).toContain(`content="${nonce}"`);
    expect(html).not.toContain(NONCE_PLACEHOLDER);
    expect(b.headers.get('content-security-policy')).not.toBe(csp);
    expect(a.headers.get('x-content-type-options')).toBe('nosniff');
    expect(a.headers.get('cache-control')).toBe('no-store');
  });

  it('serves hashed assets with their types, and nothing outside assets/', async () => {
    const app = webRoutes(root);
    const js = await app.request('/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toBe('console.log(1)');
    expect((await app.request('/assets/index-abc.css')).headers.get('content-type')).toMatch(
      /^text\/css/,
    );
    for (const path of [
      '/assets/missing.js',
      '/assets/..%2Fsecret.txt',
      '/assets/%2e%2e%2Findex.html',
      '/assets/.hidden.js',
      '/secret.txt',
      '/assets/index-abc.exe',
    ]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it('says how to build the dashboard when it is not built', async () => {
    const r = await webRoutes(join(root, 'nowhere')).request('/');
    expect(r.status).toBe(404);
    expect(((await r.json()) as { detail: string }).detail).toContain('npm run build');
  });

  it('is behind the Host and Origin checks', async () => {
    const s = createTestStack();
    try {
      expect((await s.req('GET', '/', undefined, { host: 'evil.example' })).status).toBe(403);
      expect((await s.req('GET', '/', undefined, { origin: 'https://evil.example' })).status).toBe(
        403,
      );
    } finally {
      await s.close();
    }
  });
});
