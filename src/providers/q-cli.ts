/**
 * Amazon Q Developer CLI (`q chat`), Kiro CLI's predecessor. NOT installable here (no npm or
 * Debian package), and the original CAO dropped it in July 2026 (reference §5.1).
 *
 * What is verified and what is not:
 * - The screen: `q chat` draws the same legacy chat screen as Kiro's `--legacy-ui` (the original
 *   CAO read both with one parser), so detection, input, last message and y/n/t answers are
 *   kiro-family.ts, checked against the original's kiro/q fixtures (several of them are `q chat`
 *   screens: ../shared/cao-fixtures/kiro_cli_{completed,complex_response,permission,
 *   handoff_successful,handoff_with_permission,processing}_output.txt). Q's own failure line
 *   ("Amazon Q is having trouble responding right now") is from the reference, not a capture.
 * - The launch line `q chat --trust-all-tools [--model M] --agent <profile>` and the agent
 *   directory `~/.aws/amazonq/cli-agents/{name}.json` (same JSON shape as Kiro's agents) come
 *   from the reference only.
 */
import { join } from 'node:path';
import type {
  Detection,
  InstallContext,
  LaunchContext,
  LaunchFile,
  LaunchSpec,
  Provider,
} from './provider.js';
import {
  agentFile,
  detectLegacy,
  legacyAnswerKeys,
  legacyInputText,
  legacyLastMessage,
} from './kiro-family.js';
import { blankOrDeadPane, screenLines } from './screen.js';

function detect(screen: string): Detection {
  const lines = screenLines(screen);
  const gone = blankOrDeadPane(lines);
  if (gone) return gone;
  return detectLegacy(lines);
}

function launch(ctx: LaunchContext): LaunchSpec {
  // like Kiro: tools are always trusted; restrictions come from the agent JSON's allowedTools
  const argv = ['q', 'chat', '--trust-all-tools'];
  const model = ctx.model ?? ctx.profile.model;
  if (model) argv.push('--model', model);
  argv.push('--agent', ctx.profile.name);
  return { argv };
}

/** `~/.aws/amazonq/cli-agents/{name}.json`, the Q CLI's agent directory. */
function installFiles(ctx: InstallContext): LaunchFile[] {
  return [agentFile(ctx, join(ctx.home, '.aws', 'amazonq', 'cli-agents'))];
}

export const qCli: Provider = {
  id: 'q_cli',
  label: 'Amazon Q Developer CLI',
  binary: 'q',
  installHint:
    'Install the Amazon Q Developer CLI from https://aws.amazon.com/q/developer/ (a binary download; not on npm)',
  versionArgs: ['--version'],
  mcpTransport: 'stdio',
  mcpListsTools: 'start',
  launch,
  detect,
  // Q has no start-up dialog cao should answer (the trust-all-tools warning is Kiro 2.1+)
  startupKeys: () => undefined,
  inputText: (screen) => legacyInputText(screenLines(screen)),
  lastMessage: (history) => legacyLastMessage(screenLines(history)),
  answerKeys: (screen, answer) => legacyAnswerKeys(screenLines(screen), answer),
  installFiles,
  exit: { text: '/exit' },
};
