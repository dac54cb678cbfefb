/**
 * `cao install <name | path/to/profile.md | https URL>` (reference §9.4): validates the
 * profile, copies files and URLs into the local store, writes the installed copy to
 * agent-context/, and records `--env` values in CAO_HOME/.env.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { assertAgentEnv } from '../lib/env-policy.js';
import { CaoError, errorMessage } from '../lib/errors.js';
import { assertFileName } from '../lib/names.js';
import { ensureLayout, expandHome, type CaoPaths } from '../lib/paths.js';
import { mcpServerCommand } from '../lib/self.js';
import { readSettings } from '../lib/settings.js';
import { DEFAULT_PROVIDER, getProvider } from '../providers/index.js';
import type { McpStdioServer } from '../providers/provider.js';
import { resolveAllowedTools } from './allowed-tools.js';
import { locateProfile } from './discovery.js';
import { readEnvFile, updateEnvFile } from './env-file.js';
import { parseProfile, unresolvedVars } from './profile.js';

export interface InstallOptions {
  source: string;
  provider?: string | undefined;
  env?: Record<string, string>;
  paths: CaoPaths;
  home?: string;
  /** The CLI may install local files; the HTTP API may not. */
  allowLocalPath: boolean;
  /** Injected for tests; global fetch otherwise. */
  fetch?: typeof fetch;
  /** Extra hosts allowed for URL installs (CAO_PROFILE_ALLOWED_HOSTS). */
  allowedHosts?: readonly string[];
}

export interface InstallResult {
  success: true;
  message: string;
  agent_name: string;
  context_file: string;
  agent_file: string | null;
  unresolved_vars: string[];
  source_kind: 'url' | 'file' | 'name';
  provider: string;
}

const URL_HOSTS = ['github.com', 'raw.githubusercontent.com'];
const URL_PATH_RE = /^(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+\.md$/;
/** A profile is a prompt and some front matter; 1 MiB is far beyond any real one. */
export const MAX_PROFILE_BYTES = 1024 * 1024;

export async function installProfile(o: InstallOptions): Promise<InstallResult> {
  ensureLayout(o.paths);
  const kind = sourceKind(o.source);
  let text: string;
  let stem: string;
  if (kind === 'url') {
    ({ text, stem } = await download(o));
  } else if (kind === 'file') {
    if (!o.allowLocalPath)
      throw new CaoError('INVALID_INPUT', 'Local file paths cannot be installed here.');
    const file = resolve(expandHome(o.source, o.home));
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new CaoError('NOT_FOUND', `Profile file '${o.source}' does not exist.`);
    }
    if (!file.endsWith('.md'))
      throw new CaoError('INVALID_INPUT', `Profile file '${o.source}' must be a .md file.`);
    stem = basename(file, '.md');
    text = readProfileFile(file, o.source);
  } else {
    assertFileName('profile', o.source);
    const found = locateProfile(o.source, { paths: o.paths, home: o.home });
    if (!found) {
      throw new CaoError(
        'NOT_FOUND',
        `No profile named '${o.source}'. Built-in profiles: code_supervisor, developer, reviewer; or pass a path to a .md file or an https URL.`,
      );
    }
    stem = o.source;
    text = readProfileFile(found.file, found.file);
  }

  if (o.env && Object.keys(o.env).length > 0) {
    assertAgentEnv(o.env, readSettings(o.paths.settings).env.allow_loader_vars, 'env_vars (--env)');
    updateEnvFile(o.paths.envFile, o.env);
  }
  const vars = readEnvFile(o.paths.envFile);
  const profile = parseProfile(text, stem, vars, kind === 'name' ? o.source : o.source);
  const name = assertFileName('profile', profile.name);
  const provider = getProvider(o.provider || profile.provider || DEFAULT_PROVIDER);

  if (kind !== 'name') writeFileSync(join(o.paths.agentStore, `${name}.md`), text, { mode: 0o600 });
  const contextFile = join(o.paths.agentContext, `${name}.md`);
  if (kind === 'name') {
    const found = locateProfile(o.source, { paths: o.paths, home: o.home });
    if (found && resolve(found.file) !== resolve(contextFile))
      copyFileSync(found.file, contextFile);
  } else {
    writeFileSync(contextFile, text, { mode: 0o600 });
  }

  // CLIs that read agent definitions (Kiro, Q, Copilot, …) get theirs now
  let agentFile: string | null = null;
  if (provider.installFiles) {
    const self = mcpServerCommand();
    const servers: Record<string, McpStdioServer> = {};
    for (const [key, s] of Object.entries(profile.mcpServers ?? {})) {
      if (!s.command) continue;
      const isCao = s.command === 'cao-mcp-server' || key === 'cao-mcp-server';
      servers[key] = {
        type: 'stdio',
        command: isCao ? self.command : s.command,
        args: isCao ? [...self.args, ...(s.args ?? [])] : (s.args ?? []),
        env: s.env ?? {},
      };
    }
    const files = provider.installFiles({
      profile: {
        ...profile,
        allowedTools: resolveAllowedTools({ yolo: false, profile }),
        mcpServers: servers,
        raw: profile,
      },
      contextFile,
      home: o.home ?? homedir(),
      caoHome: o.paths.home,
      readFile: (f) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined),
    });
    for (const f of files) {
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, f.content, { mode: f.mode ?? 0o600 });
    }
    agentFile = files[0]?.path ?? null;
  }

  const unresolved = unresolvedVars(text).filter((v) => vars[v] === undefined);
  return {
    success: true,
    message: `Agent '${name}' installed successfully`,
    agent_name: name,
    context_file: contextFile,
    agent_file: agentFile,
    unresolved_vars: unresolved,
    source_kind: kind,
    provider: provider.id,
  };
}

