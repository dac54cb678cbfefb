/** How this installation of cao runs its own executables (for agents' MCP configs). */
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * V8 flags for cao-mcp-server. Every agent runs one for as long as it lives and it only relays
 * a few tool calls, so memory matters more than peak speed: a 1 MiB young generation and no
 * optimizing or baseline compiler take its RSS from about 65 to 53 MiB on Node 20 and 22, with
 * no measurable start-up cost (bench/startup.ts). Lite mode would save 2 MiB more but disables
 * WebAssembly, which Node's fetch needs (the bridge does not use it, but a fallback might).
 */
export const MCP_SERVER_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1',
  '--no-opt',
  '--no-sparkplug',
  '--lazy-feedback-allocation',
];

let usable: readonly string[] | undefined;

const CHECK_ARGS = [...MCP_SERVER_NODE_FLAGS, '-e', ''];
const accepted = (status: number | null, stderr: string): readonly string[] =>
  status === 0 && stderr === '' ? MCP_SERVER_NODE_FLAGS : [];

/**
 * The flags if this Node takes them (V8 renames flags now and then; an unknown one would stop
 * every agent's MCP server from starting), else none. Checked once per process: in the
 * background by `checkMcpServerNodeFlags` (cao-server's start-up does not wait for a Node to
 * start), or here, blocking, when something needs them first.
 */
export function mcpServerNodeFlags(): readonly string[] {
  if (usable === undefined) {
    const r = spawnSync(process.execPath, CHECK_ARGS, { encoding: 'utf8', timeout: 10_000 });
    usable = accepted(r.status, r.stderr);
  }
  return usable;
}

/** Checks the flags without blocking, so that `mcpServerNodeFlags` later has the answer. */
export function checkMcpServerNodeFlags(): Promise<void> {
  if (usable !== undefined) return Promise.resolve();
  return new Promise((resolve) => {
    execFile(process.execPath, CHECK_ARGS, { timeout: 10_000 }, (error, _stdout, stderr) => {
      usable ??= accepted(error ? 1 : 0, stderr);
      resolve();
    });
  });
}

/** `cao-mcp-server` as this Node and this package's script: no PATH lookup needed. */
export function mcpServerCommand(): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [
      ...mcpServerNodeFlags(),
      fileURLToPath(new URL('../bin/cao-mcp-server.js', import.meta.url)),
    ],
  };
}
