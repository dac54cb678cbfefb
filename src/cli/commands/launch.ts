/** `cao launch [MESSAGE] --agents NAME …`: start a session and, optionally, give it a task. */
import { spawnSync } from 'node:child_process';
import { isAbsolute, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { apiBaseUrl, tmuxSocket } from '../../lib/config.js';
import { CaoError } from '../../lib/errors.js';
import { parseEnvPairs } from '../../lib/env-pairs.js';
import { ok, within } from '../../client/api.js';
import type { TerminalView } from '../../core/views.js';
import { UsageError, parse } from '../args.js';
import { budgetFields } from '../budget-args.js';
import { json, type CliContext } from '../context.js';
import { startProgress } from '../progress.js';
import { exitCodeOf, printTurn, waitWithProgress } from './session.js';

const usage = (): string => `Usage: cao launch [MESSAGE] --agents PROFILE [options]
       cao launch --resume TERMINAL_ID [--headless] [--json]

Starts a session whose first terminal (the conductor) runs PROFILE, then attaches to it in
tmux, or with --headless gives it MESSAGE and prints the answer.
cao-server: ${apiBaseUrl()} (set CAO_API_HOST / CAO_API_PORT for another; started on demand).

Options:
  --agents PROFILE            agent profile to run (required; see 'cao profile list')
  --session-name NAME         session name; 'cao-' is added when missing (default: random)
  --working-directory DIR     directory the agent works in (default: the current one)
  --provider P                agent CLI: claude_code, ... (default: the profile's, else the default)
  --headless                  do not attach to tmux (required when an agent runs cao)
  --yolo                      skip the agent's permission prompts and cao's confirmation
  --auto-approve              skip cao's confirmation only
  --allowed-tools T           CAO tool allowed (repeatable), e.g. fs_read, execute_bash, @cao-mcp-server
  --model M                   model override
  --env KEY=VALUE             environment for every terminal of the session (repeatable)
  --host NAME                 run on this host ('cao host list'; 'auto': the most free memory)
  --worktree                  run in a new git worktree (branch cao/SESSION/TERMINAL) made from
                              the working directory's HEAD; see 'cao worktree'
  --max-cost USD              budget: once the agent has cost this much, cao holds new messages
                              to it (default: the profile's max_cost; 'cao usage' shows costs)
  --max-tokens N              budget in tokens, the same way (default: the profile's max_tokens)
  --resume TERMINAL_ID        start a terminal of an ended session again, continuing its
                              conversation ('cao session list --resumable' shows them)
  --async                     with MESSAGE: send it and return without waiting
  --timeout N                 with MESSAGE: seconds to wait for the answer (default 300;
                              when it runs out cao exits 124 and the agent keeps working)
  --json                      print the created terminal (and answer) as JSON`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const USAGE = usage();
  const { values, positionals } = parse(
    argv,
    {
      agents: { type: 'string' },
      'session-name': { type: 'string' },
      'working-directory': { type: 'string' },
      provider: { type: 'string' },
      headless: { type: 'boolean' },
      yolo: { type: 'boolean' },
      'auto-approve': { type: 'boolean' },
      'allowed-tools': { type: 'string', multiple: true },
      model: { type: 'string' },
      env: { type: 'string', multiple: true },
      host: { type: 'string' },
      worktree: { type: 'boolean' },
      'max-cost': { type: 'string' },
      'max-tokens': { type: 'string' },
      resume: { type: 'string' },
      async: { type: 'boolean' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    },
    USAGE,
    1,
  );
  if (values.resume !== undefined) {
    const client = await ctx.server();
    const progress = startProgress(`Resuming ${values.resume}`);
    let t: TerminalView;
    try {
      t = await ok(
        client.api.terminals[':id'].resume.$post({ param: { id: values.resume } }, within(300_000)),
      );
    } finally {
      progress.stop();
    }
    if (values.json) ctx.out(json(t));
    else ctx.out(`Terminal resumed: ${t.id} in ${t.session_name} (${t.provider}, ${t.status})`);
    return values.headless ? 0 : attach(ctx, t.session_name);
  }
  if (!values.agents)
    throw new CaoError('INVALID_INPUT', `--agents PROFILE is required.\n\n${USAGE}`);
  if (values['session-name'] !== undefined && values['session-name'].trim() === '') {
    throw new UsageError(
      '--session-name is empty; give a name, or leave the option out for a random one',
      USAGE,
    );
  }
  const message = positionals[0];
  const timeoutS = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new CaoError('INVALID_INPUT', '--timeout must be a positive number of seconds.');
  const env = parseEnvPairs(values.env ?? []);
  const budget = budgetFields(values);
  // '~' is left for the server to expand (the skill document's single quotes); relative paths
  // mean relative to where the user ran cao
  const wd = values['working-directory'];
  const workingDirectory =
    wd === undefined
      ? process.cwd()
      : wd.startsWith('~') || isAbsolute(wd)
        ? wd
        : resolve(process.cwd(), wd);

  if (values.yolo) {
    ctx.err('Warning: --yolo: the agent runs with all tools allowed and no permission prompts.');
  } else if (!values['auto-approve'] && process.stdin.isTTY && process.stdout.isTTY) {
    ctx.err(
      `Profile:   ${values.agents}\nDirectory: ${workingDirectory}\nProvider:  ${values.provider ?? '(profile default)'}`,
    );
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = (await rl.question('Proceed? [Y/n] ')).trim().toLowerCase();
    rl.close();
    if (answer !== '' && answer !== 'y' && answer !== 'yes')
      throw new CaoError('INVALID_INPUT', 'Launch cancelled by user');
  }

  const client = await ctx.server();
  const progress = startProgress(`Starting ${values.agents}`);
  let terminal: TerminalView & { warnings?: string[] };
  try {
    terminal = await ok(
      client.api.sessions.$post(
        {
          json: {
            agent_profile: values.agents,
            session_name: values['session-name'],
            working_directory: workingDirectory,
            provider: values.provider,
            allowed_tools: values.yolo ? ['*'] : values['allowed-tools'],
            model: values.model,
            ...(values.host ? { host: values.host } : {}),
            ...(values.worktree ? { use_worktree: true } : {}),
            ...budget,
            ...(Object.keys(env).length > 0 ? { env_vars: env } : {}),
          },
        },
        within(300_000),
      ),
    );
  } finally {
    progress.stop();
  }
  // one line per warning (a CLI version the compatibility matrix has not verified), even with --json
  for (const w of terminal.warnings ?? []) ctx.err(`Warning: ${w}`);
  if (!values.json) {
    ctx.out(`Session created: ${terminal.session_name}`);
    ctx.out(
      `Terminal created: ${terminal.name} (id ${terminal.id}, ${terminal.provider}, ${terminal.status}${terminal.host === 'local' ? '' : `, on host ${terminal.host}`})`,
    );
  }

  if (message !== undefined && message.trim() !== '') {
    const started = await ok(
      client.api.terminals[':id'].messages.$post(
        { param: { id: terminal.id }, json: { message, mode: 'queue' } },
        within(120_000),
      ),
    );
    if (values.async || !values.headless) {
      if (values.json) ctx.out(json({ terminal, sent: true, turn_id: started.turn_id }));
      else ctx.out(`Message sent to ${terminal.session_name}. Running in background.`);
    } else {
      const outcome = await waitWithProgress(
        client,
        terminal.id,
        started.turn_id,
        timeoutS,
        `Working in ${terminal.session_name}`,
        terminal.session_name,
      );
      if (values.json) ctx.out(json({ terminal, ...outcome }));
      else return printTurn(ctx, terminal.session_name, outcome, timeoutS);
      return exitCodeOf(outcome);
    }
  } else if (values.json) {
    ctx.out(json(terminal));
  }

  if (!values.headless) return attach(ctx, terminal.session_name);
  return 0;
}

function attach(ctx: CliContext, session: string): number {
  const socket = tmuxSocket();
  const args = socket.path ? ['-S', socket.path] : socket.name ? ['-L', socket.name] : [];
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    ctx.err(
      `Not attaching (no terminal). Attach later with: tmux ${[...args, 'attach', '-t', session].join(' ')}`,
    );
    return 0;
  }
  const inside = process.env['TMUX'] !== undefined && args.length === 0;
  const r = spawnSync(
    'tmux',
    inside ? ['switch-client', '-t', session] : [...args, 'attach-session', '-t', session],
    {
      stdio: 'inherit',
    },
  );
  return r.status ?? 0;
}
