/** cao-mcp-server: the MCP server on stdio, talking to cao-server at CAO_API_URL. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CaoClient, ok } from '../client/api.js';
import { apiBaseUrl, envFlag } from '../lib/config.js';
import { isTerminalId } from '../lib/names.js';
import { createMcpServer } from './server.js';
import { onToolsListed } from './tools-listed.js';

export async function runMcpServer(): Promise<void> {
  const client = new CaoClient(apiBaseUrl());
  const terminalId = process.env['CAO_TERMINAL_ID'];
  const server = createMcpServer({
    client,
    terminalId,
    workingDirectoryParam: envFlag(process.env, 'CAO_ENABLE_WORKING_DIRECTORY', false),
  });
  const transport = new StdioServerTransport();
  await server.connect(transport);
  if (terminalId && isTerminalId(terminalId)) {
    onToolsListed(transport, () => {
      ok(
        client.api.terminals[':id']['mcp-ready'].$post(
          { param: { id: terminalId } },
          { init: { signal: AbortSignal.timeout(5000) } },
        ),
      ).catch(() => {
        // cao-server unreachable: it stops waiting for us after its grace period
      });
    });
  }
}
