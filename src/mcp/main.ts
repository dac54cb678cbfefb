/**
 * cao-mcp-server: cao's MCP tools on stdio, for agent CLIs that cannot reach an HTTP MCP
 * server. It is a bridge, nothing more: every message goes to cao-server's own MCP endpoint
 * (`/mcp`, the official SDK's Streamable HTTP transport) with this terminal's token, and every
 * answer comes back, so the tools, their results and the "tools listed" readiness are the
 * server's. The token is read from the file named by CAO_TERMINAL_TOKEN_FILE (set by cao for
 * each terminal), never from an argument.
 */
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { apiBaseUrl, MCP_BRIDGE_HEADER } from '../lib/config.js';
import { readSecret } from '../lib/auth-files.js';
import { httpFetch } from '../client/http-fetch.js';

/** A JSON-RPC error answer to `message` when it is a request; undefined for notifications. */
export function failureFor(message: JSONRPCMessage, why: string): JSONRPCMessage | undefined {
  if (!('method' in message) || !('id' in message)) return undefined;
  return { jsonrpc: '2.0', id: message.id, error: { code: -32000, message: why } };
}

export async function runMcpServer(): Promise<void> {
  const tokenFile = process.env['CAO_TERMINAL_TOKEN_FILE'];
  const token = tokenFile ? readSecret(tokenFile) : undefined;
  const endpoint = new URL('/mcp', apiBaseUrl());
  const stdio = new StdioServerTransport();
  const http = new StreamableHTTPClientTransport(endpoint, {
    // node:http, not Node's fetch: faster to start and smaller (client/http-fetch.ts)
    fetch: httpFetch,
    // the header tells cao-server the CLI came through this bridge (its logs say which transport)
    requestInit: {
      headers: { [MCP_BRIDGE_HEADER]: '1', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    },
  });
  const fail = (message: JSONRPCMessage, why: string): void => {
    const answer = failureFor(message, why);
    if (answer) void stdio.send(answer).catch(() => {});
  };
  http.onmessage = (message) => void stdio.send(message).catch(() => {});
  http.onerror = (e) => process.stderr.write(`cao-mcp-server: ${e.message}\n`);
  stdio.onmessage = (message) => {
    if (!token) {
      fail(
        message,
        `cao-mcp-server has no terminal token (CAO_TERMINAL_TOKEN_FILE=${tokenFile ?? 'unset'}): it must be started by cao for one of its terminals.`,
      );
      return;
    }
    http.send(message).catch((e: unknown) => {
      fail(message, `cao-server at ${endpoint.origin} did not answer: ${(e as Error).message}`);
    });
  };
  stdio.onclose = () => void http.close().finally(() => process.exit(0));
  await http.start();
  await stdio.start();
}
