/**
 * `npm run bench [-- PART ...] [--quick]`: runs the benchmark parts (all by default), prints
 * the table and writes the results. A complete, full run writes bench/results.json and the
 * table in bench/README.md; any other run writes bench/results.partial.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hasBuild, hasTmux } from '../test/e2e/harness.js';
import { PROJECT_ROOT } from '../test/support/shared.js';
import { machine } from './lib/machine.js';
import { table, type PartResult } from './lib/report.js';

type Part = (o: { quick: boolean; log: (s: string) => void }) => Promise<PartResult>;

const PARTS: Record<string, () => Promise<Part>> = {
  startup: async () => (await import('./startup.js')).run,
  detection: async () => (await import('./detection.js')).run,
  roundtrip: async () => (await import('./roundtrip.js')).run,
  handoff: async () => (await import('./roundtrip.js')).runHandoffs,
  idle: async () => (await import('./idle.js')).run,
  fanout: async () => (await import('./fanout.js')).run,
  api: async () => (await import('./api.js')).run,
  hosts: async () => (await import('./hosts.js')).run,
};

const HERE = join(PROJECT_ROOT, 'bench');
const USAGE = `usage: npm run bench [-- [${Object.keys(PARTS).join('|')} ...] [--quick]]`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const unknown = positionals.filter((p) => !(p in PARTS));
if (unknown.length > 0) {
  process.stderr.write(`unknown part(s): ${unknown.join(', ')}\n${USAGE}\n`);
  process.exit(2);
}
if (!hasTmux() || !hasBuild()) {
  process.stderr.write(
    `${!hasTmux() ? 'tmux is not installed' : 'dist/ is not built (npm run build)'}: cannot run the benchmarks\n`,
  );
  process.exit(1);
}
const selected = positionals.length > 0 ? positionals : Object.keys(PARTS);
const quick = values.quick ?? false;
const complete = selected.length === Object.keys(PARTS).length && !quick;

const started = Date.now();
const log = (part: string) => (s: string) =>
  process.stderr.write(
    `[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${part}: ${s}\n`,
  );

const info = machine(['claude', 'codex']);
log('bench')(
  `${info.cpu} ×${info.cpus}, ${info.memoryGiB} GiB, node ${info.node}, tmux ${info.tmux}, load ${info.loadStart.join(' ')}${quick ? ' (quick)' : ''}`,
);

const results: PartResult[] = [];
for (const name of selected) {
  const l = log(name);
  const t0 = Date.now();
  try {
    const part = await (PARTS[name] as () => Promise<Part>)();
    const r = await part({ quick, log: l });
    results.push(r);
    for (const why of r.skipped ?? []) l(`skipped: ${why}`);
  } catch (e) {
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    l(`FAILED: ${msg}`);
    results.push({ part: name, rows: [], details: {}, error: msg.split('\n')[0] ?? msg });
  }
  l(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
info.loadEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);

const rows = results.flatMap((r) => r.rows);
const notes = results.flatMap((r) => [
  ...(r.error ? [`${r.part}: FAILED: ${r.error}`] : []),
  ...(r.skipped ?? []).map((s) => `${r.part}: skipped: ${s}`),
]);
const text = table(rows);
const header = `Measured ${info.date.slice(0, 16).replace('T', ' ')} UTC on ${info.cpu} ×${info.cpus}, ${info.memoryGiB} GiB, Linux, Node ${info.node}, tmux ${info.tmux}, ${Object.entries(
  info.clis,
)
  .map(([k, v]) => `${k} ${v}`)
  .join(
    ', ',
  )}; load average ${info.loadStart[0]} at the start, ${info.loadEnd[0]} at the end${quick ? '; QUICK mode (fewer repetitions)' : ''}.`;
process.stdout.write(`\n${header}\n\n${text}\n${notes.length ? `\n${notes.join('\n')}\n` : ''}`);

const out = {
  machine: info,
  quick,
  parts: Object.fromEntries(
    results.map((r) => [
      r.part,
      {
        details: r.details,
        ...(r.skipped ? { skipped: r.skipped } : {}),
        ...(r.error ? { error: r.error } : {}),
      },
    ]),
  ),
  rows,
  table: text,
};
const file = join(HERE, complete ? 'results.json' : 'results.partial.json');
writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
process.stderr.write(`\nwrote ${file}\n`);

if (complete) {
  const readme = join(HERE, 'README.md');
  const start = '<!-- bench:table:start -->';
  const end = '<!-- bench:table:end -->';
  if (existsSync(readme)) {
    const md = readFileSync(readme, 'utf8');
    const a = md.indexOf(start);
    const b = md.indexOf(end);
    if (a >= 0 && b > a) {
      const block = `${start}\n${header}\n\n${text}\n${notes.length ? `\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}${end}`;
      writeFileSync(readme, md.slice(0, a) + block + md.slice(b + end.length));
      process.stderr.write(`updated the table in ${readme}\n`);
    }
  }
}
process.exitCode = results.some((r) => r.error) ? 1 : 0;
