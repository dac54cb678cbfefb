/**
 * Validation of every name that reaches tmux, a file path or the database. Names are checked
 * against allowlists, never escaped: a name that does not match is refused with a message that
 * says what is allowed.
 */
import { randomBytes } from 'node:crypto';
import { CaoError } from './errors.js';

export const SESSION_PREFIX = 'cao-';
/** tmux session and window names: no dots or colons (target syntax), no spaces or quotes. */
const TMUX_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;
const TERMINAL_ID_RE = /^[a-f0-9]{8}$/;
/** Profile, flow and skill names; they become file names. */
const FILE_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
/** Model names are passed to CLIs as one argv element; still keep them boring. */
const MODEL_RE = /^[A-Za-z0-9._:/@[\]-]{1,128}$/;

export const isTerminalId = (s: string): boolean => TERMINAL_ID_RE.test(s);

/** Host names: they become ids (`b1/%3`), file names (control sockets) and tmux-free labels. */
const HOST_NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;
/** Names a host cannot have: this machine, and the placement that picks one. */
const RESERVED_HOSTS = new Set(['auto']);

export function assertHostName(name: string): string {
  if (!HOST_NAME_RE.test(name) || RESERVED_HOSTS.has(name)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Invalid host name '${name}': use 1-32 lowercase letters, digits and '-', starting with a letter ('auto' is taken).`,
    );
  }
  return name;
}

export function newTerminalId(): string {
  return randomBytes(4).toString('hex');
}

export function newSessionName(): string {
  return `${SESSION_PREFIX}${randomBytes(4).toString('hex')}`;
}

/**
 * `t1` and `cao-t1` both mean the session `cao-t1`. Throws INVALID_INPUT when the effective
 * name is not a valid tmux name.
 */
export function normalizeSessionName(name: string): string {
  const trimmed = name.trim();
  const full = trimmed.startsWith(SESSION_PREFIX) ? trimmed : `${SESSION_PREFIX}${trimmed}`;
  if (!TMUX_NAME_RE.test(full) || full === SESSION_PREFIX) {
    throw new CaoError(
      'INVALID_INPUT',
      `Invalid session name '${name}': use 1-60 letters, digits, '_' or '-' (cao adds the 'cao-' prefix).`,
    );
  }
  return full;
}

export function assertTerminalId(id: string): string {
  if (!isTerminalId(id)) {
    throw new CaoError(
      'UNPROCESSABLE',
      `Invalid terminal id '${id}': a terminal id is 8 lowercase hex characters (see 'cao session status <session> --json').`,
    );
  }
  return id;
}

export function assertFileName(kind: string, name: string): string {
  if (!FILE_NAME_RE.test(name)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Invalid ${kind} name '${name}': use 1-64 letters, digits, '_' or '-'.`,
    );
  }
  return name;
}

export const isFileName = (name: string): boolean => FILE_NAME_RE.test(name);

export function assertModel(model: string): string {
  if (!MODEL_RE.test(model)) {
    throw new CaoError('INVALID_INPUT', `Invalid model name '${model}'.`);
  }
  return model;
}

/**
 * Window name for a terminal: `{profile}-{terminal id}` (`developer-8ca718f7`), trimmed to a
 * valid tmux name, so the window a user sees in tmux names the id every cao command takes.
 */
export function windowName(profile: string, terminalId: string): string {
  const base = profile.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 58) || 'agent';
  return `${base}-${terminalId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
