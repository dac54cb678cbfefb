/** `cao info`: where cao keeps its data, the server, the agent CLIs installed (their versions and
 * whether the compatibility matrix verified them), and the session this shell is in. */
import { execFileSync } from 'node:child_process';
import { ok } from '../../client/api.js';
import { authFiles } from '../../lib/auth-files.js';
import { tmuxSocket } from '../../lib/config.js';
import { caoPaths } from '../../lib/paths.js';
import { parse } from '../args.js';
import { json, type CliContext } from '../context.js';

const USAGE = `Usage: cao info [--json]

Where cao keeps its data, whether cao-server runs, a dashboard login link, and the cao session
and terminal this shell is in. With --json the same as one object (no login link).`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values } = parse(argv, { json: { type: 'boolean' } }, USAGE, 0);
  const paths = caoPaths();
  const healthy = await ok(ctx.client.api.health.$get()).then(
    () => true,
    () => false,
  );
  const terminalId = process.env['CAO_TERMINAL_ID'] || undefined;
  const tmuxSession = process.env['CAO_SESSION_NAME'] || currentTmuxSession();
  const session = tmuxSession?.startsWith('cao-') ? tmuxSession : undefined;
  const detail =
    healthy && session
      ? await ok(ctx.client.api.sessions[':name'].$get({ param: { name: session } })).catch(
          () => undefined,
        )
      : undefined;
  const activeTerminals = healthy && session ? (detail?.terminals.length ?? 0) : null;
  if (values.json) {
    ctx.out(
      json({
        home: paths.home,
        database: paths.dbFile,
        server: { url: ctx.client.baseUrl, running: healthy },
        owner_token_file: authFiles(paths).owner,
        terminal_id: terminalId ?? null,
        session: session ?? null,
        active_terminals: activeTerminals,
      }),
    );
    return 0;
  }
  ctx.out(`Database path: ${paths.dbFile}`);
  ctx.out(`Home: ${paths.home}`);
  ctx.out(`Server: ${ctx.client.baseUrl} (${healthy ? 'running' : 'not running'})`);
  ctx.out(`Owner token: ${authFiles(paths).owner} (the CLI sends it; keep it private)`);
  if (healthy) {
    const link = await ok(ctx.client.api.auth['login-links'].$post({ json: {} })).catch(
      () => undefined,
    );
    if (link) ctx.out(`Dashboard: ${link.url} (one-time login link, valid 5 minutes)`);
    const clis = await ok(ctx.client.api.agents.providers.$get()).catch(() => []);
    for (const p of clis.filter((x) => x.installed)) ctx.out(`CLI: ${cliLine(p)}`);
  }
  if (terminalId) ctx.out(`Terminal ID: ${terminalId}`);
  if (!session) {
    ctx.out('Not currently in a CAO session.');
    return 0;
  }
  ctx.out(`Session ID: ${session}`);
  if (activeTerminals !== null) ctx.out(`Active terminals: ${activeTerminals}`);
  return 0;
}

/** `Claude Code (claude_code) 2.1.331: verified`, or what the matrix verified instead. */
export function cliLine(p: {
  name: string;
  label: string;
  version_number: string | null;
  verified: boolean | null;
  verified_versions: string[];
}): string {
  const verified = p.verified_versions.join(', ') || 'none';
  const state =
    p.verified === true
      ? 'verified'
      : p.verified === false
        ? `not verified (verified: ${verified})`
        : `version unknown (verified: ${verified})`;
  return `${p.label} (${p.name}) ${p.version_number ?? '?'}: ${state}`;
}

function currentTmuxSession(): string | undefined {
  if (!process.env['TMUX']) return undefined;
  const s = tmuxSocket();
  const args = s.path ? ['-S', s.path] : s.name ? ['-L', s.name] : [];
  try {
    return execFileSync('tmux', [...args, 'display-message', '-p', '#S'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return undefined;
  }
}
