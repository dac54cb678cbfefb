/**
 * `cao agent …`: the MCP tools as shell commands, for agents whose MCP child died and for
 * scripts. The caller is $CAO_TERMINAL_ID (set in every cao terminal) or --from.
 */
import {
  answerUserPrompt,
  assign,
  callerId,
  deleteTerminal,
  handoff,
  sendMessage,
} from '../../client/orchestrate.js';
import type { MessageView } from '../../core/views.js';
import { CaoError } from '../../lib/errors.js';
import { UsageError, parse } from '../args.js';
import { json, row, type CliContext } from '../context.js';
import { startProgress } from '../progress.js';
import { runSubcommand, type Subcommand } from '../subcommands.js';

const USAGE = `Usage:
  cao agent handoff --agent PROFILE [--timeout N] [--model M] [--from ID] [--json] "task"
  cao agent assign --agent PROFILE [--model M] [--from ID] [--json] "task"
  cao agent send-message [--to ID] [--from ID] [--json] "message"
  cao agent answer TERMINAL_ID "answer"
  cao agent delete TERMINAL_ID
  cao agent status [TERMINAL_ID] [--json]

The same as the MCP tools handoff, assign, send_message, answer_user_prompt and
delete_terminal. The calling terminal is $CAO_TERMINAL_ID, or --from ID.
'send-message' without --to replies to the terminal that started this one.
'status' shows a terminal's status (why, with evidence) and its inbox with delivery states.`;

const SUBCOMMANDS: Record<string, Subcommand> = {
  handoff: (argv, ctx) => delegate('handoff', argv, ctx),
  assign: (argv, ctx) => delegate('assign', argv, ctx),
  'send-message': send,
  answer,
  delete: remove,
  status,
};

export function run(argv: string[], ctx: CliContext): Promise<number> {
  return runSubcommand('agent', SUBCOMMANDS, USAGE, argv, ctx);
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
      from: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
    1,
  );
  const task = positionals[0];
  if (!values.agent || !task)
    throw new UsageError('--agent PROFILE and the task are required', USAGE);
  const from = callerId(values.from);
  const client = await ctx.server();
  const request = {
    agentProfile: values.agent,
    message: task,
    model: values.model,
    workingDirectory: values['working-directory'],
  };
  let r: { success: boolean; message: string; output?: string | null; terminal_id?: string | null };
  if (kind === 'handoff') {
    const timeoutS = values.timeout === undefined ? 600 : Number(values.timeout);
    if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 3600) {
      throw new CaoError('INVALID_INPUT', '--timeout must be 1 to 3600 seconds.');
    }
    const progress = startProgress(`Handing off to ${values.agent}`);
    try {
      r = await handoff(client, from, { ...request, timeoutS });
    } finally {
      progress.stop();
    }
  } else {
    r = await assign(client, from, request);
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
  const r = await sendMessage(await ctx.server(), callerId(values.from), message, values.to);
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
  const r = await answerUserPrompt(await ctx.server(), id, text);
  if (r.success) ctx.out(r.message);
  else ctx.err(`Error: ${r.message}`);
  return r.success ? 0 : 1;
}

async function remove(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parse(argv, {}, USAGE, 1);
  if (!positionals[0]) throw new UsageError('TERMINAL_ID is required', USAGE);
  const r = await deleteTerminal(await ctx.server(), positionals[0]);
  if (r.success) ctx.out(r.message);
  else ctx.err(`Error: ${r.message}`);
  return r.success ? 0 : 1;
}

async function status(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, USAGE, 1);
  const id = positionals[0] ?? callerId();
  const client = await ctx.server();
  const [terminal, detect, inbox, outbox] = await Promise.all([
    client.get<{
      id: string;
      agent_profile: string | null;
      provider: string;
      session_name: string;
      status: string;
    }>(`/terminals/${id}`),
    client.get<{ status: string; rule: string; evidence: string[] }>(`/terminals/${id}/detect`),
    client.get<MessageView[]>(`/terminals/${id}/inbox/messages`, { limit: 20 }),
    client.get<MessageView[]>('/inbox/messages', { sender_id: id, limit: 20 }),
  ]);
  if (values.json) {
    ctx.out(json({ terminal, detection: detect, inbox, sent: outbox }));
    return 0;
  }
  ctx.out(
    `Terminal: ${terminal.id} (${terminal.agent_profile ?? '-'}, ${terminal.provider}) in ${terminal.session_name}`,
  );
  ctx.out(`Status: ${detect.status} (rule ${detect.rule})`);
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
