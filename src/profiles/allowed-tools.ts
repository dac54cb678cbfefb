/**
 * Which CAO tools a terminal may use (reference §5.3): `--yolo` means all (`*`); otherwise the
 * caller's list, else the profile's `allowedTools`, else its role's defaults. MCP servers of the
 * profile are added as `@name`. Providers turn the result into their own flags.
 */
import { CaoError } from '../lib/errors.js';
import type { AgentProfile } from './profile.js';

/** The CAO tool names a caller may list, besides `@NAME` for an MCP server of the profile. */
export const CAO_TOOL_NAMES: readonly string[] = [
  '*',
  '@builtin',
  'fs_*',
  'fs_read',
  'fs_write',
  'fs_list',
  'execute_bash',
  'web_fetch',
];

export const ROLE_TOOL_DEFAULTS: Record<string, string[]> = {
  supervisor: ['@cao-mcp-server', 'fs_read', 'fs_list'],
  reviewer: ['@builtin', 'fs_read', 'fs_list', '@cao-mcp-server'],
  developer: ['@builtin', 'fs_*', 'execute_bash', 'web_fetch', '@cao-mcp-server'],
};

export interface AllowedToolsInput {
  yolo: boolean;
  explicit?: string[] | undefined;
  profile: Pick<AgentProfile, 'allowedTools' | 'role' | 'mcpServers'>;
}

/** The resolved list; `['*']` for unrestricted. */
export function resolveAllowedTools(i: AllowedToolsInput): string[] {
  if (i.yolo) return ['*'];
  let tools: string[];
  if (i.explicit && i.explicit.length > 0) tools = [...i.explicit];
  else if (i.profile.allowedTools && i.profile.allowedTools.length > 0)
    tools = [...i.profile.allowedTools];
  else tools = [...(ROLE_TOOL_DEFAULTS[i.profile.role ?? 'developer'] ?? ['*'])];
  if (tools.includes('*')) return ['*'];
  for (const name of Object.keys(i.profile.mcpServers ?? {})) {
    if (!tools.includes(`@${name}`)) tools.push(`@${name}`);
  }
  return tools;
}

/**
 * Refuses names in a caller's list (`--allowed-tools`, `allowed_tools`) that mean nothing: a
 * typo would otherwise silently deny the tool it meant. `@NAME` (or `@NAME/tool`) is known
 * when NAME is cao-mcp-server or one of the profile's MCP servers.
 */
export function assertKnownTools(
  tools: readonly string[],
  profile: Pick<AgentProfile, 'name' | 'mcpServers'>,
): void {
  const servers = [...new Set(['cao-mcp-server', ...Object.keys(profile.mcpServers ?? {})])];
  const unknown = tools.filter((t) => {
    if (CAO_TOOL_NAMES.includes(t)) return false;
    const server = /^@([^/]+)(?:\/.+)?$/.exec(t)?.[1];
    return server === undefined || !servers.includes(server);
  });
  if (unknown.length === 0) return;
  throw new CaoError(
    'INVALID_INPUT',
    `Unknown tool${unknown.length === 1 ? '' : 's'} in --allowed-tools: ${unknown.map((t) => `'${t}'`).join(', ')}. ` +
      `Known: ${CAO_TOOL_NAMES.join(', ')}, and @SERVER for an MCP server of profile ${profile.name} (${servers.map((x) => `@${x}`).join(', ')}).`,
    { details: { unknown, known: [...CAO_TOOL_NAMES, ...servers.map((x) => `@${x}`)] } },
  );
}
