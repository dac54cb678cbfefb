/**
 * `cao init`: create CAO_HOME and its folders. The database is cao-server's: it creates and
 * migrates it when it starts, so no client ever writes server state.
 */
import { caoPaths, ensureLayout } from '../../lib/paths.js';
import { parse } from '../args.js';
import type { CliContext } from '../context.js';

export function run(argv: string[], ctx: CliContext): Promise<number> {
  parse(argv, {}, 'Usage: cao init', 0);
  const paths = caoPaths();
  ensureLayout(paths);
  ctx.out('CLI Agent Orchestrator initialized successfully.');
  ctx.out(`Home: ${paths.home}`);
  ctx.out('The database is created by cao-server when it starts.');
  return Promise.resolve(0);
}
