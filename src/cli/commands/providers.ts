/** `cao providers`: the agent CLIs cao can drive on this machine, installed ones first. */
import { ok } from '../../client/api.js';
import { parse } from '../args.js';
import { json, row, type CliContext } from '../context.js';

const USAGE = `Usage: cao providers [--json]

The agent CLIs cao can drive, as cao-server finds them on its PATH: installed ones first, with
their versions; for the others, the binary to install. For another machine: 'cao host check NAME'.`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } }, USAGE, 0);
  const client = await ctx.server();
  const all = await ok(client.api.agents.providers.$get());
  const sorted = [...all.filter((p) => p.installed), ...all.filter((p) => !p.installed)];
  if (values.json) {
    ctx.out(json(sorted));
    return 0;
  }
  // columns as wide as their longest entry: a CLI's name is never cut
  const width = (cells: string[]): number => Math.max(...cells.map((c) => c.length)) + 2;
  const widths = [
    width(['PROVIDER', ...sorted.map((p) => p.name)]),
    width(['CLI', ...sorted.map((p) => p.label)]),
    0,
  ];
  ctx.out(row(['PROVIDER', 'CLI', 'VERSION'], widths));
  for (const p of sorted) {
    ctx.out(
      row(
        [
          p.name,
          p.label,
          p.installed
            ? (p.version ?? 'installed (version unknown)')
            : `not installed ('${p.binary}' not on the PATH)`,
        ],
        widths,
      ),
    );
  }
  return 0;
}
