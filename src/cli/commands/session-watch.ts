/**
 * `cao session watch [SESSION] [--until completed|waiting]`: status changes as they happen,
 * from the server's event stream (`GET /events`). The server decides every status; this only
 * prints them, with the question and the answer command when an agent asks.
 */
import { ok } from '../../client/api.js';
import { openEventStream, type SseEvent } from '../../client/sse.js';
import type { StampedEvent } from '../../core/events.js';
import { CaoError } from '../../lib/errors.js';
import { normalizeSessionName } from '../../lib/names.js';
import { UsageError, parse } from '../args.js';
import { statusPainter } from '../color.js';
import type { CliContext } from '../context.js';
import { printQuestion } from '../question.js';

const USAGE = `Usage: cao session watch [SESSION] [--until completed|waiting] [--json]

Prints the current status of each terminal, then every status change as it happens (of every
session without SESSION), with the question and the answer command when an agent asks.
--until completed stops (exit 0) when a terminal completes a turn; --until waiting when one
waits for your answer; either at once when a terminal already shows that status. --json
prints one event per line. Ctrl-C stops watching.`;

const UNTIL = { completed: 'completed', waiting: 'waiting_user_answer' } as const;
const TYPES = 'terminal.status,terminal.created,terminal.deleted,session.deleted';

export async function watchSession(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { until: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
    1,
  );
  const until = values.until;
  if (until !== undefined && !Object.hasOwn(UNTIL, until))
    throw new UsageError(`--until takes completed or waiting, not '${until}'`, USAGE);
  const stopAt = until === undefined ? undefined : UNTIL[until as keyof typeof UNTIL];
  const session = positionals[0] === undefined ? undefined : normalizeSessionName(positionals[0]);
  const client = await ctx.server();
  const paint = statusPainter();
  const time = (at: string): string => at.slice(11, 19);

  return new Promise<number>((resolve, reject) => {
    let snapshotDone = false;
    let finished = false;
    const early: SseEvent[] = [];
    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      stream.close();
      resolve(code);
    };
    const fail = (e: unknown): void => {
      if (finished) return;
      finished = true;
      stream.close();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    /** Prints one event; true when it is the one --until waits for. */
    const show = (e: StampedEvent): boolean => {
      if (values.json) ctx.out(JSON.stringify(e));
      switch (e.type) {
        case 'terminal.status':
          if (!values.json) {
            ctx.out(
              `${time(e.at)}  ${e.session}  ${e.terminal_id}  ${e.previous} → ${paint(e.status)}  (${e.rule})`,
            );
            if (e.question) printQuestion(ctx.out, e.terminal_id, e.question);
          }
          return stopAt !== undefined && e.status === stopAt;
        case 'terminal.created':
          if (!values.json)
            ctx.out(`${time(e.at)}  ${e.session}  ${e.terminal_id}  started (${e.provider})`);
          return false;
        case 'terminal.deleted':
          if (!values.json) ctx.out(`${time(e.at)}  ${e.session}  ${e.terminal_id}  deleted`);
          return false;
        case 'session.deleted':
          if (!values.json) ctx.out(`${time(e.at)}  ${e.session}  session shut down`);
          if (session !== undefined) finish(stopAt === undefined ? 0 : 1);
          return false;
        default:
          return false;
      }
    };
    const handle = (raw: SseEvent): void => {
      if (raw.event === 'hello' || finished) return;
      if (!snapshotDone) {
        early.push(raw);
        return;
      }
      if (show(JSON.parse(raw.data) as StampedEvent)) finish(0);
    };
    const stream = openEventStream(client, { session, types: TYPES }, handle, (err) => {
      if (err) fail(err);
      else if (!finished)
        fail(new CaoError('UNAVAILABLE', 'cao-server closed the event stream; watch again.'));
    });
    void (async () => {
      await stream.ready;
      // the current statuses, read after the stream is open so no change falls in between
      const names =
        session !== undefined
          ? [session]
          : (await ok(client.api.sessions.$get())).map((s) => s.name);
      for (const name of names) {
        const d = await ok(client.api.sessions[':name'].$get({ param: { name } }));
        for (const t of d.terminals) {
          if (values.json) ctx.out(JSON.stringify({ type: 'terminal.current', ...t }));
          else {
            ctx.out(
              `now       ${name}  ${t.id}  ${paint(t.status)}  (${t.agent_profile ?? t.provider})`,
            );
            if (t.question) printQuestion(ctx.out, t.id, t.question);
          }
          if (stopAt !== undefined && t.status === stopAt) return finish(0);
        }
      }
      if (!values.json && names.length === 0) ctx.out('No sessions yet; waiting for changes.');
      snapshotDone = true;
      for (const raw of early.splice(0)) handle(raw);
    })().catch(fail);
  });
}
