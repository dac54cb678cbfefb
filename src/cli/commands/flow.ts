/**
 * `cao flow …` (also `cao schedule …`): agent sessions on a cron schedule. The server runs
 * them; see src/flows/flows-service.ts for the model and the missed-run and busy policies.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ok, type CaoClient } from '../../client/api.js';
import { awaitTurn } from '../../client/turns.js';
import type { TurnOutcome } from '../../core/turns.js';
import type { FlowView } from '../../flows/flows-service.js';
import { CaoError } from '../../lib/errors.js';
import { assertFileName } from '../../lib/names.js';
import { UsageError, parse } from '../args.js';
import { json, row, type CliContext } from '../context.js';
import { EXIT_TIMEOUT } from '../exit-codes.js';
import { runSubcommand, type Subcommand } from '../subcommands.js';

const USAGE = `Usage (cao schedule … is the same command):
  cao flow add FILE [--force]      add a flow from a flow file (a copy is kept in CAO_HOME/flows)
  cao flow list [--json]           flows, their last and next run and the last outcome
  cao flow remove NAME             remove a flow (its session, if any, keeps running)
  cao flow enable NAME | disable NAME
  cao flow run NAME [--wait] [--timeout N] [--json]
                                   run now; --wait waits for the agent's answer and prints it

A flow file is Markdown with YAML front matter:
  ---
  name: morning-report            # letters, digits, '_' and '-'; at most 55
  schedule: "30 7 * * *"          # 5-field cron, in cao-server's local time
  agent_profile: developer
  provider: claude_code           # optional (default: cao's default provider)
  script: ./gate.sh               # optional gate script, relative to the file or absolute
  ---
  The prompt; [[var]] placeholders are filled from the gate script's output.

A gate script runs without a shell and must print {"execute": true|false, "output": {...}}
within 30 s; "execute": false skips the run. Each run uses the session cao-flow-<name>; a run
whose previous one is still working is skipped. Flows run while cao-server is up; a run missed
while it was down happens once when it starts.`;

const SUBCOMMANDS: Record<string, Subcommand> = {
  add,
  list,
  remove,
  enable: (argv, ctx) => setEnabled('enable', argv, ctx),
  disable: (argv, ctx) => setEnabled('disable', argv, ctx),
  run: runNow,
};

export function run(argv: string[], ctx: CliContext): Promise<number> {
  return runSubcommand('flow', SUBCOMMANDS, USAGE, argv, ctx);
}

function nameArg(argv: string[]): string {
  const { positionals } = parse(argv, {}, USAGE, 1);
  const name = positionals[0];
  if (!name) throw new UsageError('NAME is required', USAGE);
  return assertFileName('flow', name);
}

/**
 * Reads the file here and sends its text to the server, which checks it (front matter,
 * schedule, profile, provider, gate script, template) and keeps its own copy: one parser, in
 * the server. A relative gate script path is taken from the file's folder.
 */
async function add(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { force: { type: 'boolean' } }, USAGE, 1);
  const source = positionals[0];
  if (!source) throw new UsageError('FILE is required', USAGE);
  const path = resolve(source);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new CaoError('NOT_FOUND', `Flow file '${source}' not found (looked at ${path}).`);
  }
  const client = await ctx.server();
  const { flow, replaced } = await ok(
    client.api.flows.files.$post({
      json: { text, source, base_dir: dirname(path), force: values.force ?? false },
    }),
  );
  ctx.out(
    `✓ Flow '${flow.name}' ${replaced ? 'replaced' : 'added'}: "${flow.schedule}", agent ${flow.agent_profile} on ${flow.provider}, ` +
      (flow.enabled
        ? `next run ${when(flow.next_run)}`
        : 'disabled (enable it with cao flow enable)'),
  );
  ctx.out(
    `✓ Copied ${source} to ${flow.file_path}; later edits to ${source} (or moving it) do not change the flow. ` +
      `To change it, edit ${source} and run 'cao flow add ${source} --force'.`,
  );
  if (flow.script) ctx.out(`✓ Gate script: ${flow.script} (not copied: it runs from where it is)`);
  return 0;
}

