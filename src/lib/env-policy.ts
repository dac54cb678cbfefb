/**
 * Environment variables a caller may not give an agent: the ones that make a program load or
 * run code of the caller's choosing (`NODE_OPTIONS=--import=data:…` runs JavaScript in every
 * Node-based CLI, `LD_PRELOAD` a library in every process, `BASH_ENV` a script in every
 * non-interactive bash). Everything that hands an agent an environment from outside checks
 * here: `env_vars` of `POST /sessions` and `cao launch --env` (through the session's
 * environment, which every terminal of the session gets, flows included) and `--env` /
 * `env_vars` of `cao install` (CAO_HOME/.env). The owner may allow some of them in
 * CAO_HOME/settings.json: `{"env": {"allow_loader_vars": ["LD_LIBRARY_PATH"]}}`.
 *
 * cao-server's own environment (the shell it started from) is not checked: it is the owner's.
 * Lives in lib/ because both the core (launches) and profiles/ (`cao install`) use it. Pure.
 */
import { CaoError } from './errors.js';

/** Refused names (README "Settings" lists them; keep the two in step). */
export const LOADER_VARS: readonly string[] = [
  // Node.js
  'NODE_OPTIONS',
  'NODE_PATH',
  // shells
  'BASH_ENV',
  'ENV',
  'ZDOTDIR',
  'PROMPT_COMMAND',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  // Python
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONUSERBASE',
  'PYTHONBREAKPOINT',
  // Perl, Ruby, Java
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'PERL5DB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  // commands that tools run on their own (git, less, editors)
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'GIT_EXEC_PATH',
  'GIT_EXTERNAL_DIFF',
  'GIT_PAGER',
  'GIT_EDITOR',
  'GIT_PROXY_COMMAND',
  'EDITOR',
  'VISUAL',
  'PAGER',
  'MANPAGER',
  'LESSOPEN',
  'LESSCLOSE',
];

/**
 * Refused prefixes: the dynamic linkers' variables (`LD_PRELOAD`, `LD_LIBRARY_PATH`,
 * `LD_AUDIT`, macOS `DYLD_INSERT_LIBRARIES`, …), bash's exported functions, and git's
 * configuration from the environment (`GIT_CONFIG_COUNT`/`KEY_n`/`VALUE_n` can set
 * `core.fsmonitor`, a command git runs).
 */
export const LOADER_PREFIXES: readonly string[] = ['LD_', 'DYLD_', 'BASH_FUNC_', 'GIT_CONFIG_'];

export function isLoaderVar(name: string): boolean {
  return LOADER_VARS.includes(name) || LOADER_PREFIXES.some((p) => name.startsWith(p));
}

/**
 * Throws INVALID_INPUT naming every refused variable in `env` that the owner did not allow
 * (`allowed`, from settings.json). `source` says where the values came from, e.g. "env_vars".
 */
export function assertAgentEnv(
  env: Readonly<Record<string, string>>,
  allowed: readonly string[],
  source: string,
): void {
  const refused = Object.keys(env).filter((k) => isLoaderVar(k) && !allowed.includes(k));
  if (refused.length === 0) return;
  const names = refused.join(', ');
  throw new CaoError(
    'INVALID_INPUT',
    `${source} may not set ${names}: ${refused.length === 1 ? 'it makes' : 'they make'} a program load code. ` +
      `Remove ${refused.length === 1 ? 'it' : 'them'}, or, if you own this cao and need ${refused.length === 1 ? 'it' : 'them'}, allow ${refused.length === 1 ? 'it' : 'them'} in CAO_HOME/settings.json: ` +
      `{"env": {"allow_loader_vars": [${refused.map((r) => JSON.stringify(r)).join(', ')}]}}.`,
    { details: { refused } },
  );
}
