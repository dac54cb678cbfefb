/**
 * CAO_HOME/settings.json (the original CAO's unified config file). Read tolerantly: a missing
 * or unreadable file means defaults, and unknown sections are ignored.
 */
import { readFileSync } from 'node:fs';

export interface CaoSettings {
  agents: {
    /** Extra profile directory per provider, e.g. { "kiro_cli": "~/.kiro/agents" }. */
    dirs: Record<string, string>;
    extra_dirs: string[];
    disabled_dirs: string[];
  };
  env: {
    /** Variables that env-policy.ts refuses, allowed anyway by the owner. */
    allow_loader_vars: string[];
  };
  hooks: {
    /** argv run when any agent whose profile has no `on_waiting` starts waiting for an answer. */
    on_waiting: string[];
  };
}

export function readSettings(file: string): CaoSettings {
  let raw: unknown = {};
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    raw = {};
  }
  const agents = isObject(raw) && isObject(raw['agents']) ? raw['agents'] : {};
  const env = isObject(raw) && isObject(raw['env']) ? raw['env'] : {};
  const hooks = isObject(raw) && isObject(raw['hooks']) ? raw['hooks'] : {};
  return {
    agents: {
      dirs: isObject(agents['dirs'])
        ? Object.fromEntries(
            Object.entries(agents['dirs']).filter(
              (e): e is [string, string] => typeof e[1] === 'string',
            ),
          )
        : {},
      extra_dirs: stringList(agents['extra_dirs']),
      disabled_dirs: stringList(agents['disabled_dirs']),
    },
    env: { allow_loader_vars: stringList(env['allow_loader_vars']) },
    hooks: { on_waiting: stringList(hooks['on_waiting']).filter((a) => a !== '') },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const stringList = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
