/**
 * The environment an agent process gets: cao-server's own (the shell that started cao, with
 * its API keys and PATH), minus what would confuse it, plus the session's `--env` values and
 * the terminal's identity. Pure.
 */

/** Names never passed on: they describe the server's own terminal, not the agent's. */
const DROP = new Set([
  'TMUX',
  'TMUX_PANE',
  'CAO_TERMINAL_ID',
  'CAO_TERMINAL_TOKEN',
  'CAO_TERMINAL_TOKEN_FILE',
  'CAO_SESSION_NAME',
  'TERM_PROGRAM',
  'TERM_PROGRAM_VERSION',
]);
/** Values this long are dropped (the original CAO's limit; keeps launch files small). */
export const MAX_ENV_VALUE_BYTES = 64 * 1024;

export interface AgentEnvOptions {
  base: Readonly<NodeJS.ProcessEnv>;
  sessionEnv: Readonly<Record<string, string>>;
  terminalId: string;
  session: string;
  apiUrl: string;
  /** The file holding the terminal's token (`cao agent …` and cao-mcp-server read it). */
  tokenFile: string;
}

export function agentEnvironment(o: AgentEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.base)) {
    if (v === undefined || DROP.has(k) || Buffer.byteLength(v) > MAX_ENV_VALUE_BYTES) continue;
    env[k] = v;
  }
  Object.assign(env, o.sessionEnv);
  env['CAO_TERMINAL_ID'] = o.terminalId;
  env['CAO_SESSION_NAME'] = o.session;
  env['CAO_API_URL'] = o.apiUrl;
  env['CAO_TERMINAL_TOKEN_FILE'] = o.tokenFile;
  // TUIs render their best with a 256-colour terminal; tmux sets TERM for the pane otherwise
  env['TERM'] ??= 'xterm-256color';
  if (env['TERM'] === 'dumb' || env['TERM'] === '') env['TERM'] = 'xterm-256color';
  return env;
}
