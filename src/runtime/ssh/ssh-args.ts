/**
 * The argv of every ssh process cao starts, built in one place. Pure.
 *
 * - One master connection per host (`ControlMaster`), through which every other command runs:
 *   one TCP connection and one authentication per host, however many agents run there.
 * - Batch mode always: a missing key, a password prompt or an unknown host key is an error,
 *   never a question.
 * - The user's own OpenSSH configuration, keys, agent and known_hosts; `CAO_SSH_CONFIG` (ssh's
 *   `-F`) points at another configuration (tests use it to stay away from ~/.ssh).
 * - A command's words are joined by the remote shell, so each word is quoted here, and only
 *   cao's own values (validated names, ids, constant scripts) are ever words: text from users
 *   and agents travels on stdin.
 */

export interface SshTarget {
  /** Anything ssh accepts: user@host, an alias from the ssh config, ssh://user@host:port. */
  destination: string;
  /** `-F`: the ssh configuration file to use instead of ~/.ssh/config. */
  configFile?: string | undefined;
  /** The master connection's socket (in a 0700 folder of cao's). */
  controlPath: string;
}

/** Options every ssh process gets. */
function common(t: SshTarget): string[] {
  return [
    ...(t.configFile ? ['-F', t.configFile] : []),
    '-o',
    'BatchMode=yes',
    // a command while the link is down must fail, not hang on a connection that never comes
    '-o',
    `ConnectTimeout=${CONNECT_TIMEOUT_S}`,
    '-o',
    `ControlPath=${t.controlPath}`,
  ];
}

/** How long a new connection may take before ssh gives up. */
export const CONNECT_TIMEOUT_S = 10;

/** Seconds between keep-alives, and how many may go unanswered before the link counts as dropped. */
export const ALIVE_INTERVAL_S = 5;
export const ALIVE_COUNT = 3;

/**
 * The master connection: no command (`-N`), a reverse forward from the host's loopback to
 * cao-server (`-R 127.0.0.1:0:…`: sshd picks a free port and ssh prints it), keep-alives to
 * notice a dead link, and nothing forwarded that cao does not ask for.
 */
export function masterArgs(
  t: SshTarget,
  forward: { host: string; port: number } | undefined,
): string[] {
  return [
    ...common(t),
    '-o',
    'ControlMaster=yes',
    '-o',
    'ControlPersist=no',
    '-o',
    `ServerAliveInterval=${ALIVE_INTERVAL_S}`,
    '-o',
    `ServerAliveCountMax=${ALIVE_COUNT}`,
    '-o',
    'ExitOnForwardFailure=yes',
    '-o',
    'ForwardAgent=no',
    '-o',
    'ForwardX11=no',
    '-N',
    '-T',
    ...(forward ? ['-R', `127.0.0.1:0:${forward.host}:${forward.port}`] : []),
    '--',
    t.destination,
  ];
}

/** A command through the master connection (never opening one of its own). */
export function commandArgs(t: SshTarget, words: readonly string[]): string[] {
  return [...common(t), '-o', 'ControlMaster=no', '-T', '--', t.destination, remoteCommand(words)];
}

/** `ssh -O check|exit`: asks the master connection. */
export function controlArgs(t: SshTarget, op: 'check' | 'exit'): string[] {
  return [...common(t), '-O', op, '--', t.destination];
}

const SAFE_WORD_RE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word for the remote shell: as it is when it has nothing the shell would read, else in
 * single quotes. Refuses what cao never sends as a word (NUL, newline): such text goes on stdin.
 */
export function shellWord(word: string): string {
  if (/[\0\n\r]/.test(word)) {
    throw new Error(
      `refusing to send a word with a NUL or newline over ssh: ${JSON.stringify(word)}`,
    );
  }
  if (word !== '' && SAFE_WORD_RE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command string ssh sends: the words quoted and joined. */
export function remoteCommand(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/** The port sshd allocated for `-R 127.0.0.1:0:…`, from ssh's stderr. */
export function allocatedPort(stderr: string): number | undefined {
  const m = /Allocated port (\d+) for remote forward/.exec(stderr);
  return m ? Number(m[1]) : undefined;
}
