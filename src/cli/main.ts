/**
 * `cao`: the command table. Each command lives in its own module, loaded only when it runs,
 * so `cao --help` and quick commands stay fast. This is the only place that sets exit codes:
 * 1 for errors cao explains (`Error: …`), 2 for usage errors and for bugs (with the stack).
 */
import { CaoError } from '../lib/errors.js';
import { caoVersion } from '../lib/version.js';
import { HelpRequested, UsageError } from './args.js';
import type { CliContext } from './context.js';

type Run = (argv: string[], ctx: CliContext) => Promise<number | void>;

interface Command {
  summary: string;
  load: () => Promise<{ run: Run }>;
}

const COMMANDS: Record<string, Command> = {
  launch: {
    summary: 'Start a session with an agent profile',
    load: () => import('./commands/launch.js'),
  },
  session: {
    summary: 'list | status | send: inspect and talk to sessions',
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

Run 'cao <command> --help' for a command's options.
Server: CAO_API_HOST/CAO_API_PORT (default 127.0.0.1:9889); started on demand unless CAO_NO_AUTOSTART=1.`;

/** `context`: where the command talks and prints (tests give one bound to an in-process app). */
export async function main(argv: string[], context?: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`cao ${caoVersion()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`Error: unknown command '${name}'.\n\n${HELP}\n`);
    return 2;
  }
  const { createContext } = await import('./context.js');
  try {
    const { run } = await command.load();
    return (await run(rest, context ?? createContext())) ?? 0;
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.usage}\n`);
      return 0;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`Error: ${e.message}\n\n${e.usage}\n`);
      return 2;
    }
    if (e instanceof CaoError) {
      process.stderr.write(`Error: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(
      `Error: unexpected (a bug in cao): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return 2;
  }
}