/** Reads a profile file, refusing one over MAX_PROFILE_BYTES before reading it. */
function readProfileFile(file: string, shown: string): string {
  const size = statSync(file).size;
  if (size > MAX_PROFILE_BYTES) {
    throw new CaoError(
      'INVALID_INPUT',
      `Profile file '${shown}' is ${size} bytes; a profile may be at most ${MAX_PROFILE_BYTES} bytes (1 MiB). Is it the right file?`,
    );
  }
  return readFileSync(file, 'utf8');
}

function sourceKind(source: string): 'url' | 'file' | 'name' {
  if (/^[a-z]+:\/\//i.test(source)) return 'url';
  if (/[/\\]/.test(source) || source.endsWith('.md') || source.startsWith('~')) return 'file';
  return 'name';
}

async function download(o: InstallOptions): Promise<{ text: string; stem: string }> {
  let url: URL;
  try {
    url = new URL(o.source);
  } catch {
    throw new CaoError('INVALID_INPUT', `'${o.source}' is not a valid URL.`);
  }
  const hosts = [...URL_HOSTS, ...(o.allowedHosts ?? [])];
  if (url.protocol !== 'https:')
    throw new CaoError('INVALID_INPUT', 'Profiles can only be downloaded over https.');
  if (url.username || url.password || url.search || url.hash) {
    throw new CaoError(
      'INVALID_INPUT',
      'Profile URLs may not contain credentials, a query or a fragment.',
    );
  }
  if (!hosts.includes(url.hostname)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Host '${url.hostname}' is not allowed for profile downloads (allowed: ${hosts.join(', ')}; add more with CAO_PROFILE_ALLOWED_HOSTS).`,
    );
  }
  if (!URL_PATH_RE.test(url.pathname)) {
    throw new CaoError(
      'INVALID_INPUT',
      `Profile URL path must end in a .md file name: ${url.pathname}`,
    );
  }
  // github.com/<owner>/<repo>/blob/<ref>/<path> → the raw file
  const blob = /^\/([^/]+)\/([^/]+)\/blob\/(.+)$/.exec(url.pathname);
  if (url.hostname === 'github.com' && blob) {
    url = new URL(`https://raw.githubusercontent.com/${blob[1]}/${blob[2]}/${blob[3]}`);
  }
  let res: Response;
  try {
    res = await (o.fetch ?? fetch)(url, {
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new CaoError('UNAVAILABLE', `Could not download ${url.href}: ${errorMessage(e)}`);
  }
  if (res.status >= 300 && res.status < 400) {
    throw new CaoError(
      'INVALID_INPUT',
      `${url.href} redirects elsewhere; redirects are not followed. Use the final URL.`,
    );
  }
  if (!res.ok)
    throw new CaoError('UNAVAILABLE', `Downloading ${url.href} failed: HTTP ${res.status}`);
  const text = await res.text();
  if (Buffer.byteLength(text) > MAX_PROFILE_BYTES)
    throw new CaoError(
      'INVALID_INPUT',
      `The downloaded profile is larger than ${MAX_PROFILE_BYTES} bytes (1 MiB), the most a profile may be.`,
    );
  return { text, stem: basename(url.pathname, '.md') };
}
