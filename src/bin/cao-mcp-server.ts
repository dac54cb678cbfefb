#!/usr/bin/env node
import { runMcpServer } from '../mcp/main.js';

runMcpServer().catch((e: unknown) => {
  process.stderr.write(`cao-mcp-server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
