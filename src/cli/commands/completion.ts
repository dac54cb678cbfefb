/**
 * `cao completion bash|zsh|fish`: a completion script for the shell. The words come from the
 * command table and from each command's own usage (`cao CMD --help`), so a new command or flag
 * is completed without touching this file.
 */
import { CaoClient } from '../../client/api.js';
import { HelpRequested, UsageError, parse } from '../args.js';
import {
  bashScript,
  fishScript,
  scrapeUsage,
  zshScript,
  type CompletionSpec,
} from '../completion-scripts.js';
import type { CliContext } from '../context.js';

const USAGE = `Usage: cao completion bash|zsh|fish

Prints a completion script for commands, sub-commands and flags:
  bash:  cao completion bash > ~/.local/share/bash-completion/completions/cao
  zsh:   echo 'source <(cao completion zsh)' >> ~/.zshrc
  fish:  cao completion fish > ~/.config/fish/completions/cao.fish`;

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

/** Commands whose run does not answer --help (they start a server on stdio). */
const NO_HELP = new Set(['mcp-server']);

/** A command's usage, asked of the command itself with --help (no server involved). */
async function usageOf(
  run: (argv: string[], ctx: CliContext) => Promise<unknown>,
): Promise<string> {
  const printed: string[] = [];
  const noServer = (): Promise<CaoClient> => Promise.reject(new Error('completion asks no server'));
  const ctx: CliContext = {
    client: new CaoClient('http://127.0.0.1:9'),
    out: (t) => printed.push(t),
    err: (t) => printed.push(t),
    server: noServer,
    agent: noServer,
  };
  try {
    await run(['--help'], ctx);
  } catch (e) {
    if (e instanceof HelpRequested) return e.usage;
    throw e;
  }
  return printed.join('\n');
}

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parse(argv, {}, USAGE, 1);
  const shell = positionals[0];
  if (shell === undefined) throw new UsageError('name the shell: bash, zsh or fish', USAGE);
  if (!Object.hasOwn(SHELLS, shell))
    throw new UsageError(`no completion for '${shell}'; cao has bash, zsh and fish`, USAGE);
  const { COMMANDS } = await import('../main.js');
  const specs: CompletionSpec[] = [];
  for (const [name, c] of Object.entries(COMMANDS)) {
    const scraped = NO_HELP.has(name)
      ? { subcommands: [], flags: ['--help'] }
      : scrapeUsage(await usageOf((await c.load()).run));
    specs.push({ name, summary: c.summary, ...scraped });
  }
  ctx.out(SHELLS[shell as keyof typeof SHELLS](specs).trimEnd());
  return 0;
}
