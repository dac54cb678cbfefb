/** What the figures were measured on: hardware, software versions, load. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ensureAgentCli } from '../../test/e2e/harness.js';
import { PROJECT_ROOT } from '../../test/support/shared.js';

export interface Machine {
  date: string;
  cpu: string;
  cpus: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  tmux: string;
  cao: string;
  commit: string;
  clis: Record<string, string>;
  /** 1, 5 and 15 minute load averages when the run started and when it ended. */
  loadStart: number[];
  loadEnd?: number[];
}

const run = (cmd: string, args: string[], env?: NodeJS.ProcessEnv): string => {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      env,
      cwd: os.tmpdir(),
      timeout: 60_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
};

/** `<cli> --version` in a throwaway HOME (never the real one). */
export function cliVersion(cli: string): string {
  let bin: string;
  try {
    bin = ensureAgentCli(cli);
  } catch (e) {
    return `not installed (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
  const home = mkdtempSync(join(os.tmpdir(), 'cao-bench-ver-'));
  try {
    const out = run(join(bin, cli), ['--version'], {
      PATH: `${bin}:${process.env['PATH'] ?? ''}`,
      HOME: home,
      DISABLE_AUTOUPDATER: '1',
    });
    return /\d+\.\d+\.\d+\S*/.exec(out)?.[0] ?? out;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

export function machine(clis: string[]): Machine {
  const cpus = os.cpus();
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const commit = run('git', ['-C', PROJECT_ROOT, 'rev-parse', '--short', 'HEAD']);
  const dirty = run('git', ['-C', PROJECT_ROOT, 'status', '--porcelain', '--untracked-files=no']);
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    cpus: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    node: process.versions.node,
    tmux: run('tmux', ['-V']).replace(/^tmux /, ''),
    cao: pkg.version,
    commit: dirty && dirty !== 'unknown' ? `${commit} (with uncommitted changes)` : commit,
    clis: Object.fromEntries(clis.map((c) => [c, cliVersion(c)])),
    loadStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}
