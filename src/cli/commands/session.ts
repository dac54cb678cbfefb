/** `cao session list | status | send`. */
import { ok, within, type CaoClient } from '../../client/api.js';
import { awaitTurn } from '../../client/turns.js';
import type { TurnOutcome } from '../../core/turns.js';
import type { SessionUsage, UsageTotals } from '../../core/usage.js';
import type { TerminalView } from '../../core/views.js';
import { CaoError } from '../../lib/errors.js';
import { normalizeSessionName } from '../../lib/names.js';
import { UsageError, parse } from '../args.js';
import { statusPainter } from '../color.js';
import { json, row, type CliContext } from '../context.js';
import { EXIT_TIMEOUT, WaitInterrupted } from '../exit-codes.js';
import { startProgress } from '../progress.js';
import { printQuestion } from '../question.js';
import { runSubcommand, type Subcommand } from '../subcommands.js';
import { watchSession } from './session-watch.js';

const USAGE = `Usage:
  cao session list [--resumable] [--json]
  cao session status SESSION [--terminal ID] [--workers] [--json]
  cao session send SESSION MESSAGE [--terminal ID] [--async] [--queue] [--timeout N] [--json]
  cao session resume SESSION [--json]
  cao session watch [SESSION] [--until completed|waiting] [--json]

SESSION may be given with or without the 'cao-' prefix.
'send' waits for the answer and prints it (default up to 300 s); with --async it returns as
soon as the agent took the message. An agent that is busy refuses it; with --queue it is
delivered when the agent is ready. An expired --timeout exits 124; the agent keeps working.
'watch' prints each status change (of every session without SESSION) as it happens, with the
question and the answer command when an agent asks; --until stops at the first terminal that
completes a turn or waits for an answer.
'resume' starts a session that was shut down (or lost with tmux, e.g. by a reboot) again: the
same profiles in the same directories, each agent continuing its conversation where its CLI
can ('list --resumable' shows them; 'cao launch --resume TERMINAL_ID' resumes one terminal).`;

const SUBCOMMANDS: Record<string, Subcommand> = { list, status, send, resume, watch: watchSession };

export function run(argv: string[], ctx: CliContext): Promise<number> {
  return runSubcommand('session', SUBCOMMANDS, USAGE, argv, ctx);
}

const brief = (t: Pick<TerminalView, 'id' | 'agent_profile' | 'provider' | 'status' | 'host'>) => ({
  id: t.id,
  agent_profile: t.agent_profile,
  provider: t.provider,
  status: t.status,
  host: t.host,
});

async function list(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(
    argv,
    { json: { type: 'boolean' }, resumable: { type: 'boolean' } },
    USAGE,
    0,
  );
  const client = await ctx.server();
  if (values.resumable) return listResumable(client, values.json === true, ctx);
  const sessions = await ok(client.api.sessions.$get());
  const rows = sessions.map((s) => ({
    session: s.name,
    conductor: s.conductor,
    terminal_count: s.terminal_count,
  }));
  if (values.json) {
    ctx.out(json(rows));
    return 0;
  }
  if (rows.length === 0) ctx.out('No active sessions');
  else
    sessionTable(
      ctx,
      rows.map((r) => [
        r.session,
        r.conductor?.id ?? '-',
        r.conductor?.status ?? '-',
        String(r.terminal_count),
      ]),
      statusPainter(),
    );
  // ended sessions are a hint for people, on stderr: the list itself stays what it always was
  const ended = await ok(client.api['resumable-sessions'].$get());
  if (ended.length > 0) {
    const names = ended.map((e) => e.session).join(', ');
    ctx.err(
      `${ended.length} ended session${ended.length === 1 ? '' : 's'} can be resumed (${names}): see 'cao session list --resumable'.`,
    );
  }
  return 0;
}

/** The sessions table of `list` (active or resumable): session, conductor, status, count. */
function sessionTable(ctx: CliContext, rows: string[][], paint?: (status: string) => string): void {
  // the status column fits 'resumable (lost)' when a row says so
  const widths = [25, 12, rows.some((r) => (r[2] ?? '').length >= 15) ? 18 : 15, 10];
  ctx.out(row(['SESSION', 'CONDUCTOR', 'STATUS', 'TERMINALS'], widths));
  ctx.out('-'.repeat(65));
  for (const r of rows) ctx.out(row(r, widths, paint ? { column: 2, with: paint } : undefined));
}

