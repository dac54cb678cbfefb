/** Dispatch for commands made of sub-commands (`cao agent …`, `cao session …`, `cao flow …`). */
import { UsageError } from './args.js';
import type { CliContext } from './context.js';

/** One sub-command: its arguments (after its name) in, an exit code out. */
export type Subcommand = (argv: string[], ctx: CliContext) => Promise<number>;

/**
 * Runs the sub-command `argv[0]` names from `table`, with the arguments after it. With none,
 * prints `usage` and returns 2; with `--help` or `-h`, prints it and returns 0. Rejects with a
 * UsageError for a name not in the table.
 */
export async function runSubcommand(
  command: string,
  table: Readonly<Record<string, Subcommand>>,
  usage: string,
  argv: string[],
  ctx: CliContext,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    ctx.out(usage);
    return sub === undefined ? 2 : 0;
  }
  const handler = Object.hasOwn(table, sub) ? table[sub] : undefined;
  if (!handler) throw new UsageError(`unknown ${command} command '${sub}'`, usage);
  return handler(rest, ctx);
}
