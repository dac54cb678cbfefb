/** `cao init`: create CAO_HOME with its layout and database. */
import { caoPaths, ensureLayout } from '../../lib/paths.js';
import { SqliteStore } from '../../store/sqlite-store.js';
import { parse } from '../args.js';
import type { CliContext } from '../context.js';

export function run(argv: string[], ctx: CliContext): Promise<number> {
  parse(argv, {}, 'Usage: cao init', 0);
  const paths = caoPaths();
  ensureLayout(paths);
  new SqliteStore(paths.dbFile).close();
  ctx.out('CLI Agent Orchestrator initialized successfully.');
  ctx.out(`Home: ${paths.home}`);
  return Promise.resolve(0);
}