/** Sessions that were shut down or lost with tmux and can be started again. */
async function listResumable(client: CaoClient, asJson: boolean, ctx: CliContext): Promise<number> {
  const ended = await ok(client.api['resumable-sessions'].$get());
  if (asJson) {
    ctx.out(
      json(
        ended.map((e) => ({
          session: e.session,
          ended_at: e.ended_at,
          reason: e.reason,
          terminal_count: e.terminals.length,
          terminals: e.terminals.map((t) => ({
            id: t.terminal_id,
            agent_profile: t.agent_profile,
            provider: t.provider,
          })),
        })),
      ),
    );
    return 0;
  }
  if (ended.length === 0) {
    ctx.out('No resumable sessions');
    return 0;
  }
  sessionTable(
    ctx,
    ended.map((e) => [
      e.session,
      e.terminals[0]?.terminal_id ?? '-',
      e.reason === 'lost' ? 'resumable (lost)' : 'resumable',
      String(e.terminals.length),
    ]),
  );
  ctx.out("Resume one with 'cao session resume SESSION'.");
  return 0;
}

async function resume(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, USAGE, 1);
  const name = positionals[0];
  if (!name) throw new UsageError('SESSION is required', USAGE);
  const client = await ctx.server();
  const progress = startProgress(`Resuming ${normalizeSessionName(name)}`);
  let r;
  try {
    r = await ok(
      client.api.sessions[':name'].resume.$post(
        { param: { name: normalizeSessionName(name) } },
        within(600_000),
      ),
    );
  } finally {
    progress.stop();
  }
  if (values.json) {
    ctx.out(json(r));
    return r.errors.length === 0 ? 0 : 1;
  }
  ctx.out(`Session resumed: ${r.session}`);
  for (const t of r.terminals)
    ctx.out(`  ${t.id}  ${t.agent_profile ?? '-'} (${t.provider}, ${t.status})`);
  for (const e of r.errors) ctx.err(`  ${e.terminal_id}: not resumed: ${e.error}`);
  return r.errors.length === 0 ? 0 : 1;
}

async function sessionDetail(client: CaoClient, name: string) {
  return ok(client.api.sessions[':name'].$get({ param: { name: normalizeSessionName(name) } }));
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
  const last = await ok(
    client.api.terminals[':id'].output.$get({ param: { id: target.id }, query: { mode: 'last' } }),
  ).catch(() => ({ output: '', found: false, source: 'screen' as const }));
  const usage = await ok(
    client.api.sessions[':name'].usage.$get({ param: { name: d.session.name }, query: {} }),
  ).catch(() => undefined);
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
              question: conductor.question,
            }
          : null,
        workers: workers.map((w) => ({ ...brief(w), question: w.question })),
        last_output_source: last.output ? last.source : null,
        usage: usage ? totalsOnly(usage) : null,
        ...(values.terminal
          ? {
              terminal: {
                ...brief(target),
                last_output: last.output || null,
                question: target.question,
              },
            }
          : {}),
      }),
    );
    return 0;
  }
  ctx.out(`Session: ${d.session.name}`);
  ctx.out(`Terminal: ${target.id}`);
  ctx.out(`Agent: ${target.agent_profile ?? '-'}`);
  ctx.out(`Provider: ${target.provider}`);
  if (target.host !== 'local') ctx.out(`Host: ${target.host}`);
  const painter = statusPainter();
  ctx.out(`Status: ${painter(target.status)}`);
  if (usage && usage.replies > 0) ctx.out(`Usage (session): ${usageLine(usage)}`);
  if (target.question) printQuestion(ctx.out, target.id, target.question);
  if (last.output) {
    const lines = last.output.split('\n');
    if (last.source === 'transcript') ctx.out('Answer source: its session log (exact text)');
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
      const widths = [12, 20, 15, 20, 0];
      ctx.out(row(['ID', 'AGENT', 'PROVIDER', 'STATUS', 'HOST'], widths));
      for (const w of workers)
        ctx.out(
          row([w.id, w.agent_profile ?? '-', w.provider, w.status, w.host], widths, {
            column: 3,
            with: painter,
          }),
        );
      for (const w of workers) if (w.question) printQuestion(ctx.out, w.id, w.question);
    }
  }
  return 0;
}

function pickTerminal(
  d: { session: { name: string }; terminals: TerminalView[] },
  id: string | undefined,
): TerminalView {
  const t = id === undefined ? d.terminals[0] : d.terminals.find((x) => x.id === id);
  if (t) return t;
  if (id === undefined)
    throw new CaoError('NOT_FOUND', `Session '${d.session.name}' has no terminals.`);
  throw new CaoError(
    'NOT_FOUND',
    `Terminal '${id}' is not in session '${d.session.name}'. Its terminals: ${d.terminals.map((x) => x.id).join(', ')}.`,
  );
}

