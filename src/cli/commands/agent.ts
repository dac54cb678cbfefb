/**
 * `cao agent …`: the MCP tools as shell commands (`/agent/*`, the same implementation as
 * `/mcp`), for agents whose MCP client died and for scripts. Inside a cao terminal the call
 * acts as that terminal (its own token); elsewhere the owner names the caller with --from (or
 * $CAO_TERMINAL_ID).
 */
import { ok, within } from '../../client/api.js';
import type { MessageView } from '../../core/views.js';
import { CaoError } from '../../lib/errors.js';
import { UsageError, parse } from '../args.js';
import { budgetFields, limitArg } from '../budget-args.js';
import { statusPainter } from '../color.js';
import { json, row, type CliContext } from '../context.js';
import { startProgress } from '../progress.js';
import { runSubcommand, type Subcommand } from '../subcommands.js';

const USAGE = `Usage:
  cao agent handoff --agent PROFILE [--timeout N] [--model M] [--host NAME] [--worktree] [--max-cost USD] [--max-tokens N] [--from ID] [--json] "task"
  cao agent assign --agent PROFILE [--model M] [--host NAME] [--worktree] [--max-cost USD] [--max-tokens N] [--from ID] [--json] "task"
  cao agent send-message [--to ID] [--from ID] [--json] "message"
  cao agent answer TERMINAL_ID "answer"
  cao agent delete TERMINAL_ID
  cao agent status [TERMINAL_ID] [--json]
  cao agent budget TERMINAL_ID [--max-cost USD|none] [--max-tokens N|none] [--json]

The same as the MCP tools handoff, assign, send_message, answer_user_prompt and
delete_terminal. Inside a cao terminal the call acts as that terminal; elsewhere name the
calling terminal with --from ID (or $CAO_TERMINAL_ID). An answer is an option's number or text.
'send-message' without --to replies to the terminal that started this one.
'status' shows a terminal's status (why, with evidence) and its inbox with delivery states.
--worktree runs the worker in its own git worktree made from the caller's HEAD ('cao worktree').
--max-cost and --max-tokens give the worker a budget (default: its profile's max_cost,
max_tokens): once spent, cao holds new messages to it and tells their senders. 'budget' shows a
terminal's budget, or changes it (a number sets a limit, 'none' removes it); held messages are
then delivered.`;

const SUBCOMMANDS: Record<string, Subcommand> = {
  handoff: (argv, ctx) => delegate('handoff', argv, ctx),
  assign: (argv, ctx) => delegate('assign', argv, ctx),
  'send-message': send,
  answer,
  delete: remove,
  status,
  budget,
};

export function run(argv: string[], ctx: CliContext): Promise<number> {
  return runSubcommand('agent', SUBCOMMANDS, USAGE, argv, ctx);
}

/**
 * Who the call acts as: --from, else $CAO_TERMINAL_ID. Inside a cao terminal the server takes
 * the caller from the terminal's own token anyway (and refuses another name).
 */
function caller(from: string | undefined): { caller_id?: string } {
  const id = from ?? process.env['CAO_TERMINAL_ID'];
  return id ? { caller_id: id } : {};
}

async function delegate(
  kind: 'handoff' | 'assign',
  argv: string[],
  ctx: CliContext,
): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      agent: { type: 'string' },
      timeout: { type: 'string' },
      model: { type: 'string' },
      'working-directory': { type: 'string' },
      host: { type: 'string' },
      worktree: { type: 'boolean' },
      'max-cost': { type: 'string' },
      'max-tokens': { type: 'string' },
      from: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
    1,
  );
  const task = positionals[0];
  if (!values.agent || !task)
    throw new UsageError('--agent PROFILE and the task are required', USAGE);
  const client = await ctx.agent();
  const request = {
    ...caller(values.from),
    agent_profile: values.agent,
    message: task,
    model: values.model,
    working_directory: values['working-directory'],
    ...(values.host ? { host: values.host } : {}),
    ...(values.worktree ? { use_worktree: true } : {}),
    ...budgetFields(values),
  };
  let r: { success: boolean; message: string; output?: string | null; terminal_id?: string | null };
  if (kind === 'handoff') {
    const timeoutS = values.timeout === undefined ? 600 : Number(values.timeout);
    if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 3600) {
      throw new CaoError('INVALID_INPUT', '--timeout must be 1 to 3600 seconds.');
    }
    const progress = startProgress(`Handing off to ${values.agent}`);
    try {
      r = await ok(
        client.api.agent.handoff.$post(
          { json: { ...request, timeout: timeoutS } },
          within(timeoutS * 1000 + 60_000),
        ),
      );
    } finally {
      progress.stop();
    }
  } else {
    r = await ok(client.api.agent.assign.$post({ json: request }));
  }
  if (values.json) ctx.out(json(r));
  else {
    ctx.err(r.success ? r.message : `Error: ${r.message}`);
    if (r.output) ctx.out(r.output);
  }
  return r.success ? 0 : 1;
}

