/** `cao worktree list | diff | merge | remove`: the git worktrees workers run in. */
import { ok } from '../../client/api.js';
import { UsageError, parse } from '../args.js';
import { json, row, type CliContext } from '../context.js';
import { runSubcommand, type Subcommand } from '../subcommands.js';

const USAGE = `Usage:
  cao worktree list [--json]
  cao worktree diff TERMINAL_ID [--stat] [--json]
  cao worktree merge TERMINAL_ID [--json]
  cao worktree remove TERMINAL_ID

A worker started with --worktree (cao launch, cao agent handoff|assign; use_worktree on the MCP
tools or in a profile) works in its own git worktree, on the branch cao/SESSION/TERMINAL_ID made
from its caller's HEAD. The worktree stays after the worker is gone, until it is merged or
removed. 'merge' commits what the worker left uncommitted and merges the branch into the
caller's tree (which must have no uncommitted changes); a conflict aborts the merge and leaves
your tree as it was. Delete the worker first ('cao agent delete ID'): merge and remove refuse
while it runs.`;

const SUBCOMMANDS: Record<string, Subcommand> = { list, diff, merge, remove };

export function run(argv: string[], ctx: CliContext): Promise<number> {
  return runSubcommand('worktree', SUBCOMMANDS, USAGE, argv, ctx);
}

function terminalArg(positionals: string[]): string {
  const id = positionals[0];
  if (!id) throw new UsageError('TERMINAL_ID is required (see cao worktree list)', USAGE);
  return id;
}

async function list(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } }, USAGE, 0);
  const client = await ctx.server();
  const all = await ok(client.api.worktrees.$get());
  if (values.json) {
    ctx.out(json(all));
    return 0;
  }
  if (all.length === 0) {
    ctx.out(
      'No worktrees. Start a worker in one with --worktree (cao agent handoff|assign, cao launch).',
    );
    return 0;
  }
  const widths = [10, 14, 8, 8, 0];
  ctx.out(row(['TERMINAL', 'PROFILE', 'WORKER', 'CHANGED', 'BRANCH → MERGES INTO'], widths));
  for (const w of all) {
    ctx.out(
      row(
        [
          w.terminal_id,
          w.agent_profile ?? '-',
          w.worker,
          String(w.changed_files),
          `${w.branch} → ${w.repo}`,
        ],
        widths,
      ),
    );
  }
  return 0;
}

async function diff(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { stat: { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
    1,
  );
  const id = terminalArg(positionals);
  const client = await ctx.server();
  const d = await ok(client.api.worktrees[':id'].diff.$get({ param: { id } }));
  if (values.json) ctx.out(json(d));
  else if (values.stat || d.diff === '') {
    ctx.out(`${d.branch} since ${d.base_commit.slice(0, 12)}: ${d.files.length} file(s) changed`);
    for (const f of d.files) ctx.out(`  ${f.status.padEnd(4)} ${f.path}`);
  } else {
    ctx.out(d.diff.replace(/\n$/, ''));
    if (d.truncated) ctx.err('(the diff is cut here: it is larger than 2 MiB)');
  }
  return 0;
}

async function merge(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, USAGE, 1);
  const id = terminalArg(positionals);
  const client = await ctx.server();
  const r = await ok(client.api.worktrees[':id'].merge.$post({ param: { id } }));
  if (values.json) ctx.out(json(r));
  else ctx.out(`✓ ${r.message}`);
  return 0;
}

async function remove(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parse(argv, {}, USAGE, 1);
  const id = terminalArg(positionals);
  const client = await ctx.server();
  await ok(client.api.worktrees[':id'].$delete({ param: { id } }));
  ctx.out(`✓ Worktree of ${id} removed (its branch too)`);
  return 0;
}
