/**
 * A test host user's HOME made ready for agent CLIs, as ../harness.ts and ../cli-setups.ts make
 * the local one: the CLIs' config files pointing at the fake model's URL as the host sees it
 * (the forwarded 127.0.0.1 port, see test-hosts.ts), the pinned CLIs from .cache/agent-clis on
 * PATH (opened to other users where needed, cli-access.ts), and a git project to work in.
 *
 * The environment (PATH, API keys, base URLs) goes in `~/.ssh/environment` (0600, the user's
 * own), which the test sshd applies to every session (`PermitUserEnvironment yes`): ssh
 * commands, the tmux server they start and the agents in it all get it, as they would from a
 * user's shell profile on a real machine. `~/.profile` sets PATH again for login shells, since
 * Debian's /etc/profile resets it. A tmux server keeps the environment it started with:
 * prepare the HOME before the host's tmux server starts (or use a server of its own, `-L`).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI_SETUPS } from '../cli-setups.js';
import { ensureAgentCli, FAKE_ANTHROPIC_KEY } from '../harness.js';
import { openClisToOthers } from './cli-access.js';
import { chownTree } from './host-user.js';
import type { TestHost } from './test-hosts.js';

export interface RemoteHome {
  /** What every ssh session of the host user gets (written to ~/.ssh/environment). */
  env: Record<string, string>;
  /** A git project of the user's own, for the agents' working directory. */
  work: string;
  /** Files of .cache/agent-clis that had to be opened to other users (usually none). */
  opened: string[];
}

const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * Prepares `host`'s HOME for `clis` (keys of agent-clis.json) talking to the fake model at
 * `modelUrl`, the URL as seen from the host (e.g. `http://127.0.0.1:<remotePort>`).
 */
export function prepareRemoteHome(
  host: TestHost,
  o: {
    clis: string[];
    modelUrl: string;
    /** Folders put first on PATH (e.g. test/fake-agent/bin, whose `claude` is the fake). */
    path?: string[];
    /** More environment for the host's sessions (e.g. FAKE_CLAUDE_LOG). */
    env?: Record<string, string>;
  },
): RemoteHome {
  const bins = [...new Set(o.clis.map((c) => ensureAgentCli(c)))];
  const opened = bins.flatMap((bin) => openClisToOthers(dirname(dirname(bin)), o.clis));
  const work = join(host.home, 'work');
  mkdirSync(work, { recursive: true });
  execFileSync('git', ['init', '-q', work], { stdio: 'ignore' });

  const env: Record<string, string> = {
    PATH: [...(o.path ?? []), ...bins, SYSTEM_PATH].join(':'),
    LANG: 'C.UTF-8',
    ...o.env,
  };
  for (const cli of o.clis) {
    const setup = CLI_SETUPS.find((s) => s.cli === cli);
    if (!setup) throw new Error(`no set-up for ${cli} in cli-setups.ts`);
    setup.files(host.home, o.modelUrl, work);
    for (const [k, v] of Object.entries(setup.env(o.modelUrl))) if (v !== undefined) env[k] = v;
  }
  if (o.clis.includes('claude')) {
    // onboarding done and the fake key approved, as the local harness does
    writeFileSync(
      join(host.home, '.claude.json'),
      JSON.stringify({
        hasCompletedOnboarding: true,
        theme: 'dark',
        customApiKeyResponses: { approved: [FAKE_ANTHROPIC_KEY.slice(-20)], rejected: [] },
      }),
    );
  }
  for (const [k, v] of Object.entries(env)) {
    // ~/.ssh/environment has no quoting: one NAME=value a line
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || /[\n\r]/.test(v)) {
      throw new Error(`${k}: cannot be written to ~/.ssh/environment`);
    }
  }
  const lines = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  writeFileSync(join(host.home, '.ssh', 'environment'), `${lines.join('\n')}\n`, { mode: 0o600 });
  if (/["$`\\]/.test(env['PATH']!)) throw new Error(`PATH ${env['PATH']} cannot be quoted`);
  appendFileSync(join(host.home, '.profile'), `\nexport PATH="${env['PATH']}"\n`);
  chownTree(host.home, host.uid, host.gid);
  return { env, work, opened };
}
