/** `cao mcp-server`: cao-mcp-server on stdio. */
import { runMcpServer } from '../../mcp/main.js';

export async function run(): Promise<number> {
  await runMcpServer();
  // serve until the client closes stdin
  await new Promise<void>((resolve) => process.stdin.on('close', resolve));
  return 0;
}
