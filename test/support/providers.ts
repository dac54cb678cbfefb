/** What the provider tests share: a launch context to start from and the testdata reader. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LaunchContext, McpServerSpec } from '../../src/providers/provider.js';
import { PROJECT_ROOT } from './shared.js';

/**
 * A launch of terminal `abcd1234` with the `developer` profile ("You write code."), in normal
 * (not yolo) mode, unrestricted, in /work with tmpDir /cao/tmp, no MCP servers, not root;
 * `over` replaces any of these.
 */
export const launchContext = (over: Partial<LaunchContext> = {}): LaunchContext => ({
  terminalId: 'abcd1234',
  profile: { name: 'developer', description: 'd', systemPrompt: 'You write code.' },
  yolo: false,
  allowedTools: null,
  workingDirectory: '/work',
  home: '/home/u',
  tmpDir: '/cao/tmp',
  mcpServers: {},
  env: {},
  isRoot: false,
  ...over,
});

/** cao-mcp-server as the launcher passes it for terminal `abcd1234` (a new object each call). */
export const caoMcpServers = (): Record<string, McpServerSpec> => ({
  'cao-mcp-server': {
    command: '/usr/bin/node',
    args: ['/x/mcp.js'],
    env: { CAO_TERMINAL_ID: 'abcd1234' },
  },
});

/** A reader of a provider's own captures (`src/providers/testdata/<provider>/<path>`). */
export const testdataOf =
  (provider: string) =>
  (path: string): string =>
    readFileSync(join(PROJECT_ROOT, 'src', 'providers', 'testdata', provider, path), 'utf8');

/** cao's `/mcp` endpoint as the launcher passes it over HTTP for terminal `abcd1234`. */
export const caoHttpMcpServers = (): Record<string, McpServerSpec> => ({
  'cao-mcp-server': {
    type: 'http',
    url: 'http://127.0.0.1:9889/mcp',
    headers: {},
    bearer: { token: 'cao_t_secret', env: 'CAO_TERMINAL_TOKEN' },
  },
});
