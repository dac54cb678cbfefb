import { describe, expect, it } from 'vitest';
import { launchContext, testdataOf } from '../../test/support/providers.js';
import { renderRaw } from '../../test/support/render.js';
import { caoFixture, captureOf, hasShared, sharedTitle } from '../../test/support/shared.js';
import { isCaoError } from '../lib/errors.js';
import { claudeCode, disallowedTools } from './claude-code.js';
import { claudeSessionId } from './logs/claude.js';
import type { LaunchContext } from './provider.js';
import { CUT_NOTE, stripAnsi } from './screen.js';

const capture = captureOf('claude');
const own = testdataOf('claude_code');

const RULE = '─'.repeat(80);
const screen = (...lines: string[]): string => lines.join('\n');

describe.skipIf(!hasShared())(sharedTitle('claude_code over real captures'), () => {
  it('extracts the last answer of a completed turn', () => {
    expect(claudeCode.lastMessage(capture('completed.txt'))).toBe('Slow reply done. FAKE-REPLY-1');
    expect(claudeCode.lastMessage(capture('mcp.txt'))).toBe('MCP tool finished. FAKE-REPLY-4');
    expect(claudeCode.lastMessage(capture('yolo.txt'))).toBe('Yolo command finished. FAKE-REPLY-3');
  });

  it('extracts the answer from a raw pipe-pane stream (original CAO fixture)', async () => {
    const raw = caoFixture('claude_code_new_tui_completed_raw.txt');
    const text = claudeCode.lastMessage(stripAnsi(await renderRaw(raw, 160, 50)));
    // the capture lost its carriage returns, so the emulator leaves a blank line between rows
    expect(text?.replace(/\n{2,}/g, '\n')).toBe('def greet(name):\n    return f"Hello, {name}!"');
  });

  it('reports the error text as the last message of a failed turn', () => {
    expect(claudeCode.lastMessage(capture('error.txt'))).toBe(
      'API Error: 400 FAKE-ERROR-400 scripted failure',
    );
  });

  it('reads the input box', () => {
    expect(claudeCode.inputText(capture('idle.txt'))).toBe('');
    expect(claudeCode.inputText(capture('interrupted.txt'))).toBe('down please (FAKE-PROMPT-6)');
    expect(claudeCode.inputText(capture('waiting_user_answer.txt'))).toBeUndefined();
  });

  it('answers the bypass-permissions warning and nothing else', () => {
    expect(claudeCode.startupKeys(capture('yolo_warning.txt'))).toEqual(['Down', 'Enter']);
    expect(claudeCode.startupKeys(capture('idle.txt'))).toBeUndefined();
    // a permission prompt during work is the user's (or answer_user_prompt's) to answer
    expect(claudeCode.startupKeys(capture('waiting_user_answer.txt'))).toBeUndefined();
  });

  it('answers a permission prompt by number or by yes/no', () => {
    const screen = capture('waiting_user_answer.txt');
    expect(claudeCode.answerKeys?.(screen, '1')).toEqual(['Enter']);
    expect(claudeCode.answerKeys?.(screen, 'yes')).toEqual(['Enter']);
    expect(claudeCode.answerKeys?.(screen, '2')).toEqual(['Down', 'Enter']);
    expect(claudeCode.answerKeys?.(screen, 'no')).toEqual(['Down', 'Down', 'Down', 'Enter']);
    expect(claudeCode.answerKeys?.(screen, 'use the staging database')).toBeUndefined();
  });

  it('reads the question and its options off a permission prompt', () => {
    expect(claudeCode.detect(capture('waiting_user_answer.txt')).question).toEqual({
      text: 'Do you want to proceed?',
      options: [
        'Yes',
        'Yes, and always allow access to /tmp/agentcli-claude/work from this project',
        'Yes, and switch to auto mode · auto mode handles these prompts for you',
        'No',
      ],
    });
    expect(claudeCode.detect(capture('idle.txt')).question).toBeUndefined();
  });

  it('says which rule decided, with the evidence line', () => {
    const d = claudeCode.detect(capture('processing.txt'));
    expect(d.rule).toBe('footer-esc-to-interrupt');
    expect(d.evidence.join('\n')).toContain('Flibbertigibbeting…');
    expect(claudeCode.detect(capture('error_500.txt')).rule).toBe('api-retrying');
  });
});

