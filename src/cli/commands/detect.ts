/**
 * `cao detect`: why does a screen have the status cao gives it? Prints the status, the rule
 * that decided it and the evidence lines, for a saved screen (`--file`, read here, no server
 * needed) or a live terminal (`--terminal`, asked of cao-server).
 *
 * Why this client imports the providers (the one place besides `cao install`): a saved screen
 * is classified here, so it works without a server and on a machine that only has the file.
 */
import { readFileSync } from 'node:fs';
import { ok } from '../../client/api.js';
import { CaoError } from '../../lib/errors.js';
import { getProvider } from '../../providers/index.js';
import { UsageError, parse } from '../args.js';
import { json, type CliContext } from '../context.js';

const USAGE = `Usage:
  cao detect --provider P --file SCREEN.txt [--json]
  cao detect --terminal ID [--provider P] [--json]

Shows the status cao reads from a screen, the rule that decided it, and the lines it looked at.
A file is a saved screen (tmux capture-pane -p, colour escapes allowed); a terminal is read live.`;

interface Detection {
  status: string;
  rule: string;
  evidence: string[];
  provider?: string;
  terminal_id?: string;
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(
    argv,
    {
      provider: { type: 'string' },
      file: { type: 'string' },
      terminal: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
    0,
  );
  if ((values.file === undefined) === (values.terminal === undefined)) {
    throw new UsageError('give exactly one of --file or --terminal', USAGE);
  }
  let d: Detection;
  if (values.file !== undefined) {
    if (!values.provider) throw new UsageError('--provider is required with --file', USAGE);
    const provider = getProvider(values.provider);
    let screen: string;
    try {
      screen = readFileSync(values.file, 'utf8');
    } catch (e) {
      throw new CaoError('NOT_FOUND', `Cannot read ${values.file}: ${(e as Error).message}`);
    }
    d = { ...provider.detect(screen), provider: provider.id };
  } else {
    const client = await ctx.server();
    const id = values.terminal ?? '';
    d = await ok(client.api.terminals[':id'].detect.$get({ param: { id } }));
    if (values.provider && d.provider && values.provider !== d.provider) {
      ctx.err(`Note: terminal ${values.terminal} runs ${d.provider}; its own provider decided.`);
    }
  }
  if (values.json) {
    ctx.out(json(d));
    return 0;
  }
  ctx.out(`Status: ${d.status}`);
  ctx.out(`Rule: ${d.rule}${d.provider ? ` (${d.provider})` : ''}`);
  if (d.evidence.length > 0) {
    ctx.out('Evidence:');
    for (const line of d.evidence) ctx.out(`  | ${line}`);
  }
  return 0;
}
