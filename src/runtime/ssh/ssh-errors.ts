/**
 * What ssh's own messages mean, and what the user can do about each. Pure: stderr (and the
 * exit status) in, a kind and a sentence out. cao never accepts a host key by itself: an
 * unknown or changed key is an error that says how to check and accept it.
 */
import { CaoError } from '../../lib/errors.js';

export type SshFailure =
  | 'unknown-host-key'
  | 'changed-host-key'
  | 'auth-failed'
  | 'unresolved'
  | 'unreachable'
  | 'no-tmux'
  | 'other';

export interface SshProblem {
  kind: SshFailure;
  /** One or two sentences: what happened and what to do. */
  message: string;
  /** Whether trying again later may work (a link that is down) rather than needing a fix. */
  transient: boolean;
}

/** The last non-empty line of ssh's stderr, for quoting. */
const lastLine = (stderr: string): string =>
  stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? '';

export function classifySshFailure(
  host: string,
  destination: string,
  stderr: string,
  status?: number | null,
): SshProblem {
  const said = lastLine(stderr);
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(stderr)) {
    return {
      kind: 'changed-host-key',
      transient: false,
      message:
        `The host key of '${destination}' (host ${host}) has CHANGED since it was accepted: someone may be intercepting the connection, or the machine was reinstalled. ` +
        `cao will not connect. Check the new key's fingerprint with whoever runs that machine; if it is right, remove the old one (ssh-keygen -R <hostname>) and accept the new one with 'ssh ${destination}' once.`,
    };
  }
  if (
    /Host key verification failed|authenticity of host .* can't be established|No \S+ host key is known/i.test(
      stderr,
    )
  ) {
    return {
      kind: 'unknown-host-key',
      transient: false,
      message:
        `The host key of '${destination}' (host ${host}) is not known, and cao never accepts one by itself. ` +
        `Check its fingerprint with whoever runs that machine, then accept it once: run 'ssh ${destination}' and answer yes (or add it with ssh-keyscan to the known_hosts file your ssh configuration uses), and try again.`,
    };
  }
  if (/Permission denied \(|Too many authentication failures/i.test(stderr)) {
    return {
      kind: 'auth-failed',
      transient: false,
      message:
        `ssh could not log in to '${destination}' (host ${host}): ${said}. cao runs ssh in batch mode (no passwords): ` +
        `load your key into ssh-agent, or name it with IdentityFile for that host in your ssh configuration, and check that 'ssh -o BatchMode=yes ${destination} true' works.`,
    };
  }
  if (/Could not resolve hostname/i.test(stderr)) {
    return {
      kind: 'unresolved',
      transient: false,
      message: `ssh cannot find the machine '${destination}' (host ${host}): ${said}. Check the name, or the Host entry in your ssh configuration.`,
    };
  }
  if (
    /Connection refused|No route to host|Connection timed out|Network is unreachable|Connection reset|Connection closed by|Broken pipe|timed out|Control socket connect|mux_client|Connection to .* closed/i.test(
      stderr,
    ) ||
    status === 255
  ) {
    return {
      kind: 'unreachable',
      transient: true,
      message: `Host ${host} ('${destination}') cannot be reached: ${said || `ssh exited with status ${status ?? '?'}`}. cao keeps trying; its agents keep running there.`,
    };
  }
  if (
    /tmux: (command )?not found|No such file or directory.*tmux/i.test(stderr) ||
    status === 127
  ) {
    return {
      kind: 'no-tmux',
      transient: false,
      message: `tmux is not installed on host ${host} ('${destination}'): install it there (e.g. apt-get install tmux); it is all cao needs on a host besides the agent CLIs.`,
    };
  }
  return {
    kind: 'other',
    transient: false,
    message: `ssh to host ${host} ('${destination}') failed${status === undefined || status === null ? '' : ` (status ${status})`}: ${said || 'no message'}`,
  };
}

/** The problem as cao's error: UNAVAILABLE (transient, or a host to fix). */
export function sshError(host: string, p: SshProblem): CaoError {
  return new CaoError('UNAVAILABLE', p.message, {
    details: { host, ssh: p.kind, transient: p.transient },
  });
}

/** Whether `e` says a host's link is down (as opposed to a command that failed on it). */
export function isHostDown(e: unknown): boolean {
  return e instanceof CaoError && e.details?.['ssh'] === 'unreachable';
}
