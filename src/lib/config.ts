/**
 * Settings read from the environment, in one place. CLI flags override these where a command
 * has a flag; nothing else reads `process.env` for cao settings.
 */
import { CaoError } from './errors.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 9889;

export interface ServerAddress {
  host: string;
  port: number;
}

export function serverAddress(env: NodeJS.ProcessEnv = process.env): ServerAddress {
  const host = env['CAO_API_HOST']?.trim() || DEFAULT_HOST;
  const rawPort = env['CAO_API_PORT']?.trim();
  const port = rawPort ? Number(rawPort) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`CAO_API_PORT must be a port number, got '${rawPort}'`);
  }
  return { host, port };
}

/** Base URL of the cao-server API, e.g. http://127.0.0.1:9889 (IPv6 hosts bracketed). */
export function apiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['CAO_API_URL']?.trim();
  if (explicit) return explicit.replace(/\/+$/, '');
  const { host, port } = serverAddress(env);
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/**
 * Which tmux server cao uses. By default the user's own (so `tmux attach -t cao-…` works);
 * `CAO_TMUX_SOCKET=name` selects `tmux -L name`, `CAO_TMUX_SOCKET_PATH=/path` selects `-S`.
 */
export interface TmuxSocket {
  name?: string;
  path?: string;
}

export function tmuxSocket(env: NodeJS.ProcessEnv = process.env): TmuxSocket {
  const path = env['CAO_TMUX_SOCKET_PATH']?.trim();
  if (path) return { path };
  const name = env['CAO_TMUX_SOCKET']?.trim();
  if (name) return { name };
  return {};
}

/** Sent by the stdio bridge (cao-mcp-server) with every request it forwards to `/mcp`, so
 *  cao-server can tell (and log) which transport each agent's CLI used. */
export const MCP_BRIDGE_HEADER = 'x-cao-mcp-bridge';

/**
 * CAO_MCP_TRANSPORT: how agents on this machine reach cao's MCP tools. `http` (the default):
 * cao-server's `/mcp` for every CLI that can; `stdio`: the `cao-mcp-server` bridge for all.
 */
export function mcpTransport(env: NodeJS.ProcessEnv): 'http' | 'stdio' {
  const v = env['CAO_MCP_TRANSPORT']?.trim().toLowerCase() ?? '';
  if (v === '' || v === 'http') return 'http';
  if (v === 'stdio') return 'stdio';
  throw new CaoError(
    'INVALID_INPUT',
    `CAO_MCP_TRANSPORT='${env['CAO_MCP_TRANSPORT'] ?? ''}' is not a transport: set it to http (the default) or stdio, or unset it.`,
  );
}

export function envFlag(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const v = env[key]?.trim().toLowerCase();
  if (v === undefined || v === '') return fallback;
  return v === '1' || v === 'true' || v === 'yes' || v === 'on';
}

/** How long a remote host may stay unreachable before its agents count as gone. */
export const DEFAULT_HOST_GIVE_UP_S = 3600;

/**
 * CAO_HOST_GIVE_UP: seconds a remote host may stay unreachable before its terminals turn to
 * `error` (default one hour; 0 = never give up). Returned in milliseconds.
 */
export function hostGiveUpMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env['CAO_HOST_GIVE_UP']?.trim();
  if (!raw) return DEFAULT_HOST_GIVE_UP_S * 1000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0) {
    throw new Error(
      `CAO_HOST_GIVE_UP must be a number of seconds (0 = never give up), got '${raw}'`,
    );
  }
  return Math.round(s * 1000);
}