/** Local time, minutes: how people read schedules. */
function when(iso: string | null): string {
  if (!iso) return '-';
  const d = new Date(iso);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function outcomeText(f: FlowView): string {
  if (!f.last_outcome) return '-';
  return f.last_reason ? `${f.last_outcome}: ${f.last_reason}` : f.last_outcome;
}

async function list(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } }, USAGE, 0);
  const flows: FlowView[] = await ok((await ctx.server()).api.flows.$get());
  if (values.json) {
    ctx.out(json(flows));
    return 0;
  }
  if (flows.length === 0) {
    ctx.out("No flows. Add one with 'cao flow add FILE'.");
    return 0;
  }
  const widths = [20, 15, 15, 20, 20, 8, 0];
  ctx.out(
    row(['Name', 'Schedule', 'Agent', 'Last Run', 'Next Run', 'Enabled', 'Last Outcome'], widths),
  );
  ctx.out('-'.repeat(118));
  for (const f of flows) {
    ctx.out(
      row(
        [
          f.name,
          f.schedule,
          f.agent_profile,
          when(f.last_run),
          when(f.next_run),
          f.enabled ? 'yes' : 'no',
          outcomeText(f),
        ],
        widths,
      ),
    );
  }
  return 0;
}

async function remove(argv: string[], ctx: CliContext): Promise<number> {
  const name = nameArg(argv);
  await ok((await ctx.server()).api.flows[':name'].$delete({ param: { name } }));
  ctx.out(`✓ Flow '${name}' removed`);
  return 0;
}

async function setEnabled(
  which: 'enable' | 'disable',
  argv: string[],
  ctx: CliContext,
): Promise<number> {
  const name = nameArg(argv);
  const client: CaoClient = await ctx.server();
  const flows = client.api.flows[':name'];
  const r = await ok(
    which === 'enable'
      ? flows.enable.$post({ param: { name } })
      : flows.disable.$post({ param: { name } }),
  );
  ctx.out(
    which === 'enable'
      ? `✓ Flow '${name}' enabled; next run ${when(r.flow.next_run)}`
      : `✓ Flow '${name}' disabled`,
  );
  return 0;
}

async function runNow(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { wait: { type: 'boolean' }, timeout: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
    1,
  );
  const name = positionals[0];
  if (!name) throw new UsageError('NAME is required', USAGE);
  assertFileName('flow', name);
  const timeoutS = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS <= 0)
    throw new CaoError('INVALID_INPUT', '--timeout must be a positive number of seconds.');
  const client = await ctx.server();
  const r = await ok(client.api.flows[':name'].run.$post({ param: { name } }));
  let turn: TurnOutcome | undefined;
  if (values.wait && r.executed && r.terminal_id && r.message_id !== null) {
    turn = await awaitTurn(client, r.terminal_id, r.message_id, Date.now() + timeoutS * 1000);
  }
  if (values.json) {
    ctx.out(json(turn ? { ...r, turn } : r));
    return r.outcome === 'failed' || r.outcome === 'skipped-busy' ? 1 : 0;
  }
  switch (r.outcome) {
    case 'failed':
      throw new CaoError('AGENT_FAILED', `Flow '${name}' failed: ${r.reason ?? 'no reason given'}`);
    case 'skipped-busy':
      ctx.err(
        `Error: Flow '${name}' did not run: ${r.reason ?? 'its previous run is still working'}.`,
      );
      return 1;
    case 'skipped-by-script':
      ctx.out(`Flow '${name}' skipped: ${r.reason ?? 'the gate script said not to run'}.`);
      return 0;
    case 'executed':
      break;
  }
  ctx.out(
    `✓ Flow '${name}' ran: session ${r.session_name ?? '?'} (terminal ${r.terminal_id ?? '?'}); its prompt is message ${r.message_id ?? '?'}.`,
  );
  if (!turn) {
    ctx.out(`Follow it with: cao session status ${r.session_name ?? `cao-flow-${name}`}`);
    return 0;
  }
  if (turn.outcome === 'completed') {
    ctx.out(turn.output ?? 'The agent finished without a text answer.');
    return 0;
  }
  ctx.err(
    turn.outcome === 'timeout'
      ? `Error: Timed out after ${timeoutS}s; the agent keeps working. Check later with: cao session status ${r.session_name ?? ''}`
      : `Error: The run ended with ${turn.outcome}: ${turn.error ?? turn.evidence.join(' / ')}`,
  );
  return turn.outcome === 'timeout' ? EXIT_TIMEOUT : 1;
}
