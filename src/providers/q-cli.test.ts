import { describe, expect, it } from 'vitest';
import { launchContext } from '../../test/support/providers.js';
import { caoFixture, hasShared, sharedTitle } from '../../test/support/shared.js';
import type { InstallContext, LaunchContext } from './provider.js';
import { qCli } from './q-cli.js';

/** Q has no captures of its own: these are the original CAO's legacy-UI fixtures (`q chat`). */
const fixture = caoFixture;

describe.skipIf(!hasShared())(sharedTitle('q_cli over the legacy-UI fixtures'), () => {
  it('reads the same states as Kiro`s legacy UI', () => {
    expect(qCli.detect(fixture('kiro_cli_idle_output.txt')).status).toBe('idle');
    expect(qCli.detect(fixture('kiro_cli_processing_output.txt')).status).toBe('processing');
    expect(qCli.detect(fixture('kiro_cli_completed_output.txt')).status).toBe('completed');
    expect(qCli.detect(fixture('kiro_cli_permission_output.txt')).status).toBe(
      'waiting_user_answer',
    );
    expect(qCli.detect(fixture('kiro_cli_handoff_with_permission.txt')).status).toBe(
      'waiting_user_answer',
    );
    expect(qCli.detect(fixture('kiro_cli_permission_stale_long_response.txt')).status).toBe(
      'completed',
    );
  });

  it('extracts the last answer and answers the permission question', () => {
    expect(qCli.lastMessage(fixture('kiro_cli_handoff_successful.txt'))).toBe(
      'Handoff completed successfully. The developer agent will handle the implementation.',
    );
    expect(qCli.answerKeys?.(fixture('kiro_cli_permission_output.txt'), 'yes')).toEqual([
      'y',
      'Enter',
    ]);
    expect(qCli.inputText(fixture('kiro_cli_completed_output.txt'))).toBe('');
    expect(qCli.startupKeys(fixture('kiro_cli_idle_output.txt'))).toBeUndefined();
  });
});

describe('q_cli detector', () => {
  it("reports Q's own failure line as an error", () => {
    const s = [
      '[developer] 3% > hi',
      'Amazon Q is having trouble responding right now. Please try again.',
      '[developer] 3% > ',
    ].join('\n');
    expect(qCli.detect(s)).toMatchObject({ status: 'error', rule: 'api-error' });
  });

  it('a dead pane is an error', () => {
    expect(qCli.detect('[developer] > \nPane is dead (status 0, Tue Nov 24 2026)').status).toBe(
      'error',
    );
  });
});

const ctx = (over: Partial<LaunchContext> = {}): LaunchContext =>
  launchContext({
    profile: { name: 'reviewer', description: 'd', systemPrompt: 'You review.' },
    ...over,
  });

describe('q_cli launch and install', () => {
  it('runs q chat with the installed agent, all tools trusted', () => {
    expect(qCli.launch(ctx()).argv).toEqual([
      'q',
      'chat',
      '--trust-all-tools',
      '--agent',
      'reviewer',
    ]);
    expect(qCli.launch(ctx({ model: 'claude-sonnet-4', yolo: true })).argv).toEqual([
      'q',
      'chat',
      '--trust-all-tools',
      '--model',
      'claude-sonnet-4',
      '--agent',
      'reviewer',
    ]);
  });

  it('installs the agent JSON into the Q CLI agent directory', () => {
    const install: InstallContext = {
      profile: {
        name: 'reviewer',
        description: 'Reviews',
        systemPrompt: 'You review.',
        allowedTools: ['fs_read'],
        mcpServers: {},
        raw: {},
      },
      contextFile: '/c/reviewer.md',
      home: '/home/u',
      caoHome: '/home/u/.aws/cli-agent-orchestrator',
      readFile: () => undefined,
    };
    const [file] = qCli.installFiles?.(install) ?? [];
    expect(file?.path).toBe('/home/u/.aws/amazonq/cli-agents/reviewer.json');
    expect(JSON.parse(file?.content ?? '{}')).toMatchObject({
      name: 'reviewer',
      allowedTools: ['fs_read'],
      resources: [
        'file:///c/reviewer.md',
        'skill:///home/u/.aws/cli-agent-orchestrator/skills/**/SKILL.md',
      ],
      useLegacyMcpJson: false,
    });
  });
});