async function send(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      terminal: { type: 'string' },
      async: { type: 'boolean' },
      queue: { type: 'boolean' },
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
  const session = normalizeSessionName(name);
  const started = await ok(
    client.api.sessions[':name'].messages.$post(
      {
        param: { name: session },
        json: {
          message,
          mode: values.queue ? 'queue' : 'now',
          ...(values.terminal ? { terminal_id: values.terminal } : {}),
        },
      },
      within(120_000),
    ),
  );
  if (values.async) {
    ctx.out(
      values.json
        ? json({ terminal_id: started.terminal_id, turn_id: started.turn_id, state: started.state })
        : started.state === 'delivered'
          ? `Message sent to terminal ${started.terminal_id}`
          : `Message queued for terminal ${started.terminal_id} (${started.state}); it is delivered when the agent is ready`,
    );
    return 0;
  }
  const outcome = await waitWithProgress(
    client,
    started.terminal_id,
    started.turn_id,
    timeoutS,
    'Waiting for the agent',
    session,
  );
  if (values.json) {
    ctx.out(json(outcome));
    return exitCodeOf(outcome);
  }
  return printTurn(ctx, session, outcome, timeoutS);
}

/**
 * Waits for a turn's end, with a spinner on a terminal. Ctrl-C stops the wait, not the agent:
 * it rejects with WaitInterrupted, whose advice says how to check on the agent.
 */
export async function waitWithProgress(
  client: CaoClient,
  terminalId: string,
  turnId: number,
  timeoutS: number,
  label: string,
  session: string,
): Promise<TurnOutcome> {
  const progress = startProgress(label);
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort();
  process.once('SIGINT', onInterrupt);
  try {
    return await awaitTurn(client, terminalId, turnId, Date.now() + timeoutS * 1000, stop.signal);
  } catch (e) {
    if (stop.signal.aborted) throw new WaitInterrupted(checkAdvice(session, terminalId));
    throw e;
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.stop();
  }
}

/** What to tell someone who stopped waiting: the agent goes on, and how to look at it. */
export function checkAdvice(session: string, terminalId: string): string {
  return (
    `Stopped waiting; the agent keeps working on the message. Check on it with: ` +
    `cao session status ${session} --terminal ${terminalId} (or follow it: cao session watch ${session})`
  );
}

/** A turn's exit code: 0 answered, 124 the wait ran out (the agent keeps going), else 1. */
export function exitCodeOf(o: TurnOutcome): number {
  return o.outcome === 'completed' ? 0 : o.outcome === 'timeout' ? EXIT_TIMEOUT : 1;
}

/** Prints the end of a turn for people; the exit code says whether an answer came. */
export function printTurn(
  ctx: CliContext,
  session: string,
  o: TurnOutcome,
  timeoutS: number,
): number {
  const why = o.evidence.join(' / ') || o.rule || '';
  switch (o.outcome) {
    case 'timeout':
      ctx.err(
        `Error: Timed out after ${timeoutS}s; the agent is still ${o.status ?? 'working'} and keeps working. Check later with: cao session status ${session} --terminal ${o.terminal_id}`,
      );
      return EXIT_TIMEOUT;
    case 'waiting_user_answer':
      ctx.err(`Error: The agent stopped to ask a question${o.question ? '' : ` (${why})`}.`);
      if (o.question) printQuestion(ctx.err, o.terminal_id, o.question);
      else
        ctx.err(
          `Look at it with 'tmux attach -t ${session}', or answer it with: cao agent answer ${o.terminal_id} <answer>`,
        );
      return 1;
    case 'interrupted':
      ctx.err(`Error: The agent's turn was interrupted before it answered (${why}).`);
      ctx.err(`Look at it with 'tmux attach -t ${session}', then send the message again.`);
      return 1;
    case 'failed':
      ctx.err(`Error: The message was not delivered: ${o.error ?? 'unknown reason'}.`);
      return 1;
    case 'error':
      if (o.output) ctx.out(o.output);
      ctx.err(
        o.gone
          ? `Error: The agent is gone (${why}). Shut the session down with 'cao shutdown --session ${session}' and launch it again.`
          : `Error: The agent reported an error (${why}).`,
      );
      return 1;
    case 'completed':
      ctx.out(o.output ? o.output : 'The agent finished without a text answer.');
      return 0;
  }
}

/** The totals of a session's usage, without the per-terminal parts. */
function totalsOnly(u: SessionUsage): UsageTotals {
  return {
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    cache_read_tokens: u.cache_read_tokens,
    cache_write_tokens: u.cache_write_tokens,
    total_tokens: u.total_tokens,
    cost_usd: u.cost_usd,
    cost_source: u.cost_source,
    replies: u.replies,
  };
}

/** `434 tokens (input 240, output 68, cache read 112, cache write 14), $0.0024`; the cost says
 *  where it comes from when the price table gave it, and `cost unknown` when nothing did. */
export function usageLine(u: UsageTotals): string {
  const cost =
    u.cost_usd === null
      ? ', cost unknown'
      : `, $${u.cost_usd.toFixed(u.cost_usd < 1 ? 4 : 2)}${u.cost_source === 'cli' ? '' : ' (price table)'}`;
  return `${u.total_tokens} tokens (input ${u.input_tokens}, output ${u.output_tokens}, cache read ${u.cache_read_tokens}, cache write ${u.cache_write_tokens})${cost}`;
}