describe('claude_code detector edge cases', () => {
  it('a submitted message without any answer yet is processing, not completed', () => {
    const s = screen(
      '❯ first',
      '● one',
      '✻ Cooked for 1s',
      '❯ second',
      RULE,
      '❯ ',
      RULE,
      '  ? for shortcuts',
    );
    expect(claudeCode.detect(s)).toMatchObject({ status: 'processing', rule: 'awaiting-response' });
  });

  it('a previous turn answer does not make a new turn completed', () => {
    const s = screen(
      '❯ first',
      '● one',
      '❯ second',
      '· Pondering…',
      RULE,
      '❯ ',
      RULE,
      '  ⏸ manual mode on',
    );
    expect(claudeCode.detect(s).status).toBe('processing');
  });

  it('a background wait is processing even with a prompt visible (original CAO #392)', () => {
    const s = screen(
      '❯ go',
      '● started two workflows',
      '✻ Waiting for 2 workflows to finish',
      RULE,
      '❯ ',
      RULE,
    );
    expect(claudeCode.detect(s)).toMatchObject({ status: 'processing', rule: 'background-wait' });
  });

  it('the right-aligned effort footer is not a response (original CAO #459)', () => {
    const s = screen('❯ go', ' '.repeat(60) + '● high · /effort', RULE, '❯ ', RULE);
    expect(claudeCode.detect(s).status).toBe('processing');
  });

  it('a dialog quoted in a response does not count as a prompt', () => {
    const s = screen('❯ q', '● It asks "Do you want to proceed?" and waits.', RULE, '❯ ', RULE);
    expect(claudeCode.detect(s).status).toBe('completed');
  });

  it('a dead pane is an error', () => {
    expect(
      claudeCode.detect(screen('bye', 'Pane is dead (status 1, Tue Nov 24 2026)')).status,
    ).toBe('error');
  });

  it('an empty screen is unknown', () => {
    expect(claudeCode.detect('\n\n').status).toBe('unknown');
  });
});

/** Yolo: what the launcher passes unless the profile sets permissionMode. */
const ctx = (over: Partial<LaunchContext> = {}): LaunchContext =>
  launchContext({ yolo: true, ...over });

describe('claude_code launch', () => {
  it('passes the system prompt and MCP config as private files', () => {
    const spec = claudeCode.launch(
      ctx({
        mcpServers: {
          'cao-mcp-server': {
            command: '/usr/bin/node',
            args: ['/x/mcp.js'],
            env: { CAO_TERMINAL_ID: 'abcd1234' },
          },
        },
      }),
    );
    expect(spec.argv).toContain('--append-system-prompt-file');
    // the conversation's id, by which its session log is found (logs/claude.ts), is given by
    // the launcher (conversationArgs with conversationIdFor), never twice
    expect(spec.argv).not.toContain('--session-id');
    expect(claudeCode.conversationArgs?.(claudeCode.conversationIdFor?.('abcd1234') ?? '')).toEqual(
      ['--session-id', claudeSessionId('abcd1234')],
    );
    expect(spec.argv).toContain('/cao/tmp/abcd1234.prompt');
    expect(spec.argv.slice(spec.argv.indexOf('--mcp-config'))).toEqual(
      expect.arrayContaining(['/cao/tmp/abcd1234.mcp.json', '--strict-mcp-config']),
    );
    const mcp = spec.files?.find((f) => f.path.endsWith('.mcp.json'));
    expect(JSON.parse(mcp?.content ?? '{}')).toEqual({
      mcpServers: {
        'cao-mcp-server': {
          type: 'stdio',
          command: '/usr/bin/node',
          args: ['/x/mcp.js'],
          env: { CAO_TERMINAL_ID: 'abcd1234' },
          timeout: 3_700_000,
        },
      },
    });
    expect(spec.env).toMatchObject({
      MCP_CONNECTION_NONBLOCKING: 'false',
      MCP_TOOL_TIMEOUT: '3700000',
    });
  });

  it('skips prompts (tools restricted by policy) unless the profile asks for a permission mode', () => {
    expect(claudeCode.launch(ctx()).argv).toContain('--dangerously-skip-permissions');
    expect(claudeCode.launch(ctx({ yolo: true })).argv).toContain('--dangerously-skip-permissions');
    const asking = claudeCode.launch(
      ctx({ yolo: false, profile: { ...ctx().profile, permissionMode: 'default' } }),
    );
    expect(asking.argv.slice(0, 3)).toEqual(['claude', '--permission-mode', 'default']);
    expect(asking.argv).not.toContain('--dangerously-skip-permissions');
  });

  it('refuses to skip prompts as root without IS_SANDBOX=1, saying how to fix it', () => {
    let err: unknown;
    try {
      claudeCode.launch(ctx({ yolo: true, isRoot: true }));
    } catch (e) {
      err = e;
    }
    expect(isCaoError(err) && err.message).toMatch(/IS_SANDBOX=1/);
    expect(
      claudeCode.launch(ctx({ yolo: true, isRoot: true, env: { IS_SANDBOX: '1' } })).argv,
    ).toContain('--dangerously-skip-permissions');
    const asking = { ...ctx().profile, permissionMode: 'default' };
    expect(claudeCode.launch(ctx({ yolo: false, isRoot: true, profile: asking })).argv).toContain(
      '--permission-mode',
    );
  });

  it('unsets the variables that make Claude think it is nested, keeps auth and config ones', () => {
    const spec = claudeCode.launch(
      ctx({
        env: {
          CLAUDECODE: '1',
          CLAUDE_CODE_ENTRYPOINT: 'cli',
          CLAUDE_CONFIG_DIR: '/c',
          CLAUDE_CODE_USE_BEDROCK: '1',
        },
      }),
    );
    expect(spec.unsetEnv?.sort()).toEqual(['CLAUDECODE', 'CLAUDE_CODE_ENTRYPOINT']);
  });

  it('uses the model override before the profile model', () => {
    const spec = claudeCode.launch(
      ctx({ model: 'opus', profile: { ...ctx().profile, model: 'haiku' } }),
    );
    expect(spec.argv[spec.argv.indexOf('--model') + 1]).toBe('opus');
  });

  it('maps restricted CAO tools to denied native tools', () => {
    expect(disallowedTools(null)).toEqual([]);
    expect(disallowedTools(['*'])).toEqual([]);
    const reviewer = disallowedTools(['fs_read', 'fs_list', '@cao-mcp-server']);
    expect(reviewer).toContain('Bash');
    expect(reviewer).toContain('Write');
    expect(reviewer).not.toContain('Read');
    expect(reviewer).not.toContain('Grep');
  });
});

