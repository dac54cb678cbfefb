/**
 * Idle cost: CPU (% of one core) and memory of cao-server (with its tmux control-mode clients)
 * and of the tmux server, with 0, 10 and 50 idle terminals (the fake agent), read from
 * /proc/<pid>/stat and /proc/<pid>/status over a window split into sub-windows.
 */
import { rowOf, type PartResult, type Row } from './lib/report.js';
import { childrenOf, cmdline, cpuSeconds, statusKiB } from './lib/proc.js';
import { createTerminals, fakeAgentStack, panes, sleep, tmuxServerPid } from './lib/stack.js';
import { round, roundSummary, summarize } from './lib/stats.js';

const PART = 'idle';

interface Procs {
  server: number;
  /** cao-server's tmux control-mode clients. */
  clients: number[];
  tmux: number | undefined;
  agents: number[];
}

interface Window {
  /** % of one core, per sub-window. */
  server: number[];
  clients: number[];
  tmux: number[];
  agents: number[];
  /** The same over the whole window. */
  whole: { server: number; clients: number; tmux: number; agents: number };
  /** At each sample point. */
  rssMiB: { server: number[]; clients: number[]; tmux: number[] };
}

const sum = (pids: number[]): number => pids.reduce((a, p) => a + (cpuSeconds(p) ?? 0), 0);

const kib = (pids: number[]): number =>
  pids.reduce((a, x) => a + (statusKiB(x, 'VmRSS') ?? 0), 0) / 1024;

function sample(p: Procs): {
  t: number;
  server: number;
  clients: number;
  tmux: number;
  agents: number;
  rss: { server: number; clients: number; tmux: number };
} {
  return {
    t: Date.now(),
    server: cpuSeconds(p.server) ?? 0,
    clients: sum(p.clients),
    tmux: p.tmux ? (cpuSeconds(p.tmux) ?? 0) : 0,
    agents: sum(p.agents),
    rss: { server: kib([p.server]), clients: kib(p.clients), tmux: p.tmux ? kib([p.tmux]) : 0 },
  };
}

async function measure(p: Procs, windowMs: number, parts: number): Promise<Window> {
  const samples = [sample(p)];
  for (let i = 0; i < parts; i++) {
    await sleep(windowMs / parts);
    samples.push(sample(p));
  }
  const pct = (k: 'server' | 'clients' | 'tmux' | 'agents', a: number, b: number): number => {
    const x = samples[a]!;
    const y = samples[b]!;
    return ((y[k] - x[k]) / ((y.t - x.t) / 1000)) * 100;
  };
  const per = (k: 'server' | 'clients' | 'tmux' | 'agents'): number[] =>
    Array.from({ length: parts }, (_, i) => pct(k, i, i + 1));
  return {
    server: per('server'),
    clients: per('clients'),
    tmux: per('tmux'),
    agents: per('agents'),
    whole: {
      server: pct('server', 0, parts),
      clients: pct('clients', 0, parts),
      tmux: pct('tmux', 0, parts),
      agents: pct('agents', 0, parts),
    },
    rssMiB: {
      server: samples.map((x) => x.rss.server),
      clients: samples.map((x) => x.rss.clients),
      tmux: samples.map((x) => x.rss.tmux),
    },
  };
}

function procs(s: Awaited<ReturnType<typeof fakeAgentStack>>, terminals: number): Procs {
  const server = s.serverPid();
  if (!server) throw new Error('cao-server is not running');
  const clients = childrenOf(server).filter((pid) => /\btmux\b/.test(cmdline(pid)));
  let tmux: number | undefined;
  let agents: number[] = [];
  if (terminals > 0) {
    tmux = tmuxServerPid(s);
    agents = s
      .tmux(['list-panes', '-a', '-F', '#{pane_pid}'])
      .split('\n')
      .map(Number)
      .filter((n) => n > 1);
  }
  return { server, clients, tmux, agents };
}

export async function run(o: { quick: boolean; log: (s: string) => void }): Promise<PartResult> {
  const windowMs = o.quick ? 10_000 : 60_000;
  const parts = o.quick ? 2 : 3;
  const settleMs = o.quick ? 5000 : 15_000;
  const s = await fakeAgentStack({ turnMs: 300 });
  const windows = new Map<number, Window>();
  const rows: Row[] = [];
  const details: Record<string, unknown> = {
    window_s: windowMs / 1000,
    sub_windows: parts,
    settle_s: settleMs / 1000,
  };
  try {
    let created = 0;
    for (const n of [0, 10, 50]) {
      if (n > created) {
        o.log(`starting ${n - created} fake agents`);
        await createTerminals(s, {
          count: n - created,
          perSession: 5,
          prefix: `idle${n}-`,
          provider: 'claude_code',
          concurrency: 4,
        });
        created = n;
        if (panes(s).size !== n) throw new Error(`expected ${n} panes, found ${panes(s).size}`);
      }
      await sleep(settleMs);
      o.log(`${n} terminals: measuring for ${windowMs / 1000} s`);
      windows.set(n, await measure(procs(s, n), windowMs, parts));
    }
  } finally {
    await s.stop();
  }
  for (const [n, w] of windows) {
    rows.push(rowOf(PART, `cao-server CPU, ${n} idle terminals`, '% core', w.server));
    if (n > 0) {
      // everything cao and tmux spend, charged to the terminals (no baseline subtracted)
      const perTerminal = w.server.map((x, i) => (x + (w.clients[i] ?? 0) + (w.tmux[i] ?? 0)) / n);
      rows.push(
        rowOf(PART, `tmux server CPU, ${n} idle terminals`, '% core', w.tmux),
        rowOf(
          PART,
          `CPU per idle terminal, ${n} terminals (cao-server + its tmux clients + tmux server, ÷ ${n})`,
          '% core',
          perTerminal,
          {
            target: { text: '< 0.02 % per terminal', met: summarize(perTerminal).median < 0.02 },
            original: 0.3,
          },
        ),
      );
    }
    details[`terminals_${n}`] = {
      cpu_pct_sub_windows: {
        cao_server: w.server.map((x) => round(x, 4)),
        tmux_control_clients: w.clients.map((x) => round(x, 4)),
        tmux_server: w.tmux.map((x) => round(x, 4)),
        fake_agents: w.agents.map((x) => round(x, 4)),
      },
      cpu_pct_whole_window: {
        cao_server: round(w.whole.server, 4),
        tmux_control_clients: round(w.whole.clients, 4),
        tmux_server: round(w.whole.tmux, 4),
        fake_agents: round(w.whole.agents, 4),
      },
      rss_mib: {
        cao_server: roundSummary(summarize(w.rssMiB.server), 1),
        tmux_control_clients: roundSummary(summarize(w.rssMiB.clients), 1),
        tmux_server: roundSummary(summarize(w.rssMiB.tmux), 1),
      },
    };
  }
  for (const [n, w] of windows) {
    rows.push(rowOf(PART, `cao-server RSS, ${n} idle terminals`, 'MiB', w.rssMiB.server));
    if (n > 0) rows.push(rowOf(PART, `tmux server RSS, ${n} idle terminals`, 'MiB', w.rssMiB.tmux));
  }
  return { part: PART, rows, details };
}
