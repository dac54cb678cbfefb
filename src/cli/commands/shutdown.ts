/** `cao shutdown --session NAME | --all`. */
import { ok } from '../../client/api.js';
import { CaoError } from '../../lib/errors.js';
import { normalizeSessionName } from '../../lib/names.js';
import { UsageError, parse } from '../args.js';
import type { CliContext } from '../context.js';

const USAGE = `Usage: cao shutdown --session SESSION | --all

Kills the session's tmux session and every agent in it.`;

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
  const names = values.all
    ? (await ok(client.api.sessions.$get())).map((s) => s.name)
    : [normalizeSessionName(values.session ?? '')];
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
      if (e instanceof CaoError && e.code === 'NOT_FOUND')
        ctx.err(`Session '${name}' already removed`);
      else
        ctx.err(
          `Error: could not shut down '${name}': ${e instanceof Error ? e.message : String(e)}`,
        );
    }
  }
  return failed === 0 ? 0 : 1;
}
