/** How this installation of cao runs its own executables (for agents' MCP configs). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * V8 flags for cao-mcp-server. Every agent runs one for as long as it lives and it only relays
 * a few tool calls, so memory matters more than peak speed: a 1 MiB young generation and no
 * optimizing or baseline compiler take its RSS from about 65 to 53 MiB on Node 20 and 22, with
 * no measurable start-up cost (bench/startup.ts). Lite mode would save 2 MiB more but disables
 * WebAssembly, which Node's fetch needs.
 */
export const MCP_SERVER_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=1',
  '--no-opt',
  '--no-sparkplug',
  '--lazy-feedback-allocation',
];

let usable: readonly string[] | undefined;

/**
 * The flags if this Node takes them (V8 renames flags now and then; an unknown one would stop
 * every agent's MCP server from starting), else none. Checked once per process.
 */
export function mcpServerNodeFlags(): readonly string[] {
  if (usable === undefined) {
    const r = spawnSync(process.execPath, [...MCP_SERVER_NODE_FLAGS, '-e', ''], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    usable = r.status === 0 && r.stderr === '' ? MCP_SERVER_NODE_FLAGS : [];
  }
  return usable;
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
