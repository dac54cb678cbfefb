import { describe, expect, it } from 'vitest';
import { launchContext } from '../../test/support/providers.js';
import { caoFixture, hasShared, sharedTitle } from '../../test/support/shared.js';
import { kiroCli } from './kiro-cli.js';
import type { InstallContext } from './provider.js';

const fixture = caoFixture;
const screen = (...lines: string[]): string => lines.join('\n');

describe.skipIf(!hasShared())(sharedTitle('kiro_cli over the original CAO fixtures'), () => {
  it('extracts the answer after the last green arrow (legacy UI)', () => {
    expect(kiroCli.lastMessage(fixture('kiro_cli_handoff_successful.txt'))).toBe(
      'Handoff completed successfully. The developer agent will handle the implementation.',
    );
    expect(kiroCli.lastMessage(fixture('kiro_cli_permission_stale_answered.txt'))).toBe(
      'Done! Updated both files.',
    );
    const complex = kiroCli.lastMessage(fixture('kiro_cli_complex_response.txt')) ?? '';
    expect(complex.startsWith("Here's a detailed response with code examples.")).toBe(true);
    expect(complex).toContain('def hello_world():\n    print("Hello, World!")');
    expect(complex.endsWith('Let me know if you need more details!')).toBe(true);
  });

  it('extracts the answer between the separator and the Credits line (TUI)', () => {
    expect(kiroCli.lastMessage(fixture('kiro_cli_tui_completed_output.txt'))).toBe(
      [
        'Here is a comprehensive response listing the files in the current directory.',
        '',
        'The directory contains the following files:',
        '- README.md',
        '- package.json',
        '- src/index.ts',
        '',
        'This response includes multiple paragraphs to verify extraction.',
      ].join('\n'),
    );
  });

  it('has no answer on a fresh or start-up screen', () => {
    expect(kiroCli.lastMessage(fixture('kiro_cli_idle_output.txt'))).toBeUndefined();
    expect(kiroCli.lastMessage(fixture('kiro_cli_tui_idle_output.txt'))).toBeUndefined();
    expect(kiroCli.lastMessage(fixture('kiro_trust_all_tools_dialog_stale.txt'))).toBeUndefined();
  });

  it('reads the input line of both UIs', () => {
    expect(kiroCli.inputText(fixture('kiro_cli_idle_output.txt'))).toBe('');
    expect(kiroCli.inputText(fixture('kiro_cli_tui_idle_output.txt'))).toBe('');
    expect(kiroCli.inputText(fixture('kiro_cli_tui_processing_output.txt'))).toBeUndefined();
    expect(kiroCli.inputText(fixture('kiro_cli_permission_active_partial_typing.txt'))).toBe(
      'please dont ask',
    );
    expect(kiroCli.inputText(fixture('kiro_trust_all_tools_dialog_active.txt'))).toBeUndefined();
  });

  it('accepts the trust-all-tools dialog only when it is live', () => {
    expect(kiroCli.startupKeys(fixture('kiro_trust_all_tools_dialog_active.txt'))).toEqual([
      'Down',
      'Enter',
    ]);
    expect(kiroCli.startupKeys(fixture('kiro_trust_all_tools_dialog_stale.txt'))).toBeUndefined();
    expect(
      kiroCli.startupKeys(fixture('kiro_trust_all_tools_dialog_in_scrollback.txt')),
    ).toBeUndefined();
    // a permission question during work is never answered at start-up
    expect(kiroCli.startupKeys(fixture('kiro_cli_permission_active_empty.txt'))).toBeUndefined();
  });

  it('answers the legacy permission question with y, n or t', () => {
    const s = fixture('kiro_cli_permission_active_empty.txt');
    expect(kiroCli.answerKeys?.(s, 'yes')).toEqual(['y', 'Enter']);
    expect(kiroCli.answerKeys?.(s, '1')).toEqual(['y', 'Enter']);
    expect(kiroCli.answerKeys?.(s, 'no')).toEqual(['n', 'Enter']);
    expect(kiroCli.answerKeys?.(s, 't')).toEqual(['t', 'Enter']);
    expect(kiroCli.answerKeys?.(s, 'use the other file')).toBeUndefined();
    // answered long ago: nothing to answer
    expect(
      kiroCli.answerKeys?.(fixture('kiro_cli_permission_stale_answered.txt'), 'y'),
    ).toBeUndefined();
  });

  it('says which rule decided', () => {
    expect(kiroCli.detect(fixture('kiro_cli_tui_completed_output.txt')).rule).toBe('credits-line');
    expect(kiroCli.detect(fixture('kiro_cli_tui_processing_output.txt')).rule).toBe(
      'kiro-is-working',
    );
    expect(kiroCli.detect(fixture('kiro_cli_permission_active_injection.txt')).rule).toBe(
      'permission-prompt',
    );
    expect(kiroCli.detect(fixture('kiro_trust_all_tools_dialog_active.txt')).rule).toBe(
      'trust-all-tools-dialog',
    );
  });
});