describe('claude_code AskUserQuestion widget (real captures, 220x50 and 100x40)', () => {
  const sizes = ['', '-100x40'];
  for (const size of sizes) {
    const widget = own(`waiting_user_answer/claude-2.1.331-ask-user-question${size}.txt`);
    it(`reads waiting_user_answer with the question and options${size}`, () => {
      const d = claudeCode.detect(widget);
      expect(d).toMatchObject({ status: 'waiting_user_answer', rule: 'ask-user-question' });
      expect(d.question).toEqual({
        text: 'Which colour should the button be?',
        options: ['Red', 'Blue', 'Green', 'Type something.', 'Chat about this'],
      });
      // its cursor line between two rules is not an input box
      expect(claudeCode.inputText(widget)).toBeUndefined();
    });
    it(`picks an option by number or by its text${size}`, () => {
      expect(claudeCode.answerKeys?.(widget, '1')).toEqual(['Enter']);
      expect(claudeCode.answerKeys?.(widget, '3')).toEqual(['Down', 'Down', 'Enter']);
      expect(claudeCode.answerKeys?.(widget, 'blue')).toEqual(['Down', 'Enter']);
      expect(claudeCode.answerKeys?.(widget, 'GREEN')).toEqual(['Down', 'Down', 'Enter']);
      expect(() => claudeCode.answerKeys?.(widget, 'purple')).toThrow(/not one of the options/);
    });
  }

  it('counts the footer only as the last line: an answer quoting it is not a widget', () => {
    const quoted = screen(
      '❯ what does the question widget say?',
      '',
      '● It ends with: Enter to select · ↑/↓ to navigate · Esc to cancel',
      '',
      '✻ Cooked for 1s',
      '',
      RULE,
      '❯\u00a0',
      RULE,
      '  ? for shortcuts',
    );
    expect(claudeCode.detect(quoted).status).toBe('completed');
  });
});

describe('claude_code long replies', () => {
  it('says the last answer was cut when its start scrolled off (real 2.1.331 screen)', () => {
    const long = testdataOf('claude_code')('completed/claude-2.1.331-long_400-100x40.txt');
    expect(claudeCode.detect(long).status).toBe('completed');
    const out = claudeCode.lastMessage(long) ?? '';
    expect(out.split('\n')[0]).toBe(CUT_NOTE);
    expect(out.split('\n')[1]).toMatch(/^- long reply line \d+ of 400$/);
    expect(out.split('\n').at(-1)?.trim()).toBe('LONG-400-END');
    expect(out).not.toMatch(/Churned|❯/u);
  });

  it('says nothing was answered on a start screen', () => {
    expect(claudeCode.lastMessage(' ▐▛███▜▌   Claude Code v2.1.331\n\n  tips\n───\n❯ \n───')).toBe(
      undefined,
    );
  });
});
