/** `cao session list | status | send`. */
import { CaoError } from '../../lib/errors.js';
import { normalizeSessionName } from '../../lib/names.js';
import type { TerminalView } from '../../core/views.js';
import type { Status } from '../../providers/provider.js';
import type { ApiClient } from '../../client/api.js';
import { UsageError, parse } from '../args.js';
import { json, row, type CliContext } from '../context.js';
import { runSubcommand, type Subcommand } from '../subcommands.js';
import { sendAndWait, type TurnResult } from '../turn.js';

const USAGE = `Usage:
  cao session list [--json]
  cao session status SESSION [--terminal ID] [--workers] [--json]
  cao session send SESSION MESSAGE [--terminal ID] [--async] [--timeout N] [--json]

SESSION may be given with or without the 'cao-' prefix.
'send' waits for the answer and prints it (default up to 300 s); with --async it returns at once.`;

const SUBCOMMANDS: Record<string, Subcommand> = { list, status, send };

export function run(argv: string[], ctx: CliContext): Promise<number> {
  return runSubcommand('session', SUBCOMMANDS, USAGE, argv, ctx);
}

interface SessionListItem {
  name: string;
  terminal_count: number;
}

interface SessionDetail {
  session: { name: string; status: string; working_directory: string | null };
  terminals: TerminalView[];
}

const brief = (
  t: TerminalView,
): { id: string; agent_profile: string | null; provider: string; status: Status } => ({
  id: t.id,
  agent_profile: t.agent_profile,
  provider: t.provider,
  status: t.status,
});

async function list(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } }, USAGE, 0);
  const client = await ctx.server();
  const sessions = await client.get<SessionListItem[]>('/sessions');
  const rows = await Promise.all(
    sessions.map(async (s) => {
      const d = await client.get<SessionDetail>(`/sessions/${s.name}`).catch(() => undefined);
      const conductor = d?.terminals[0];
      return {
        session: s.name,
        conductor: conductor ? brief(conductor) : null,
        terminal_count: d?.terminals.length ?? s.terminal_count,
      };
    }),
  );
  if (values.json) {
    ctx.out(json(rows));
    return 0;
  }
  if (rows.length === 0) {
    ctx.out('No active sessions');
    return 0;
  }
  const widths = [25, 12, 15, 10];
  ctx.out(row(['SESSION', 'CONDUCTOR', 'STATUS', 'TERMINALS'], widths));
  ctx.out('-'.repeat(65));
  for (const r of rows) {
    ctx.out(
      row(
        [r.session, r.conductor?.id ?? '-', r.conductor?.status ?? '-', String(r.terminal_count)],
        widths,
      ),
    );
  }
  return 0;
}

async function sessionDetail(client: ApiClient, name: string): Promise<SessionDetail> {
  return client.get<SessionDetail>(`/sessions/${normalizeSessionName(name)}`);
}

function pickTerminal(d: SessionDetail, id: string | undefined): TerminalView {
  if (id === undefined) {
    const conductor = d.terminals[0];
    if (!conductor)
      throw new CaoError('NOT_FOUND', `Session '${d.session.name}' has no terminals.`);
    return conductor;
  }
  const t = d.terminals.find((x) => x.id === id);
  if (!t) {
    throw new CaoError(
      'NOT_FOUND',
      `Terminal '${id}' is not in session '${d.session.name}'. Its terminals: ${d.terminals.map((x) => x.id).join(', ')}.`,
    );
  }
  return t;
}

