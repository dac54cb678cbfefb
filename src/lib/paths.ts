/**
 * The on-disk layout under CAO_HOME (default `~/.aws/cli-agent-orchestrator`), matching the
 * original CAO so existing profiles and habits carry over.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface CaoPaths {
  home: string;
  db: string;
  dbFile: string;
  /** Held by the one cao-server of this home (store/home-lock.ts). */
  serverLock: string;
  /** Who holds `serverLock`: `{pid, home, url}` (written by the holder, read by `cao`). */
  serverInfo: string;
  logs: string;
  terminalLogs: string;
  /** Workers' git worktrees: worktrees/<session>/<terminal>. */
  worktrees: string;
  agentStore: string;
  agentContext: string;
  tmp: string;
  flows: string;
  skills: string;
  settings: string;
  envFile: string;
}

export function expandHome(p: string, home = homedir()): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return p;
}

export function caoPaths(env: NodeJS.ProcessEnv = process.env): CaoPaths {
  const configured = env['CAO_HOME_DIR'];
  const home = configured
    ? resolve(expandHome(configured))
    : join(homedir(), '.aws', 'cli-agent-orchestrator');
  return {
    home,
    db: join(home, 'db'),
    dbFile: join(home, 'db', 'cli-agent-orchestrator.db'),
    serverLock: join(home, 'db', 'server.lock'),
    serverInfo: join(home, 'db', 'server.json'),
    logs: join(home, 'logs'),
    terminalLogs: join(home, 'logs', 'terminal'),
    worktrees: join(home, 'worktrees'),
    agentStore: join(home, 'agent-store'),
    agentContext: join(home, 'agent-context'),
    tmp: join(home, 'tmp'),
    flows: join(home, 'flows'),
    skills: join(home, 'skills'),
    settings: join(home, 'settings.json'),
    envFile: join(home, '.env'),
  };
}

/** Creates the directories of the layout, private to the user (0700). */
export function ensureLayout(paths: CaoPaths): void {
  for (const dir of [
    paths.home,
    paths.db,
    paths.logs,
    paths.terminalLogs,
    paths.agentStore,
    paths.agentContext,
    paths.tmp,
    paths.flows,
    paths.skills,
  ]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}