describe('kiro_cli detector edge cases (legacy UI)', () => {
  it('matches the prompt of any agent name', () => {
    expect(kiroCli.detect('[my_custom-agent] 3% λ > ').status).toBe('idle');
    expect(kiroCli.detect('[reviewer] !> ').status).toBe('idle');
  });

  it('a submitted message is processing until the next prompt', () => {
    const thinking = screen('[dev] 5% > first', '> one', '', '[dev] 6% > second', '⠋ Thinking...');
    expect(kiroCli.detect(thinking)).toMatchObject({ status: 'processing', rule: 'busy-marker' });
    const streaming = screen('[dev] 5% > first', '> one', '', '[dev] 6% > second', '> partial');
    expect(kiroCli.detect(streaming)).toMatchObject({
      status: 'processing',
      rule: 'output-after-prompt',
    });
  });

  it("the previous turn's answer does not make a new turn completed", () => {
    const s = screen('[dev] > first', '> one', '[dev] > second', '', '[dev] > ');
    expect(kiroCli.detect(s)).toMatchObject({ status: 'idle', rule: 'prompt' });
    const done = screen('[dev] > first', '> one', '[dev] > second', '> two', '[dev] > ');
    expect(kiroCli.detect(done)).toMatchObject({ status: 'completed', rule: 'response-arrow' });
    expect(kiroCli.lastMessage(done)).toBe('two');
  });

  it('text typed at the prompt is idle and is the input text', () => {
    const s = screen('[dev] > first', '> one', '[dev] 4% λ > next task');
    expect(kiroCli.detect(s)).toMatchObject({ status: 'idle', rule: 'input-pending' });
    expect(kiroCli.inputText(s)).toBe('next task');
  });

  it('a failure line ends the turn as an error', () => {
    const s = screen('[dev] > go', 'Kiro is having trouble responding right now.', '[dev] > ');
    expect(kiroCli.detect(s)).toMatchObject({ status: 'error', rule: 'api-error' });
  });

  it('a dead pane is an error, an empty screen unknown', () => {
    expect(kiroCli.detect('[dev] > \nPane is dead (status 0, Tue Nov 24 2026)').status).toBe(
      'error',
    );
    expect(kiroCli.detect('\n').status).toBe('unknown');
  });
});

describe('kiro_cli detector edge cases (TUI)', () => {
  const sep = '─'.repeat(80);
  const header = 'developer · claude-opus-4.6-1m · ◔ 4%              ~/project · (main)';
  const idle = ' Ask a question or describe a task ↵  ctrl+g: agent monitor';

  it('a turn without a Credits line but with an answer is completed', () => {
    const s = screen(sep, '  hi', '', '  Hello!', '', sep, header, '', idle);
    expect(kiroCli.detect(s)).toMatchObject({ status: 'completed', rule: 'turn-without-credits' });
    expect(kiroCli.lastMessage(s)).toBe('Hello!');
  });

  it('a failure in the turn is an error', () => {
    const s = screen(
      sep,
      '  hi',
      '',
      '  Kiro is having trouble responding right now.',
      sep,
      header,
      idle,
    );
    expect(kiroCli.detect(s)).toMatchObject({ status: 'error', rule: 'api-error' });
  });
});