async function status(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { terminal: { type: 'string' }, workers: { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
    1,
  );
  const name = positionals[0];
  if (!name) throw new UsageError('SESSION is required', USAGE);
  const client = await ctx.server();
  const d = await sessionDetail(client, name);
  const target = pickTerminal(d, values.terminal);
  const last = await client
    .get<{ output: string; found?: boolean }>(`/terminals/${target.id}/output`, { mode: 'last' })
    .catch(() => ({ output: '', found: false }));
  const workers = d.terminals.slice(1);
  if (values.json) {
    const conductor = d.terminals[0];
    ctx.out(
      json({
        session: d.session.name,
        conductor: conductor
          ? {
              ...brief(conductor),
              last_output: conductor.id === target.id ? last.output || null : null,
            }
          : null,
        workers: workers.map(brief),
        ...(values.terminal
          ? { terminal: { ...brief(target), last_output: last.output || null } }
          : {}),
      }),
    );
    return 0;
  }
  ctx.out(`Session: ${d.session.name}`);
  ctx.out(`Terminal: ${target.id}`);
  ctx.out(`Agent: ${target.agent_profile ?? '-'}`);
  ctx.out(`Provider: ${target.provider}`);
  ctx.out(`Status: ${target.status}`);
  if (last.output) {
    const lines = last.output.split('\n');
    ctx.out('\nLast response:');
    ctx.out(lines.slice(0, 20).join('\n'));
    if (lines.length > 20) ctx.out(`... (${lines.length - 20} more lines)`);
  } else {
    ctx.out('\nNo last response available');
  }
  if (values.workers) {
    ctx.out('');
    if (workers.length === 0) ctx.out('No worker terminals');
    else {
      const widths = [12, 20, 15, 20];
      ctx.out(row(['ID', 'AGENT', 'PROVIDER', 'STATUS'], widths));
      for (const w of workers)
        ctx.out(row([w.id, w.agent_profile ?? '-', w.provider, w.status], widths));
    }
  }
  return 0;
}

/** Rules that mean the agent process is gone for good. */
const FINAL_RULES = new Set([
  'agent-exited',
  'window-closed',
  'session-closed',
  'pane-gone',
  'pane-dead',
  'cli-exited',
]);

async function send(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      terminal: { type: 'string' },
      async: { type: 'boolean' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
    2,
  );
  const [name, message] = positionals;
  if (!name || message === undefined)
    throw new UsageError('SESSION and MESSAGE are required', USAGE);
  if (message.trim() === '') throw new CaoError('INVALID_INPUT', 'MESSAGE is empty.');
  const timeoutS = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new CaoError('INVALID_INPUT', '--timeout must be a positive number of seconds.');
  const client = await ctx.server();
  const d = await sessionDetail(client, name);
  const target = pickTerminal(d, values.terminal);
  if (target.status !== 'idle' && target.status !== 'completed') {
    const detect = await client.get<{ rule: string; evidence: string[] }>(
      `/terminals/${target.id}/detect`,
    );
    // an agent showing an API error is back at its prompt and can take the next message
    const recoverable = target.status === 'error' && !FINAL_RULES.has(detect.rule);
    if (!recoverable) {
      const why = detect.evidence[0] ? ` (${detect.evidence[0]})` : '';
      const hint =
        target.status === 'waiting_user_answer'
          ? ` It is asking a question: look at it with 'tmux attach -t ${d.session.name}', or answer it with a supervisor's answer_user_prompt tool.`
          : target.status === 'error'
            ? ` Shut the session down with 'cao shutdown --session ${d.session.name}' and launch it again.`
            : ' Wait for it to finish before sending; check with cao session status.';
      throw new CaoError(
        'CONFLICT',
        `Terminal ${target.id} is currently ${target.status}${why}.${hint}`,
      );
    }
  }
  if (values.async) {
    await client.post(`/terminals/${target.id}/input`, undefined, { message });
    ctx.out(
      values.json
        ? json({ terminal_id: target.id, sent: true })
        : `Message sent to terminal ${target.id}`,
    );
    return 0;
  }
  const result = await sendAndWait(
    client,
    target.id,
    message,
    timeoutS * 1000,
    `Waiting for ${target.agent_profile ?? target.id}`,
  );
  if (values.json) {
    ctx.out(json({ terminal_id: target.id, ...result }));
    return result.timedOut || (result.status !== 'completed' && result.status !== 'idle') ? 1 : 0;
  }
  return printTurn(ctx, target.id, d.session.name, result, timeoutS);
}

/** Prints the end of a turn for people; the exit code says whether an answer came. */
export function printTurn(
  ctx: CliContext,
  terminalId: string,
  session: string,
  r: TurnResult,
  timeoutS: number,
): number {
  if (r.timedOut) {
    ctx.err(
      `Error: Timed out after ${timeoutS}s; the agent is still ${r.status} and keeps working. Check later with: cao session status ${session} --terminal ${terminalId}`,
    );
    return 1;
  }
  if (r.status === 'waiting_user_answer') {
    ctx.err(`Error: The agent stopped to ask a question (${r.evidence.join(' / ') || r.rule}).`);
    ctx.err(
      `Look at it with 'tmux attach -t ${session}', or answer it through a supervisor's answer_user_prompt tool.`,
    );
    return 1;
  }
  if (r.interrupted) {
    ctx.err(
      `Error: The agent's turn was interrupted before it answered (${r.evidence.join(' / ') || r.rule}).`,
    );
    ctx.err(`Look at it with 'tmux attach -t ${session}', then send the message again.`);
    return 1;
  }
  if (r.status === 'error') {
    if (r.output) ctx.out(r.output);
    ctx.err(`Error: The agent reported an error (${r.evidence.join(' / ') || r.rule}).`);
    return 1;
  }
  ctx.out(r.found ? r.output : 'The agent finished without a text answer.');
  return 0;
}
