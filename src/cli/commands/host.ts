/** `cao host add | list | check | remove`: the machines agents run on. */
import { ok } from '../../client/api.js';
import type { HostView } from '../../core/hosts.js';
import { CaoError } from '../../lib/errors.js';
import { UsageError, parse } from '../args.js';
import { json, row, type CliContext } from '../context.js';
import { runSubcommand, type Subcommand } from '../subcommands.js';

const USAGE = `Usage:
  cao host add NAME DESTINATION [--max-agents N] [--label KEY=VALUE ...] [--json]
  cao host list [--json]
  cao host check NAME [--json]
  cao host remove NAME [--force]

DESTINATION is anything ssh accepts: user@host, an alias from your ssh configuration, or
ssh://user@host:port. cao uses your own OpenSSH (keys, agent, known_hosts; or the configuration
CAO_SSH_CONFIG names) in batch mode: an unknown host key is an error, never accepted by itself.
A host needs tmux and the agent CLIs; nothing of cao's. 'local' is this machine.
Run an agent there with 'cao launch --host NAME' (or 'auto': the host with the most free memory).`;

const SUBCOMMANDS: Record<string, Subcommand> = { add, list, check, remove };

export function run(argv: string[], ctx: CliContext): Promise<number> {
  return runSubcommand('host', SUBCOMMANDS, USAGE, argv, ctx);
}

function labelsOf(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label expects KEY=VALUE, got '${pair}'`, USAGE);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function add(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      'max-agents': { type: 'string' },
      label: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    },
    USAGE,
    2,
  );
  const [name, destination] = positionals;
  if (!name || !destination) throw new UsageError('NAME and DESTINATION are required', USAGE);
  const max = values['max-agents'] === undefined ? undefined : Number(values['max-agents']);
  if (max !== undefined && (!Number.isInteger(max) || max < 1))
    throw new CaoError('INVALID_INPUT', '--max-agents must be a whole number of at least 1.');
  const client = await ctx.server();
  const view = await ok(
    client.api.hosts.$post(
      {
        json: {
          name,
          destination,
          ...(max === undefined ? {} : { max_agents: max }),
          labels: labelsOf(values.label ?? []),
        },
      },
      { init: { signal: AbortSignal.timeout(120_000) } },
    ),
  );
  if (values.json) ctx.out(json(view));
  else {
    ctx.out(`✓ Host '${view.name}' added (${view.destination}): ${describe(view)}`);
    for (const n of view.notes) ctx.out(`  Note: ${n}`);
    ctx.out(`Run an agent there with: cao launch --host ${view.name} --agents PROFILE ...`);
  }
  return 0;
}

const mib = (bytes: number | null): string =>
  bytes === null ? '-' : `${Math.round(bytes / (1024 * 1024))} MiB`;

function describe(v: HostView): string {
  if (!v.reachable) return `not reachable: ${v.problem ?? v.state}`;
  const clis = v.clis.map((c) => `${c.provider} ${c.version || '?'}`.trim()).join(', ');
  return `${v.tmux ?? 'tmux ?'}; CLIs: ${clis || 'none found'}; free memory ${mib(v.mem_available)}; ${v.agents} agent(s)${v.max_agents === null ? '' : ` of at most ${v.max_agents}`}`;
}

async function list(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } }, USAGE, 0);
  const client = await ctx.server();
  const hosts = await ok(client.api.hosts.$get());
  if (values.json) {
    ctx.out(json(hosts));
    return 0;
  }
  const widths = [14, 28, 8, 8, 10, 0];
  ctx.out(row(['HOST', 'DESTINATION', 'STATE', 'AGENTS', 'FREE MEM', 'CLIS'], widths));
  for (const h of hosts) {
    ctx.out(
      row(
        [
          h.name,
          h.destination || '(this machine)',
          h.state,
          h.max_agents === null ? String(h.agents) : `${h.agents}/${h.max_agents}`,
          mib(h.mem_available),
          h.clis.map((c) => `${c.provider} ${c.version}`.trim()).join(', ') || '-',
        ],
        widths,
      ),
    );
    if (h.problem) ctx.out(`  ${h.problem}`);
    for (const n of h.notes) ctx.out(`  Note: ${n}`);
  }
  return 0;
}

async function check(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, USAGE, 1);
  const name = positionals[0];
  if (!name) throw new UsageError('NAME is required', USAGE);
  const client = await ctx.server();
  const view = await ok(client.api.hosts[':name'].$get({ param: { name } }));
  if (values.json) ctx.out(json(view));
  else {
    ctx.out(`${view.name}: ${describe(view)}`);
    for (const n of view.notes) ctx.out(`  Note: ${n}`);
  }
  return view.reachable ? 0 : 1;
}

async function remove(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { force: { type: 'boolean' } }, USAGE, 1);
  const name = positionals[0];
  if (!name) throw new UsageError('NAME is required', USAGE);
  const client = await ctx.server();
  await ok(
    client.api.hosts[':name'].$delete({
      param: { name },
      query: values.force ? { force: 'true' } : {},
    }),
  );
  ctx.out(`✓ Host '${name}' removed`);
  return 0;
}
