/** Dispatch for commands made of sub-commands (`cao agent …`, `cao session …`, `cao flow …`). */
import { Command, CommanderError } from 'commander';
import { UsageError } from './args.js';
import type { CliContext } from './context.js';

/** One sub-command: its arguments (after its name) in, an exit code out. */
export type Subcommand = (argv: string[], ctx: CliContext) => Promise<number>;

/** commander's suggestion for a mistyped name among `names` (`lsit` → `list`), if any. */
function suggestion(name: string, names: readonly string[]): string | undefined {
  const program = new Command()
    .helpOption(false)
    .helpCommand(false)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  for (const n of names) program.command(n).helpOption(false).allowUnknownOption();
  try {
    program.parse([name], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return /\(Did you mean (.*)\?\)/.exec(e.message)?.[1];
  }
  return undefined;
}

/**
 * Runs the sub-command `argv[0]` names from `table`, with the arguments after it. With none,
 * prints `usage` and returns 2; with `--help` or `-h`, prints it and returns 0. Rejects with a
 * UsageError for a name not in the table (with commander's "did you mean" when one is close).
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
  if (!handler) {
    const close = sub.startsWith('-') ? undefined : suggestion(sub, Object.keys(table));
    throw new UsageError(
      `unknown ${command} command '${sub}'${close ? ` (did you mean ${close}?)` : ''}`,
      usage,
    );
  }
  return handler(rest, ctx);
}
