/**
 * `cao`: the command table. Each command lives in its own module, loaded only when it runs,
 * so `cao --help` and quick commands stay fast; commander picks the command (with "did you
 * mean" for a mistyped one) and each command parses its own options (args.ts). This is the
 * only place that sets exit codes: 1 for errors cao explains (`Error: …`), 2 for usage errors
 * and for bugs (with the stack), 124 for a wait that ran out of time (the command returns it),
 * 130 for Ctrl-C on a wait (the agent keeps working).
 * With `--json` anywhere on the line, an error is printed as JSON on stdout instead.
 *
 * Adding a command: a module under commands/ exporting `run(argv, ctx)`, and one entry here.
 */
import { CaoError } from '../lib/errors.js';
import { caoVersion } from '../lib/version.js';
import { HelpRequested, UsageError } from './usage-error.js';
import type { CliContext } from './context.js';
import { EXIT_INTERRUPTED, WaitInterrupted } from './exit-codes.js';

type Run = (argv: string[], ctx: CliContext) => Promise<number | void>;

interface CommandEntry {
  summary: string;
  load: () => Promise<{ run: Run }>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  launch: {
    summary: 'Start a session with an agent profile',
    load: () => import('./commands/launch.js'),
  },
  session: {
    summary: 'list | status | send | watch: inspect, talk to and follow sessions',
    load: () => import('./commands/session.js'),
  },
  usage: {
    summary: "Tokens and cost per agent and session (from each CLI's own log)",
    load: () => import('./commands/usage.js'),
  },
  shutdown: {
    summary: 'Shut down a session (--session NAME) or all (--all)',
    load: () => import('./commands/shutdown.js'),
  },
  flow: {
    summary: 'add | list | remove | enable | disable | run: agent sessions on a cron schedule',
    load: () => import('./commands/flow.js'),
  },
  schedule: {
    summary: 'The same as flow',
    load: () => import('./commands/flow.js'),
  },
  host: {
    summary: 'add | list | check | remove: machines agents run on, reached with OpenSSH',
    load: () => import('./commands/host.js'),
  },
  worktree: {
    summary: "list | diff | merge | remove: workers' git worktrees (--worktree)",
    load: () => import('./commands/worktree.js'),
  },
  install: {
    summary: 'Install an agent profile (name, path/to/file.md or https URL)',
    load: () => import('./commands/install.js'),
  },
  profile: {
    summary: 'list: the agent profiles cao can launch, and where each comes from',
    load: () => import('./commands/profile.js'),
  },
  providers: {
    summary: 'The agent CLIs cao can drive: installed ones first, with their versions',
    load: () => import('./commands/providers.js'),
  },
  agent: {
    summary:
      'handoff | assign | send-message | answer | delete | status: the MCP tools from the shell',
    load: () => import('./commands/agent.js'),
  },
  dashboard: {
    summary: 'A one-time login link for the web dashboard (--viewer: watch only)',
    load: () => import('./commands/dashboard.js'),
  },
  detect: {
    summary: 'Explain a status: the rule and the screen lines behind it',
    load: () => import('./commands/detect.js'),
  },
  info: {
    summary: 'Where cao keeps its data, and the current session',
    load: () => import('./commands/info.js'),
  },
  init: {
    summary: 'Create the cao home directory and database',
    load: () => import('./commands/init.js'),
  },
  completion: {
    summary: 'bash | zsh | fish: a shell completion script',
    load: () => import('./commands/completion.js'),
  },
  server: {
    summary: 'Run cao-server in the foreground',
    load: () => import('./commands/server.js'),
  },
  'mcp-server': {
    summary: 'Run cao-mcp-server (stdio)',
    load: () => import('./commands/mcp-server.js'),
  },
};

export const HELP = `cao ${caoVersion()}: run AI coding CLIs as a team, in tmux.

Usage: cao <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join('\n')}

Run 'cao <command> --help' for a command's options; add --json to a read command for JSON.
Server: CAO_API_HOST/CAO_API_PORT (default 127.0.0.1:9889); started on demand unless CAO_NO_AUTOSTART=1.`;

const silent = { writeOut: () => {}, writeErr: () => {}, outputError: () => {} };

/** The command `argv` names and its arguments, verbatim; a UsageError for an unknown one. */
async function pick(argv: string[]): Promise<{ name: string; args: string[] }> {
  // loaded here, not at the top: `cao --help` and `--version` never load commander
  const { Command, CommanderError } = await import('commander');
  const { commanderMessage } = await import('./args.js');
  let chosen: { name: string; args: string[] } | undefined;
  const program = new Command('cao')
    .helpOption(false)
    .helpCommand(false)
    .exitOverride()
    .configureOutput(silent)
    .enablePositionalOptions();
  for (const name of Object.keys(COMMANDS)) {
    program
      .command(name)
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .passThroughOptions()
      .action((_options, cmd: InstanceType<typeof Command>) => {
        chosen = { name, args: cmd.args };
      });
  }
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      throw new UsageError(`${commanderMessage(e)}. Run 'cao --help' for the commands`, HELP);
    }
    throw e;
  }
  if (!chosen) throw new UsageError('no command given', HELP);
  // the command's own arguments verbatim (commander would drop a '--' right after the name)
  return { name: chosen.name, args: argv.slice(argv.indexOf(chosen.name) + 1) };
}

/** `context`: where the command talks and prints (tests give one bound to an in-process app). */
export async function main(argv: string[], context?: CliContext): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (first === '--version' || first === '-V') {
    process.stdout.write(`cao ${caoVersion()}\n`);
    return 0;
  }
  const asJson = argv.includes('--json');
  const out = (t: string): void => {
    if (context) context.out(t);
    else process.stdout.write(`${t}\n`);
  };
  const fail = (code: string, message: string, usage?: string): void => {
    if (asJson) out(JSON.stringify({ error: { code, message } }, null, 2));
    else process.stderr.write(`Error: ${message}\n${usage ? `\n${usage}\n` : ''}`);
  };
  try {
    // `cao help [COMMAND]`
    const { name, args } =
      first === 'help'
        ? argv[1] === undefined
          ? { name: 'help', args: [] }
          : { name: argv[1], args: ['--help'] }
        : await pick(argv);
    if (name === 'help') {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!command) return (await pick([name]), 2);
    const { createContext } = await import('./context.js');
    const { run } = await command.load();
    return (await run(args, context ?? createContext())) ?? 0;
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.usage}\n`);
      return 0;
    }
    if (e instanceof WaitInterrupted) {
      fail('INTERRUPTED', e.advice);
      return EXIT_INTERRUPTED;
    }
    if (e instanceof UsageError) {
      fail('USAGE', e.message, e.usage === HELP ? undefined : e.usage);
      return 2;
    }
    if (e instanceof CaoError) {
      fail(e.code, e.message);
      return 1;
    }
    fail(
      'INTERNAL',
      `unexpected (a bug in cao): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    return 2;
  }
}
