/** `cao shutdown --session NAME | --all`. */
import { ok } from '../../client/api.js';
import { CaoError } from '../../lib/errors.js';
import { normalizeSessionName } from '../../lib/names.js';
import { UsageError, parse } from '../args.js';
import type { CliContext } from '../context.js';

const USAGE = `Usage: cao shutdown --session SESSION | --all

Kills the session's tmux session and every agent in it. When the tmux server is gone, --all
clears the sessions that were lost with it.`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(
    argv,
    { session: { type: 'string' }, all: { type: 'boolean' } },
    USAGE,
    0,
  );
  if ((values.session === undefined) === !values.all)
    throw new UsageError('give exactly one of --session or --all', USAGE);
  const client = await ctx.server();
  const names = values.all ? await allSessions(ctx) : [normalizeSessionName(values.session ?? '')];
  if (names.length === 0) {
    ctx.out('No cao sessions found to shutdown');
    return 0;
  }
  let failed = 0;
  for (const name of names) {
    try {
      await ok(client.api.sessions[':name'].$delete({ param: { name } }));
      ctx.out(`✓ Shutdown session '${name}'`);
    } catch (e) {
      failed++;
      ctx.err(
        e instanceof CaoError && e.code === 'NOT_FOUND'
          ? `Error: ${e.message}`
          : `Error: could not shut down '${name}': ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}

/** The live sessions, or, when the tmux server is gone, the ones lost with it (to clear). */
async function allSessions(ctx: CliContext): Promise<string[]> {
  try {
    return (await ok((await ctx.server()).api.sessions.$get())).map((s) => s.name);
  } catch (e) {
    if (!(e instanceof CaoError) || e.code !== 'UNAVAILABLE') throw e;
    const lost = e.details?.['lost_sessions'];
    if (!Array.isArray(lost)) throw e;
    ctx.err(`Warning: ${e.message}`);
    return lost.filter((x): x is string => typeof x === 'string');
  }
}
