/**
 * Flow files (reference §8): Markdown with YAML front matter
 *
 *     ---
 *     name: morning-trivia          # [A-Za-z0-9_-], at most 55 characters
 *     schedule: "30 7 * * *"        # 5-field cron, cao-server's local time
 *     agent_profile: developer
 *     provider: claude_code         # optional; default: cao's default provider
 *     script: ./gate.sh             # optional gate script, relative to this file or absolute
 *     ---
 *     What is the capital of [[country]]?
 *
 * The body is the prompt template; `[[var]]` placeholders are filled from the gate script's
 * `output`. Pure: parsing, rendering and formatting never touch the file system.
 */
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { CaoError, errorMessage } from '../lib/errors.js';
import { assertSchedule } from './cron.js';

/**
 * A flow runs in the tmux session `cao-flow-<name>`, and tmux names are at most 64
 * characters, which leaves 55 for the flow's own name.
 */
export const FLOW_NAME_MAX = 55;
const FLOW_NAME_RE = /^[A-Za-z0-9_-]+$/;
export const FLOW_SESSION_PREFIX = 'cao-flow-';
export const FLOW_FILE_SUFFIX = '.flow.md';

export interface FlowDefinition {
  name: string;
  schedule: string;
  agentProfile: string;
  /** Undefined when the file names none (the caller applies the default). */
  provider: string | undefined;
  /** As written in the file (relative to the file, or absolute). */
  script: string | undefined;
  promptTemplate: string;
}

export function assertFlowName(name: string): string {
  if (!FLOW_NAME_RE.test(name) || name.length > FLOW_NAME_MAX) {
    throw new CaoError(
      'INVALID_INPUT',
      `Invalid flow name '${name}': use 1-${FLOW_NAME_MAX} letters, digits, '_' or '-' (no '/', '.' or spaces); ` +
        `it names the file <name>${FLOW_FILE_SUFFIX} and the session ${FLOW_SESSION_PREFIX}<name>.`,
    );
  }
  return name;
}

export const flowSessionName = (name: string): string => `${FLOW_SESSION_PREFIX}${name}`;

const nonEmpty = (field: string): z.ZodString =>
  z
    .string({ error: `'${field}' must be a string` })
    .trim()
    .min(1, `'${field}' is empty`);

const frontMatterSchema = z.strictObject(
  {
    name: nonEmpty('name'),
    // YAML reads an unquoted `30 7 * * *` as a string, but `0` alone as a number
    schedule: z.union([z.string(), z.number()]).transform(String),
    agent_profile: nonEmpty('agent_profile'),
    provider: nonEmpty('provider').optional(),
    script: nonEmpty('script').optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (a flow file has name, schedule, agent_profile, provider and script)`
        : undefined,
  },
);

const FRONT_MATTER_RE = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)([\s\S]*)$/;

/** Parses a flow file's text; `where` names it in errors. Checks the name and the schedule. */
export function parseFlowFile(text: string, where: string): FlowDefinition {
  const m = FRONT_MATTER_RE.exec(text);
  if (!m) {
    throw new CaoError(
      'INVALID_INPUT',
      `Flow file ${where} has no YAML front matter: start it with a '---' line, then name, schedule and agent_profile, then '---' and the prompt.`,
    );
  }
  let data: unknown;
  try {
    data = parseYaml(m[1] ?? '') ?? {};
  } catch (e) {
    throw new CaoError(
      'INVALID_INPUT',
      `Flow file ${where}: invalid YAML front matter: ${errorMessage(e)}`,
    );
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Flow file ${where}: the front matter must be a YAML mapping (name: …, schedule: …, agent_profile: …).`,
    );
  }
  const given = data as Record<string, unknown>;
  const parsed = frontMatterSchema.safeParse(given);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => {
        const field = String(i.path[0] ?? '');
        return field !== '' && given[field] === undefined ? `'${field}' is required` : i.message;
      })
      .join('; ');
    throw new CaoError('INVALID_INPUT', `Flow file ${where}: ${issues}.`);
  }
  const f = parsed.data;
  const promptTemplate = (m[2] ?? '').trim();
  if (promptTemplate === '') {
    throw new CaoError(
      'INVALID_INPUT',
      `Flow file ${where} has no prompt: write it below the closing '---' of the front matter.`,
    );
  }
  let name: string;
  let schedule: string;
  try {
    name = assertFlowName(f.name);
    schedule = assertSchedule(f.schedule);
  } catch (e) {
    if (e instanceof CaoError) throw new CaoError(e.code, `Flow file ${where}: ${e.message}`);
    throw e;
  }
  return {
    name,
    schedule,
    agentProfile: f.agent_profile,
    provider: f.provider,
    script: f.script,
    promptTemplate,
  };
}

/** The text of a flow file; YAML is written by the library, so no value can break out of it. */
export function formatFlowFile(def: FlowDefinition): string {
  const front: Record<string, string> = {
    name: def.name,
    schedule: def.schedule,
    agent_profile: def.agentProfile,
  };
  if (def.provider !== undefined) front['provider'] = def.provider;
  if (def.script !== undefined) front['script'] = def.script;
  return `---\n${stringifyYaml(front)}---\n${def.promptTemplate.trim()}\n`;
}

/** A gate script path as written in the flow file, made absolute against the file's folder. */
export function resolveScriptPath(script: string, flowFileDir: string): string {
  return isAbsolute(script) ? script : resolve(flowFileDir, script);
}

const PLACEHOLDER_RE = /\[\[(\w+)\]\]/g;

/** The `[[var]]` names a template uses, in order of first use. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER_RE)].map((m) => m[1] ?? ''))];
}

/** Fills `[[var]]` placeholders; strings as they are, other values as JSON. */
export function renderTemplate(template: string, vars: Readonly<Record<string, unknown>>): string {
  const missing = templateVariables(template).filter(
    (v) => !Object.prototype.hasOwnProperty.call(vars, v) || vars[v] === undefined,
  );
  if (missing.length > 0) {
    throw new CaoError(
      'INVALID_INPUT',
      `Missing template variables: ${missing.join(', ')}. The gate script's "output" object must have ${missing.length > 1 ? 'these keys' : 'this key'}, or remove the placeholder${missing.length > 1 ? 's' : ''} from the prompt.`,
      { details: { missing } },
    );
  }
  return template.replace(PLACEHOLDER_RE, (_m, name: string) => {
    const v = vars[name];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
}

/**
 * A template without a gate script has nothing to fill its placeholders: refuse it when the
 * flow is added rather than fail at every run.
 */
export function assertTemplateFillable(
  def: Pick<FlowDefinition, 'promptTemplate' | 'script'>,
): void {
  if (def.script !== undefined) return;
  const vars = templateVariables(def.promptTemplate);
  if (vars.length > 0) {
    throw new CaoError(
      'INVALID_INPUT',
      `Missing template variables: ${vars.join(', ')}. Only a gate script (script: in the flow file) can fill [[…]] placeholders; add one, or write the values into the prompt.`,
      { details: { missing: vars } },
    );
  }
}
