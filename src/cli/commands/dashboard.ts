/** `cao dashboard [--viewer]`: a one-time login link for the web dashboard. */
import { ok } from '../../client/api.js';
import { parse } from '../args.js';
import { json, type CliContext } from '../context.js';

const USAGE = `Usage: cao dashboard [--viewer] [--json]

Prints a link that logs this browser in to the dashboard served by cao-server. The link works
once, within 5 minutes; the login then lasts 30 days. --viewer makes a link that can only watch
(screens, messages, events), for sharing.`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(
    argv,
    { viewer: { type: 'boolean' }, json: { type: 'boolean' } },
    USAGE,
    0,
  );
  const client = await ctx.server();
  const link = await ok(
    client.api.auth['login-links'].$post({ json: { role: values.viewer ? 'viewer' : 'owner' } }),
  );
  if (values.json) ctx.out(json(link));
  else {
    ctx.out(`Open the dashboard (${link.role}; this link works once, until ${link.expires_at}):`);
    ctx.out(`  ${link.url}`);
  }
  return 0;
}
