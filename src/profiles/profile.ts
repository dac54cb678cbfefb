/**
 * Agent profiles: Markdown with YAML front matter (the original CAO's format, reference §9.1).
 * The body is the system prompt. `${VAR}` placeholders are filled from CAO_HOME/.env first.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CaoError, errorMessage } from '../lib/errors.js';

const mcpServerSchema = z
  .object({
    type: z.string().optional(),
    command: z.string().optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    url: z.string().optional(),
    timeout: z.number().optional(),
  })
  .loose();

/** Front matter fields; unknown keys are kept (provider pass-through) but not interpreted. */
const frontMatterSchema = z
  .object({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    provider: z.string().optional(),
    role: z.string().optional(),
    model: z.string().optional(),
    prompt: z.string().optional(),
    mcpServers: z.record(z.string(), mcpServerSchema).optional(),
    allowedTools: z.array(z.string()).optional(),
    tools: z.array(z.string()).optional(),
    tags: z
      .array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/))
      .max(32)
      .optional(),
    capabilities: z.array(z.string().max(128)).max(32).optional(),
    skills: z.array(z.string()).optional(),
    permissionMode: z.string().optional(),
    native_agent: z.string().optional(),
    codexProfile: z.string().optional(),
    codexConfig: z.record(z.string(), z.unknown()).optional(),
    claudeConfig: z
      .object({ effort: z.string().optional(), fallback_model: z.string().optional() })
      .optional(),
    provider_init_timeout: z.number().int().positive().optional(),
    /** Where this agent runs: 'local', a host's name (`cao host add`), or 'auto'. */
    host: z.string().optional(),
    /** Run this agent in its own git worktree (on a branch `cao/<session>/<terminal>`). */
    use_worktree: z.boolean().optional(),
    /** A command (argv: program, then arguments; no shell) run by cao-server each time an
     * agent of this profile starts waiting for an answer. */
    on_waiting: z.array(z.string().min(1)).min(1).optional(),
    /** Budget: once the agent's cost (USD) or tokens reach this, cao holds new messages to it
     * (core/budgets.ts). */
    max_cost: z.number().positive().optional(),
    max_tokens: z.number().int().positive().optional(),
  })
  .loose();

export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type ProfileFrontMatter = z.infer<typeof frontMatterSchema>;

export interface AgentProfile extends ProfileFrontMatter {
  name: string;
  description: string;
  systemPrompt: string;
}

const FRONT_MATTER_RE = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/;

/** Replaces `${VAR}` with values from `vars`; unknown placeholders stay as they are. */
export function substituteVars(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name: string) => vars[name] ?? m);
}

/** `${VAR}` placeholders left after substitution (install warns about them). */
export function unresolvedVars(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1] ?? ''))];
}

/**
 * Parses profile text. `fallbackName` (usually the file stem) is used when the front matter
 * has no name. Throws INVALID_INPUT saying what is wrong and where.
 */
export function parseProfile(
  text: string,
  fallbackName: string,
  vars: Readonly<Record<string, string>> = {},
  where = fallbackName,
): AgentProfile {
  const filled = substituteVars(text, vars);
  const m = FRONT_MATTER_RE.exec(filled);
  let data: unknown = {};
  let body = filled;
  if (m) {
    try {
      data = parseYaml(m[1] ?? '') ?? {};
    } catch (e) {
      throw new CaoError(
        'INVALID_INPUT',
        `Profile ${where}: invalid YAML front matter: ${errorMessage(e)}`,
      );
    }
    body = m[2] ?? '';
  }
  const parsed = frontMatterSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(front matter)'}: ${i.message}`)
      .join('; ');
    throw new CaoError('INVALID_INPUT', `Profile ${where}: ${issues}`);
  }
  return {
    ...parsed.data,
    name: parsed.data.name ?? fallbackName,
    description: parsed.data.description ?? '',
    systemPrompt: body.trim(),
  };
}

/** The profile as the API returns it (`GET /agents/profiles/{name}`): snake_case prompt. */
export function profileToJson(p: AgentProfile): Record<string, unknown> {
  const { systemPrompt, ...rest } = p;
  return { ...rest, system_prompt: systemPrompt };
}
