/**
 * A bounded, repeatable fuzz of every route in the OpenAPI document (issue 13 §7): at most
 * 2,000 malformed requests from a fixed seed (wrong types, control characters, huge and empty
 * values, broken JSON, wrong methods and content types, two Host headers, foreign origins),
 * against the in-process stack with a live terminal so that valid ids reach deep code too.
 * No request may get a 5xx, and the server must be healthy after: it still starts an agent
 * and types into it. `CAO_FUZZ_SEED` replays another seed; `CAO_FUZZ_REPORT=1` prints the
 * tally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../../test/support/stack.js';
import type { TerminalView } from '../core/views.js';
import { OPERATIONS } from './openapi.js';
import { MAX_BODY_BYTES } from './request-rules.js';

const SEED = Number(process.env['CAO_FUZZ_SEED'] ?? 13);
const MAX_REQUESTS = 2000;
/** A request that waits (a turn, an await) may take this long before it counts as hung. */
const REQUEST_LIMIT_MS = 5000;

/** mulberry32: a small seeded PRNG, so every run sends the same requests. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pools {
  terminalId: string;
  session: string;
}

function fuzzer(seed: number, pools: Pools) {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const chance = (p: number): boolean => rnd() < p;

  const weirdStrings = (): string[] => [
    '',
    ' ',
    'x'.repeat(1 + int(400)),
    '../../etc/passwd',
    '%00',
    '\u0000\u001b[31m\u009b2J',
    '\u001b\u0001\u0007',
    '\u009b\u0085\u0090',
    '\u2603\ud83d\ude00',
    '\ud800',
    'cao-',
    '-1',
    '1e309',
    'NaN',
    'true',
    '<script>alert(1)</script>',
    "'; DROP TABLE terminals; --",
    '${HOME}$(id)`id`',
    'ABCDEF12',
    '12345678',
    pools.terminalId,
    pools.session,
    'developer',
    'claude_code',
    'pending',
    'last',
  ];

  const value = (depth = 0): unknown => {
    switch (int(depth > 2 ? 6 : 9)) {
      case 0:
        return null;
      case 1:
        return chance(0.5);
      case 2:
        return pick([0, -1, 1, 2 ** 53, -(2 ** 31), 1e308, 0.5, 1]);
      case 3:
      case 4:
      case 5:
        return pick(weirdStrings());
      case 6:
        return Array.from({ length: int(4) }, () => value(depth + 1));
      case 7:
        return Object.fromEntries(
          Array.from({ length: int(4) }, () => [pick(weirdStrings()), value(depth + 1)]),
        );
      default:
        return 'y'.repeat(int(200_000));
    }
  };

  const pathValue = (name: string): string => {
    // half the time a real id or session, so the request gets past the lookup
    if (chance(0.5)) return name === 'id' ? pools.terminalId : pools.session;
    const pool = weirdStrings().filter((x) => x !== '');
    try {
      return encodeURIComponent(pick(pool));
    } catch {
      return '%ED%A0%80'; // a lone surrogate: invalid UTF-8 on the wire
    }
  };

  return {
    chance,
    pick,
    int,
    request(): { method: string; path: string; init: RequestInit; op: string } {
      const op = pick(OPERATIONS);
      let path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => pathValue(name));
      const query = new URLSearchParams();
      for (const p of op.params ?? []) {
        if (p.in === 'query' && chance(0.7)) query.set(p.name, String(value()));
      }
      if (chance(0.3)) query.set(pick(weirdStrings()) || 'k', String(value()));
      if ([...query.keys()].length > 0) path += `?${query.toString()}`;
      const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
      const method = chance(0.12) ? pick(methods) : op.method.toUpperCase();
      const headers: [string, string][] = [['host', '127.0.0.1:9889']];
      if (chance(0.03)) headers.push(['host', 'evil.example']);
      if (chance(0.04))
        headers.push(['origin', pick(['https://evil.example', 'http://localhost:3000', 'null'])]);
      let body: string | undefined;
      if (method !== 'GET' && method !== 'HEAD') {
        const props = Object.keys(
          (op.body as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
        );
        const keys = [...props, ...(op.params ?? []).map((p) => p.name), 'message', 'env_vars'];
        switch (int(10)) {
          case 0:
            body = pick(['{', '{"a":', 'nul', '[1,2', '"\\ud800"', '\u0000', '{}}']);
            headers.push(['content-type', 'application/json']);
            break;
          case 1:
            body = JSON.stringify(value());
            headers.push([
              'content-type',
              pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded']),
            ]);
            break;
          case 2:
            if (chance(0.1)) {
              body = JSON.stringify({ message: 'z'.repeat(MAX_BODY_BYTES + 1) });
              headers.push(['content-type', 'application/json']);
            }
            break;
          default: {
            const o: Record<string, unknown> = {};
            for (const k of keys) if (chance(0.6)) o[k] = value();
            body = JSON.stringify(o);
            headers.push(['content-type', 'application/json; charset=utf-8']);
          }
        }
      }
      return {
        method,
        path,
        init: { method, headers, ...(body === undefined ? {} : { body }) },
        op: `${op.method.toUpperCase()} ${op.path}`,
      };
    },
  };
}

describe(`fuzz: every OpenAPI route, ${MAX_REQUESTS} malformed requests, seed ${SEED}`, () => {
  let s: TestStack;
  let terminal: TerminalView;

  let sessions = 0;
  /** A fresh session whose conductor the fuzz aims at (again after a request removed it). */
  async function target(): Promise<TerminalView> {
    const r = await s.req<TerminalView>('POST', '/sessions', {
      agent_profile: 'developer',
      provider: 'claude_code',
      session_name: `fuzz${++sessions}`,
      working_directory: s.work,
    });
    expect(r.status).toBe(201);
    return r.body;
  }

  beforeAll(async () => {
    s = createTestStack({ timing: { initTimeoutMs: 2000 } });
    terminal = await target();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('answers every request without a 5xx, and stays healthy', { timeout: 240_000 }, async () => {
    const pools = { terminalId: terminal.id, session: terminal.session_name };
    const f = fuzzer(SEED, pools);
    const tally = new Map<number, number>();
    const failures: string[] = [];
    const hung: string[] = [];
    const ops = new Set<string>();
    for (let i = 0; i < MAX_REQUESTS; i++) {
      const req = f.request();
      ops.add(req.op);
      let timer: NodeJS.Timeout | undefined;
      const res = await Promise.race([
        Promise.resolve(s.app.request(req.path, req.init)),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), REQUEST_LIMIT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      if (!res) {
        hung.push(`${req.method} ${req.path.slice(0, 120)}`);
        continue;
      }
      tally.set(res.status, (tally.get(res.status) ?? 0) + 1);
      const streaming = res.headers.get('content-type')?.includes('text/event-stream');
      const text = streaming ? '' : await res.text();
      if (streaming) await res.body?.cancel();
      if ((await s.req('GET', `/terminals/${pools.terminalId}`)).status !== 200) {
        const t = await target();
        pools.terminalId = t.id;
        pools.session = t.session_name;
      }
      if (res.status >= 500) {
        failures.push(
          `${res.status} ${req.method} ${req.path.slice(0, 160)} → ${text.slice(0, 300)}`,
        );
      }
    }
    if (process.env['CAO_FUZZ_REPORT']) {
      process.stdout.write(
        `fuzz seed ${SEED}: ${MAX_REQUESTS} requests over ${ops.size} routes; statuses ${JSON.stringify(Object.fromEntries([...tally].sort((a, b) => a[0] - b[0])))}; hung ${hung.length}\n`,
      );
    }
    expect(ops.size).toBe(OPERATIONS.length);
    expect(failures).toEqual([]);
    expect(hung).toEqual([]);

    const health = await s.req<{ status: string }>('GET', '/health');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const fresh = await s.req<TerminalView>('POST', '/sessions', {
      agent_profile: 'developer',
      provider: 'claude_code',
      session_name: 'after-fuzz',
      working_directory: s.work,
    });
    expect(fresh.status).toBe(201);
    const sent = await s.req('POST', `/terminals/${fresh.body.id}/input`, {
      message: 'still here',
    });
    expect(sent.status).toBe(200);
  });
});
