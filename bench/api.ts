/**
 * The HTTP API under load: requests per second and latency (p50/p99) of the read endpoints a
 * dashboard or an agent polls, at 1 and 16 connections, with autocannon against cao-server
 * (10 fake-agent terminals in 2 sessions).
 */
import autocannon, { type Result } from 'autocannon';
import { ownerToken } from '../test/e2e/harness.js';
import { rowOf, type PartResult, type Row } from './lib/report.js';
import { createTerminals, fakeAgentStack, sleep } from './lib/stack.js';
import { quantile, round, roundSummary, summarize } from './lib/stats.js';

const PART = 'API';

interface Run {
  rps: number;
  /** Per-request latencies (ms). */
  latencies: number[];
  errors: number;
}

function cannon(
  url: string,
  connections: number,
  seconds: number,
  token: string | undefined,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        pipelining: 1,
        // as the owner, as the CLI is (the bench measures the API with its authentication)
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (err, r: Result) => {
        if (err) reject(err);
        else
          resolve({
            rps: r.requests.total / r.duration,
            latencies,
            errors: r.errors + r.timeouts + r.non2xx,
          });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

export async function run(o: { quick: boolean; log: (s: string) => void }): Promise<PartResult> {
  const seconds = o.quick ? 2 : 5;
  const runs = o.quick ? 2 : 3;
  const s = await fakeAgentStack({ turnMs: 300 });
  const rows: Row[] = [];
  const details: Record<string, unknown> = { seconds_per_run: seconds, runs };
  try {
    const ids = await createTerminals(s, {
      count: 10,
      perSession: 5,
      prefix: 'api',
      provider: 'claude_code',
      concurrency: 4,
    });
    // an answer for `output?mode=last` to find
    await s.api('POST', `/terminals/${ids[0]}/input`, { message: 'hello from the benchmark' });
    await sleep(2000);
    const endpoints = [
      `/terminals/${ids[0]}`,
      '/sessions',
      '/agents/profiles',
      `/terminals/${ids[0]}/output?mode=last`,
    ];
    for (const path of endpoints) {
      for (const c of [1, 16]) {
        const label = path.replace(ids[0] as string, '{id}');
        o.log(`GET ${label}, ${c} connection(s): ${runs} × ${seconds} s`);
        await cannon(`${s.apiUrl}${path}`, c, 1, ownerToken(s.caoHome)); // warm-up
        const rs: Run[] = [];
        for (let i = 0; i < runs; i++)
          rs.push(await cannon(`${s.apiUrl}${path}`, c, seconds, ownerToken(s.caoHome)));
        const all = rs.flatMap((r) => r.latencies);
        const p50 = quantile(all, 0.5);
        const p99 = quantile(all, 0.99);
        const rps = rs.map((r) => r.rps);
        const errors = rs.reduce((a, r) => a + r.errors, 0);
        const isTarget = label === '/terminals/{id}' && c === 1;
        rows.push(
          rowOf(PART, `GET ${label}, c=${c}`, 'req/s', rps, {
            note: `latency p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms${errors ? `, ${errors} errors` : ''}`,
            ...(isTarget
              ? { target: { text: '≥ 5,000 req/s', met: summarize(rps).median >= 5000 } }
              : {}),
          }),
        );
        details[`GET ${label} c=${c}`] = {
          req_per_s: roundSummary(summarize(rps), 0),
          latency_p50_ms: round(p50),
          latency_p99_ms: round(p99),
          requests: all.length,
          errors,
        };
      }
    }
  } finally {
    await s.stop();
  }
  return { part: PART, rows, details };
}
