/** `cao profile list`: the agent profiles cao-server can launch, and where each comes from. */
import { ok } from '../../client/api.js';
import { parse } from '../args.js';
import { json, row, type CliContext } from '../context.js';
import { runSubcommand, type Subcommand } from '../subcommands.js';

const USAGE = `Usage:
  cao profile list [--json]

Lists the profiles 'cao launch' can start: built-in, installed ('cao install') and
those in the profile directories, with the provider each asks for. A profile that fails to
load is listed with the reason.`;

const SUBCOMMANDS: Record<string, Subcommand> = { list };

export function run(argv: string[], ctx: CliContext): Promise<number> {
  return runSubcommand('profile', SUBCOMMANDS, USAGE, argv, ctx);
}

async function list(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } }, USAGE, 0);
  const client = await ctx.server();
  const profiles = await ok(client.api.agents.profiles.$get());
  if (values.json) {
    ctx.out(json(profiles));
    return 0;
  }
  if (profiles.length === 0) {
    ctx.out("No profiles. Install one with 'cao install NAME|FILE|URL'.");
    return 0;
  }
  const widths = [22, 14, 14, 0];
  ctx.out(row(['NAME', 'PROVIDER', 'SOURCE', 'DESCRIPTION'], widths));
  for (const p of profiles) {
    const description = p.loadable ? (p.description ?? '') : `cannot load: ${p.error ?? '?'}`;
    ctx.out(row([p.name, p.provider ?? '(default)', p.source, description], widths));
  }
  return 0;
}
