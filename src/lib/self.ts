/** How this installation of cao runs its own executables (for agents' MCP configs). */
import { fileURLToPath } from 'node:url';

/** `cao-mcp-server` as this Node and this package's script: no PATH lookup needed. */
export function mcpServerCommand(): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [fileURLToPath(new URL('../bin/cao-mcp-server.js', import.meta.url))],
  };
}
