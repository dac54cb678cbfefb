/**
 * CAO's tool vocabulary (`execute_bash`, `fs_read`, `fs_write`, `fs_list`, `web_fetch`, with
 * `@builtin`, `fs_*` and `*` as shorthands; reference §5.3) turned into a CLI's own tool names.
 * Each provider keeps its map; this is the one rule for applying it. Pure.
 */

/** CAO tool name → the CLI's native tool (or permission) names it stands for. */
export type ToolMap = Record<string, string[]>;

/**
 * Native tools to deny for a restricted CAO tool list, given the CLI's map; none when
 * unrestricted (null or `*`). `@builtin` grants every built-in tool, `fs_*` the three file
 * groups; MCP entries (`@server`) are not built-in tools.
 */
export function deniedTools(allowed: string[] | null, map: ToolMap): string[] {
  if (allowed === null || allowed.includes('*')) return [];
  const granted = new Set<string>();
  const grant = (key: string): void => map[key]?.forEach((t) => granted.add(t));
  for (const tool of allowed) {
    if (tool === '@builtin') Object.keys(map).forEach(grant);
    else if (tool === 'fs_*') ['fs_read', 'fs_write', 'fs_list'].forEach(grant);
    else grant(tool);
  }
  return [...new Set(Object.values(map).flat())].filter((t) => !granted.has(t));
}
