/**
 * `cao install <name | path/to/profile.md | https URL> [--provider P] [--env KEY=VALUE]`.
 *
 * Why this client runs the profile code itself instead of asking cao-server (the one command
 * besides `cao detect --file` that does): installing is first-time set-up, done before any
 * server runs, and what it writes (the profile copy, the provider's agent files such as
 * ~/.kiro/agents/NAME.json) are the user's own files, which the server only reads.
 */
import { parseEnvPairs } from '../../lib/env-pairs.js';
import { installProfile } from '../../profiles/install.js';
import { caoPaths } from '../../lib/paths.js';
import { UsageError, parse } from '../args.js';
import type { CliContext } from '../context.js';

const USAGE = `Usage: cao install AGENT_SOURCE [--provider P] [--env KEY=VALUE ...]

AGENT_SOURCE is a profile name (built-in: code_supervisor, developer, reviewer), a path to a
profile .md file, or an https URL (github.com, raw.githubusercontent.com).
--env values are saved to CAO_HOME/.env and fill \${VAR} placeholders in profiles.`;

export async function run(argv: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { provider: { type: 'string' }, env: { type: 'string', multiple: true } },
    USAGE,
    1,
  );
  const source = positionals[0];
  if (!source) throw new UsageError('AGENT_SOURCE is required', USAGE);
  const r = await installProfile({
    source,
    provider: values.provider,
    env: parseEnvPairs(values.env ?? []),
    paths: caoPaths(),
    allowLocalPath: true,
    allowedHosts: (process.env['CAO_PROFILE_ALLOWED_HOSTS'] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  });
  if (r.source_kind === 'file') ctx.out('✓ Copied agent from file to local store');
  if (r.source_kind === 'url') ctx.out('✓ Downloaded agent from URL to local store');
  ctx.out(`✓ Agent '${r.agent_name}' installed successfully`);
  ctx.out(`✓ Context file: ${r.context_file}`);
  if (r.agent_file) ctx.out(`✓ ${r.provider} agent: ${r.agent_file}`);
  if (r.unresolved_vars.length > 0) {
    ctx.err(
      `Warning: unresolved variables: ${r.unresolved_vars.map((v) => `\${${v}}`).join(', ')}. Set them with: cao install ${source} --env NAME=value`,
    );
  }
  return 0;
}