async function send(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { to: { type: 'string' }, from: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
    1,
  );
  const message = positionals[0];
  if (!message) throw new UsageError('the message is required', USAGE);
  const client = await ctx.agent();
  const r = await ok(
    client.api.agent['send-message'].$post({
      json: { ...caller(values.from), message, ...(values.to ? { receiver_id: values.to } : {}) },
    }),
  );
  if (values.json) ctx.out(json(r));
  else if (r.success)
    ctx.out(`Message ${r.message_id} queued for terminal ${r.receiver_id} (${r.status})`);
  else ctx.err(`Error: ${r.error}`);
  return r.success ? 0 : 1;
}

async function answer(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parse(argv, {}, USAGE, 2);
  const [id, text] = positionals;
  if (!id || !text) throw new UsageError('TERMINAL_ID and the answer are required', USAGE);
  const client = await ctx.agent();
  const r = await ok(
    client.api.agent.answer.$post({
      json: { ...caller(undefined), terminal_id: id, answer: text },
    }),
  );
  if (r.success) ctx.out(r.message);
  else ctx.err(`Error: ${r.message}`);
  return r.success ? 0 : 1;
}

async function remove(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parse(argv, {}, USAGE, 1);
  if (!positionals[0]) throw new UsageError('TERMINAL_ID is required', USAGE);
  const client = await ctx.agent();
  const r = await ok(
    client.api.agent.delete.$post({ json: { ...caller(undefined), terminal_id: positionals[0] } }),
  );
  if (r.success) ctx.out(r.message);
  else ctx.err(`Error: ${r.message}`);
  return r.success ? 0 : 1;
}

async function status(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, USAGE, 1);
  const id = positionals[0] ?? process.env['CAO_TERMINAL_ID'];
  if (!id)
    throw new UsageError(
      'TERMINAL_ID is required outside a cao terminal ($CAO_TERMINAL_ID)',
      USAGE,
    );
  const client = await ctx.agent();
  const param = { id };
  const [terminal, detect, inbox, outbox] = await Promise.all([
    ok(client.api.terminals[':id'].$get({ param })),
    ok(client.api.terminals[':id'].detect.$get({ param })),
    ok(client.api.terminals[':id'].inbox.messages.$get({ param, query: { limit: 20 } })),
    ok(client.api.inbox.messages.$get({ query: { sender_id: id, limit: 20 } })),
  ]);
  if (values.json) {
    ctx.out(json({ terminal, detection: detect, inbox, sent: outbox }));
    return 0;
  }
  ctx.out(
    `Terminal: ${terminal.id} (${terminal.agent_profile ?? '-'}, ${terminal.provider}) in ${terminal.session_name}`,
  );
  ctx.out(`Status: ${statusPainter()(detect.status)} (rule ${detect.rule})`);
  for (const e of detect.evidence) ctx.out(`  | ${e}`);
  const table = (title: string, rows: MessageView[], peer: (m: MessageView) => string): void => {
    ctx.out(`\n${title}:`);
    if (rows.length === 0) {
      ctx.out('  (none)');
      return;
    }
    const widths = [7, 12, 12, 22];
    ctx.out(row(['ID', 'PEER', 'STATE', 'CREATED', 'MESSAGE'], [...widths, 0]));
    for (const m of rows) {
      const text = m.message.replace(/\s+/g, ' ');
      ctx.out(
        row(
          [
            String(m.id),
            peer(m),
            m.status,
            m.created_at.slice(0, 19),
            text.length > 60 ? `${text.slice(0, 57)}...` : text,
          ],
          [...widths, 0],
        ),
      );
      if (m.error) ctx.out(`         error: ${m.error}`);
    }
  };
  table('Inbox (received)', inbox, (m) => m.sender_id);
  table('Sent', outbox, (m) => m.receiver_id);
  return 0;
}

/** `cao agent budget TERMINAL_ID [--max-cost USD|none] [--max-tokens N|none]`. */
async function budget(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { 'max-cost': { type: 'string' }, 'max-tokens': { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
    1,
  );
  const id = positionals[0];
  if (!id) throw new UsageError('TERMINAL_ID is required', USAGE);
  const cost = limitArg('--max-cost', values['max-cost'], true);
  const tokens = limitArg('--max-tokens', values['max-tokens'], true);
  const client = await ctx.server();
  const param = { id };
  const b =
    cost === undefined && tokens === undefined
      ? await ok(client.api.terminals[':id'].budget.$get({ param }))
      : await ok(
          client.api.terminals[':id'].budget.$post({
            param,
            json: {
              ...(cost !== undefined ? { max_cost_usd: cost } : {}),
              ...(tokens !== undefined ? { max_tokens: tokens } : {}),
            },
          }),
        );
  if (values.json) {
    ctx.out(json(b));
    return 0;
  }
  const cap = (v: number | null, f: (n: number) => string): string => (v === null ? 'none' : f(v));
  ctx.out(
    `Budget of ${b.terminal_id}: cost ${cap(b.max_cost_usd, (n) => `$${n}`)}, tokens ${cap(b.max_tokens, String)}`,
  );
  ctx.out(b.spent ? `Spent: ${b.spent}` : 'Not spent: messages are delivered.');
  return 0;
}
