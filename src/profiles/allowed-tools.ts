/**
 * Which CAO tools a terminal may use (reference §5.3): `--yolo` means all (`*`); otherwise the
 * caller's list, else the profile's `allowedTools`, else its role's defaults. MCP servers of the
 * profile are added as `@name`. Providers turn the result into their own flags.
 */
import type { AgentProfile } from './profile.js';

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
