/**
 * Where profiles come from, and which one a name means. One precedence order serves both
 * listing and loading, so `GET /agents/profiles` shows exactly the profile `cao launch` runs:
 * built-in store, then the local store (`agent-store/`), then installed copies
 * (`agent-context/`), then provider directories, then extra directories from settings.json.
 * (The skill document's rule "deduplicated by name, built-in wins".)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaoError, errorMessage } from '../lib/errors.js';
import { assertFileName, isFileName } from '../lib/names.js';
import { expandHome, type CaoPaths } from '../lib/paths.js';
import { readSettings } from '../lib/settings.js';
import { readEnvFile } from './env-file.js';
import { parseProfile, type AgentProfile } from './profile.js';

/** The profiles shipped in the package (`<package>/agent-store`). */
export const BUILTIN_DIR = resolve(fileURLToPath(new URL('../../agent-store/', import.meta.url)));

export interface ProfileDir {
  /** Label shown to users: built-in, local, installed, custom, or a provider id. */
  source: string;
  dir: string;
}

export interface ProfileEntry {
  name: string;
  source: string;
  loadable: boolean;
  description?: string;
  provider?: string;
  role?: string;
  tags?: string[];
  capabilities?: string[];
  /** Other sources that also have a profile with this name (shadowed by `source`). */
  duplicated_in: string[];
  error?: string;
}

export interface DiscoveryOptions {
  paths: CaoPaths;
  /** The user's home (provider directories live there); tests pass a temp dir. */
  home?: string;
  builtinDir?: string;
}

/** The profile directories in precedence order, minus disabled ones. */
export function profileDirs(o: DiscoveryOptions): ProfileDir[] {
  const home = o.home ?? homedir();
  const settings = readSettings(o.paths.settings);
  const providerDirs: Record<string, string> = {
    kiro_cli: join(home, '.kiro', 'agents'),
    claude_code: join(home, '.claude', 'agents'),
    ...settings.agents.dirs,
  };
  const dirs: ProfileDir[] = [
    { source: 'built-in', dir: o.builtinDir ?? BUILTIN_DIR },
    { source: 'local', dir: o.paths.agentStore },
    { source: 'installed', dir: o.paths.agentContext },
    ...Object.entries(providerDirs).map(([source, dir]) => ({
      source,
      dir: expandHome(dir, home),
    })),
    ...settings.agents.extra_dirs.map((dir) => ({ source: 'custom', dir: expandHome(dir, home) })),
  ];
  const disabled = new Set(settings.agents.disabled_dirs.map((d) => resolve(expandHome(d, home))));
  const seen = new Set<string>();
  return dirs.filter((d) => {
    const key = resolve(d.dir);
    if (disabled.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `{dir}/{name}.md` or `{dir}/{name}/agent.md`, if it exists. */
function fileIn(dir: string, name: string): string | undefined {
  for (const f of [join(dir, `${name}.md`), join(dir, name, 'agent.md')]) {
    if (existsSync(f) && statSync(f).isFile()) return f;
  }
  return undefined;
}

/** The file and source a profile name resolves to, or undefined. */
export function locateProfile(
  name: string,
  o: DiscoveryOptions,
): { file: string; source: string } | undefined {
  assertFileName('profile', name);
  for (const d of profileDirs(o)) {
    const file = fileIn(d.dir, name);
    if (file) return { file, source: d.source };
  }
  return undefined;
}

/** Loads a profile by name; NOT_FOUND lists where it looked and what exists. */
export function loadProfile(name: string, o: DiscoveryOptions): AgentProfile & { source: string } {
  const found = locateProfile(name, o);
  if (!found) {
    const known = listProfiles(o)
      .filter((p) => p.loadable)
      .map((p) => p.name);
    throw new CaoError(
      'NOT_FOUND',
      `Unknown agent profile '${name}'. Available: ${known.join(', ') || '(none)'}. ` +
        `Install one with 'cao install <name | path/to/profile.md | https URL>'.`,
    );
  }
  const vars = readEnvFile(o.paths.envFile);
  const profile = parseProfile(readFileSync(found.file, 'utf8'), name, vars, found.file);
  return { ...profile, name, source: found.source };
}

/** Every profile, deduplicated by name (first source in precedence wins), sorted by name. */
export function listProfiles(o: DiscoveryOptions): ProfileEntry[] {
  const vars = readEnvFile(o.paths.envFile);
  const byName = new Map<string, ProfileEntry>();
  for (const d of profileDirs(o)) {
    for (const name of namesIn(d.dir)) {
      const existing = byName.get(name);
      if (existing) {
        existing.duplicated_in.push(d.source);
        continue;
      }
      const file = fileIn(d.dir, name);
      if (!file) continue;
      let entry: ProfileEntry;
      try {
        const p = parseProfile(readFileSync(file, 'utf8'), name, vars, file);
        entry = {
          name,
          source: d.source,
          loadable: true,
          description: p.description,
          ...(p.provider ? { provider: p.provider } : {}),
          ...(p.role ? { role: p.role } : {}),
          ...(p.tags ? { tags: p.tags } : {}),
          ...(p.capabilities ? { capabilities: p.capabilities } : {}),
          duplicated_in: [],
        };
      } catch (e) {
        entry = {
          name,
          source: d.source,
          loadable: false,
          duplicated_in: [],
          error: errorMessage(e),
        };
      }
      byName.set(name, entry);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function namesIn(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const e of entries) {
    if (e.endsWith('.md')) names.push(e.slice(0, -3));
    else if (existsSync(join(dir, e, 'agent.md'))) names.push(e);
  }
  return names.filter(isFileName);
}
