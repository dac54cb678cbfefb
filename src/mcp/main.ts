/** cao-mcp-server: the MCP server on stdio, talking to cao-server at CAO_API_URL. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ApiClient } from '../client/api.js';
import { apiBaseUrl, envFlag } from '../lib/config.js';
import { createMcpServer } from './server.js';

export async function runMcpServer(): Promise<void> {
  const server = createMcpServer({
    client: new ApiClient(apiBaseUrl()),
    terminalId: process.env['CAO_TERMINAL_ID'],
    workingDirectoryParam: envFlag(process.env, 'CAO_ENABLE_WORKING_DIRECTORY', false),
  });
  await server.connect(new StdioServerTransport());
}