const ctx = launchContext;

describe('kiro_cli launch', () => {
  it('runs the v2 engine, trusts all tools and names the installed agent', () => {
    expect(kiroCli.launch(ctx()).argv).toEqual([
      'kiro-cli',
      'chat',
      '--agent-engine',
      'v2',
      '--trust-all-tools',
      '--agent',
      'developer',
    ]);
  });

  it('uses the legacy UI in yolo mode and passes the model', () => {
    expect(kiroCli.launch(ctx({ yolo: true, model: 'claude-sonnet-4' })).argv).toEqual([
      'kiro-cli',
      'chat',
      '--agent-engine',
      'v2',
      '--legacy-ui',
      '--trust-all-tools',
      '--model',
      'claude-sonnet-4',
      '--agent',
      'developer',
    ]);
  });
});

const install = (raw: Record<string, unknown> = {}): InstallContext => ({
  profile: {
    name: 'developer',
    description: 'Writes code',
    systemPrompt: 'You write code.',
    model: 'claude-sonnet-4',
    allowedTools: ['@builtin', 'fs_*', 'execute_bash', '@cao-mcp-server'],
    mcpServers: {
      'cao-mcp-server': {
        command: '/usr/local/bin/cao-mcp-server',
        args: [],
        env: { CAO_TERMINAL_ID: 'stale' },
      },
      jira: { command: 'jira-mcp', args: ['--ro'], env: { TOKEN: 't' } },
    },
    raw,
  },
  contextFile: '/home/u/.aws/cli-agent-orchestrator/agent-context/developer.md',
  home: '/home/u',
  caoHome: '/home/u/.aws/cli-agent-orchestrator',
  readFile: () => undefined,
});

describe('kiro_cli install', () => {
  it('writes ~/.kiro/agents/{name}.json as the original cao install did', () => {
    const files =
      kiroCli.installFiles?.(
        install({
          prompt: 'Extra.',
          toolAliases: { a: 'b' },
          mcpServers: { jira: { timeout: 5 } },
        }),
      ) ?? [];
    expect(files.map((f) => f.path)).toEqual(['/home/u/.kiro/agents/developer.json']);
    expect(JSON.parse(files[0]?.content ?? '{}')).toEqual({
      name: 'developer',
      description: 'Writes code',
      tools: ['*'],
      allowedTools: ['@builtin', 'fs_*', 'execute_bash', '@cao-mcp-server'],
      resources: [
        'file:///home/u/.aws/cli-agent-orchestrator/agent-context/developer.md',
        'skill:///home/u/.aws/cli-agent-orchestrator/skills/**/SKILL.md',
      ],
      prompt: 'Extra.',
      mcpServers: {
        // the terminal id reaches cao-mcp-server through the environment Kiro inherits
        'cao-mcp-server': {
          command: '/usr/local/bin/cao-mcp-server',
          args: [],
          env: {},
          timeout: 1_200_000,
        },
        jira: { command: 'jira-mcp', args: ['--ro'], env: { TOKEN: 't' }, timeout: 5 },
      },
      toolAliases: { a: 'b' },
      model: 'claude-sonnet-4',
      useLegacyMcpJson: false,
    });
  });

  it("keeps the profile's own tools list", () => {
    const [file] = kiroCli.installFiles?.(install({ tools: ['fs_read', '@cao-mcp-server'] })) ?? [];
    expect(JSON.parse(file?.content ?? '{}')).toMatchObject({
      tools: ['fs_read', '@cao-mcp-server'],
    });
  });
});
