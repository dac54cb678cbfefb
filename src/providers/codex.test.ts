import { describe, expect, it } from 'vitest';
import { launchContext, testdataOf } from '../../test/support/providers.js';
import { renderRaw } from '../../test/support/render.js';
import { caoFixture, captureOf, hasShared, sharedTitle } from '../../test/support/shared.js';
import { isCaoError } from '../lib/errors.js';
import { tomlString } from './codex-launch.js';
import { codex } from './codex.js';
import { stripAnsi } from './screen.js';

const capture = captureOf('codex');
const fixture = caoFixture;
const own = testdataOf('codex');

const screen = (...lines: string[]): string => lines.join('\n');
const FOOTER = ['', '  gpt-5 default · ~/repo', '  ← for agents · ? for shortcuts'];
const COMPOSER = ['› Ask Codex to do anything', ...FOOTER];

describe.skipIf(!hasShared())(sharedTitle('codex over real captures'), () => {
  it('extracts the last answer of a completed turn, without tool cells or tips', () => {
    expect(codex.lastMessage(capture('completed.txt'))).toBe('Slow reply done. FAKE-REPLY-1');
    expect(codex.lastMessage(capture('after_approval.txt'))).toBe(
      'Shell command finished. FAKE-REPLY-2',
    );
    // "• MCP tool finished." carries a "└ Tip: …" line in 0.169
    expect(codex.lastMessage(capture('mcp.txt'))).toBe('MCP tool finished. FAKE-REPLY-4');
    expect(codex.lastMessage(capture('yolo.txt'))).toBe('Yolo command finished. FAKE-REPLY-3');
  });

  it('reports the error text as the last message of a failed turn', () => {
    expect(codex.lastMessage(capture('error.txt'))).toMatch(
      /^\{"error":\{"message":"FAKE-ERROR-400 scripted failure"/,
    );
    expect(codex.lastMessage(capture('interrupted.txt'))).toBeUndefined();
  });

  it('extracts answers of older releases (line mode, legacy modal)', () => {
    expect(codex.lastMessage(fixture('codex_complex_response.txt'))).toBe(
      "Sure, here's a snippet:\n\n```\ndef add(a, b):\n    return a + b\n```\n\nLet me know if you need more details.",
    );
    expect(codex.lastMessage(fixture('codex_approval_modal_scrollback.txt'))).toBe(
      'Deploy finished successfully in 84s.',
    );
    expect(codex.lastMessage(fixture('codex_approval_modal_heavy_box.txt'))).toBe(
      "I'll run the deploy script now.",
    );
  });

  it('reads the composer, treating its placeholder as empty', () => {
    expect(codex.inputText(capture('idle.txt'))).toBe('');
    expect(codex.inputText(capture('processing.txt'))).toBe('');
    expect(codex.inputText(fixture('codex_v0145_idle_output.txt'))).toBe('');
    expect(codex.inputText(fixture('codex_approval_modal_quoted_in_reply.txt'))).toBe('');
    expect(codex.inputText(capture('waiting_user_answer.txt'))).toBeUndefined();
    expect(codex.inputText(capture('waiting_user_answer_mcp.txt'))).toBeUndefined();
    expect(codex.inputText(capture('exit.txt'))).toBeUndefined();
  });

  it('answers only start-up dialogs: the update prompt with "Skip"', () => {
    expect(codex.startupKeys(fixture('codex_update_dialog.txt'))).toEqual(['2']);
    expect(codex.startupKeys(fixture('codex_update_dialog_scrollback.txt'))).toBeUndefined();
    expect(codex.startupKeys(capture('idle.txt'))).toBeUndefined();
    // a permission prompt during work is the user's (or answer_user_prompt's) to answer
    expect(codex.startupKeys(capture('waiting_user_answer.txt'))).toBeUndefined();
    expect(codex.startupKeys(capture('waiting_user_answer_mcp.txt'))).toBeUndefined();
  });

  it('answers the shell approval menu by number or by yes/no', () => {
    const s = capture('waiting_user_answer.txt');
    expect(codex.answerKeys?.(s, '1')).toEqual(['Enter']);
    expect(codex.answerKeys?.(s, 'yes')).toEqual(['Enter']);
    expect(codex.answerKeys?.(s, '2')).toEqual(['Down', 'Enter']);
    expect(codex.answerKeys?.(s, 'no')).toEqual(['Down', 'Down', 'Enter']);
    expect(codex.answerKeys?.(s, 'use the staging database')).toBeUndefined();
  });

  it('answers the MCP tool prompt (indented cursor) and the legacy modal', () => {
    const mcp = capture('waiting_user_answer_mcp.txt');
    expect(codex.answerKeys?.(mcp, 'yes')).toEqual(['Enter']);
    expect(codex.answerKeys?.(mcp, 'no')).toEqual(['Down', 'Down', 'Down', 'Enter']);
    expect(codex.answerKeys?.(mcp, '3')).toEqual(['Down', 'Down', 'Enter']);
    const modal = fixture('codex_approval_modal.txt');
    expect(codex.answerKeys?.(modal, 'yes')).toEqual(['a']);
    expect(codex.answerKeys?.(modal, 'no')).toEqual(['d']);
  });

  it('reads approval menus of 0.147 from raw streams', async () => {
    const s = stripAnsi(await renderRaw(fixture('codex_approval_edits_raw.txt'), 160, 50));
    expect(codex.detect(s)).toMatchObject({
      status: 'waiting_user_answer',
      rule: 'approval-prompt',
    });
    expect(codex.answerKeys?.(s, 'no')).toEqual(['Down', 'Down', 'Enter']);
  });

  it('says which rule decided, with the evidence line', () => {
    const d = codex.detect(capture('processing.txt'));
    expect(d.rule).toBe('busy-esc-to-interrupt');
    expect(d.evidence.join('\n')).toContain('Working (2s • esc to interrupt)');
    expect(codex.detect(capture('error_500.txt')).rule).toBe('api-retrying');
    expect(codex.detect(capture('interrupted.txt')).rule).toBe('interrupted');
    expect(codex.detect(capture('error.txt')).rule).toBe('turn-error');
    // the original's negative fixture: a modal quoted in an answer is not a live prompt
    expect(codex.detect(fixture('codex_approval_modal_quoted_in_reply.txt'))).toMatchObject({
      status: 'completed',
      rule: 'response',
    });
  });
});

describe('codex over own captures (inline mode, --no-daemon)', () => {
  it('answers the trust prompt of a new git folder with "Trust and continue"', () => {
    const trust = own('waiting_user_answer/codex-0.169.0-trust-folder.txt');
    expect(codex.detect(trust)).toMatchObject({
      status: 'waiting_user_answer',
      rule: 'trust-folder-dialog',
    });
    expect(codex.startupKeys(trust)).toEqual(['Enter']);
    expect(codex.inputText(trust)).toBeUndefined();
    // answered, it stays in the scrollback above the composer
    expect(codex.startupKeys(own('completed/codex-0.169.0-inline-yolo.txt'))).toBeUndefined();
  });

  it('extracts a multi-line answer with a nested list', () => {
    expect(codex.lastMessage(own('error/codex-0.169.0-exit-after-list-answer.txt'))).toBe(
      'Line one of the answer.\n\nLine two with code.\n\n• bullet a\n• bullet b',
    );
  });

  it('reads typed text, also over several lines', () => {
    expect(codex.inputText(own('idle/codex-0.169.0-inline-typed.txt'))).toBe(
      'hello there, this is typed but not sent',
    );
    expect(codex.inputText(own('idle/codex-0.169.0-inline-multiline-typed.txt'))).toBe(
      'slow please\nqueued message typed while busy',
    );
  });

  it('sees the exit banner (no daemon) as an exited CLI', () => {
    expect(codex.detect(own('error/codex-0.169.0-no-daemon-exit.txt'))).toMatchObject({
      status: 'error',
      rule: 'cli-exited',
    });
  });
});

describe('codex detector edge cases', () => {
  it('a fresh start is idle', () => {
    expect(codex.detect(screen('  >_ OpenAI Codex (v0.169.0)', '', ...COMPOSER))).toMatchObject({
      status: 'idle',
      rule: 'empty-prompt',
    });
  });

  it('a submitted message without any answer yet is processing, not completed', () => {
    const s = screen(
      '› first',
      '',
      '• one',
      '',
      '  Worked for 1s • 10:00',
      '',
      '› second',
      '',
      ...COMPOSER,
    );
    expect(codex.detect(s)).toMatchObject({ status: 'processing', rule: 'awaiting-response' });
  });

  it('a previous turn answer does not make a new turn completed', () => {
    const s = screen(
      '› first',
      '• one',
      '  Worked for 1s • 10:00',
      '› second',
      '• Ran ls',
      '  └ a.txt',
      '',
      ...COMPOSER,
    );
    expect(codex.detect(s)).toMatchObject({ status: 'processing', rule: 'tool-activity' });
  });

  it('a stale placeholder left in the scrollback is not a user message', () => {
    const s = screen('› Ask Codex to do anything', '', '  ? for shortcuts', '', ...COMPOSER);
    expect(codex.detect(s).status).toBe('idle');
  });

  it('an answer that starts with a tool verb is still an answer', () => {
    const s = screen('› q', '', '• Read the file: it defines one function.', '', ...COMPOSER);
    expect(codex.detect(s)).toMatchObject({ status: 'completed', rule: 'response' });
    expect(codex.lastMessage(s)).toBe('Read the file: it defines one function.');
  });

  it('an approval prompt quoted in an answer does not count as a prompt', () => {
    const s = screen(
      '› what did it ask?',
      '• It asked "Would you like to run the following command?" and I said yes.',
      '',
      ...COMPOSER,
    );
    expect(codex.detect(s).status).toBe('completed');
  });

  it('text typed in the composer is idle, even after a finished turn', () => {
    const s = screen('› q', '• a', '  Worked for 1s', '', '› next question', ...FOOTER);
    expect(codex.detect(s)).toMatchObject({ status: 'idle', rule: 'input-pending' });
    expect(codex.inputText(s)).toBe('next question');
  });

  it('a numbered message below a numbered answer is a message, not a menu', () => {
    const s = screen(
      '› plan?',
      '• Steps:',
      '  1. read',
      '  2. write',
      '',
      '› 1. do the first step',
    );
    expect(codex.inputText(screen(s, ...FOOTER))).toBe('1. do the first step');
    const sent = screen(s, '', '◦ Working (1s • esc to interrupt)', '', ...COMPOSER);
    expect(codex.detect(sent).status).toBe('processing');
  });

  it('a busy line wins over an older "Worked for"', () => {
    const s = screen('› q', '◦ Working (12s • esc to interrupt)', '', ...COMPOSER);
    expect(codex.detect(s).status).toBe('processing');
  });

  it('a dead pane is an error', () => {
    expect(codex.detect(screen('bye', 'Pane is dead (status 1, Tue Nov 24 2026)')).status).toBe(
      'error',
    );
  });

  it('an empty screen is unknown', () => {
    expect(codex.detect('\n\n').status).toBe('unknown');
  });
});

const ctx = launchContext;

/** The value of the `-c key=value` override for `key`. */
const override = (argv: string[], key: string): string | undefined =>
  argv
    .filter((a, i) => argv[i - 1] === '-c' && a.startsWith(`${key}=`))
    .map((a) => a.slice(key.length + 1))[0];

describe('codex launch', () => {
  it('runs inline, without the app-server daemon and without the update check', () => {
    const { argv } = codex.launch(ctx());
    expect(argv.slice(0, 3)).toEqual(['codex', '--no-alt-screen', '--no-daemon']);
    expect(override(argv, 'check_for_update_on_startup')).toBe('false');
    expect(argv).not.toContain('--dangerously-bypass-approvals-and-sandbox');
    // asking mode, explicit (an untrusted folder would otherwise not ask)
    expect(
      argv.slice(argv.indexOf('--ask-for-approval'), argv.indexOf('--ask-for-approval') + 4),
    ).toEqual(['--ask-for-approval', 'on-request', '--sandbox', 'workspace-write']);
  });

  it('skips approvals and the sandbox in yolo mode', () => {
    const { argv } = codex.launch(ctx({ yolo: true, allowedTools: ['*'] }));
    expect(argv).toContain('--dangerously-bypass-approvals-and-sandbox');
    expect(argv).not.toContain('--sandbox');
  });

  it('passes the system prompt as a TOML string, with no shell involved', () => {
    const prompt = 'Line "one"\nback\\slash $(x) `y`';
    const { argv, files } = codex.launch(
      ctx({ profile: { ...ctx().profile, systemPrompt: prompt } }),
    );
    expect(override(argv, 'developer_instructions')).toBe(tomlString(prompt));
    expect(tomlString(prompt)).toBe('"Line \\"one\\"\\nback\\\\slash $(x) `y`"');
    expect(files).toBeUndefined();
  });

  it('omits developer_instructions for an empty, unrestricted prompt', () => {
    const { argv } = codex.launch(ctx({ profile: { ...ctx().profile, systemPrompt: ' ' } }));
    expect(override(argv, 'developer_instructions')).toBeUndefined();
  });

  it('registers MCP servers as TOML overrides with the terminal id and a long tool timeout', () => {
    const { argv } = codex.launch(
      ctx({
        mcpServers: {
          'cao-mcp-server': {
            command: '/usr/bin/node',
            args: ['/x/mcp.js', '--flag'],
            env: { CAO_TERMINAL_ID: 'abcd1234', 'ODD.NAME': 'a"b' },
          },
        },
      }),
    );
    expect(override(argv, 'mcp_servers.cao-mcp-server')).toBe(
      '{command = "/usr/bin/node", args = ["/x/mcp.js", "--flag"], ' +
        'env = {CAO_TERMINAL_ID = "abcd1234", "ODD.NAME" = "a\\"b"}, tool_timeout_sec = 600.0}',
    );
  });

  it('refuses an MCP server name Codex cannot take as a config key', () => {
    let err: unknown;
    try {
      codex.launch(ctx({ mcpServers: { 'a.b': { command: 'x', args: [], env: {} } } }));
    } catch (e) {
      err = e;
    }
    expect(isCaoError(err) && err.code).toBe('INVALID_INPUT');
    expect(isCaoError(err) && err.message).toMatch(/Rename it/);
  });

  it('refuses a system prompt too long for one argument', () => {
    const huge = ctx({ profile: { ...ctx().profile, systemPrompt: 'x'.repeat(200_000) } });
    expect(() => codex.launch(huge)).toThrow(/too long for Codex/);
  });

  it('uses the model override before the profile model', () => {
    const spec = codex.launch(ctx({ model: 'o3', profile: { ...ctx().profile, model: 'gpt-5' } }));
    expect(spec.argv[spec.argv.indexOf('--model') + 1]).toBe('o3');
    expect(codex.launch(ctx()).argv).not.toContain('--model');
  });

  it('restricts tools softly in the prompt, and with the read-only sandbox when nothing may write', () => {
    const supervisor = codex.launch(ctx({ allowedTools: ['@cao-mcp-server', 'fs_read'] }));
    expect(supervisor.argv.slice(supervisor.argv.indexOf('--sandbox'))[1]).toBe('read-only');
    expect(override(supervisor.argv, 'developer_instructions')).toMatch(
      /SECURITY CONSTRAINTS.*You only have access to these tools: @cao-mcp-server, fs_read.*You write code\./,
    );
    const developer = codex.launch(ctx({ allowedTools: ['@builtin', 'fs_*', 'execute_bash'] }));
    expect(developer.argv[developer.argv.indexOf('--sandbox') + 1]).toBe('workspace-write');
    const unattended = codex.launch(
      ctx({ yolo: true, allowedTools: ['@cao-mcp-server', 'fs_read'] }),
    );
    expect(unattended.argv).toEqual(
      expect.arrayContaining(['--ask-for-approval', 'never', '--sandbox', 'read-only']),
    );
  });

  it('unsets the variables Codex sets for its own commands, keeps the user settings', () => {
    const spec = codex.launch(
      ctx({
        env: { CODEX_THREAD_ID: 't', CODEX_SANDBOX: 'seccomp', CODEX_HOME: '/h', PATH: '/b' },
      }),
    );
    expect(spec.unsetEnv?.sort()).toEqual(['CODEX_SANDBOX', 'CODEX_THREAD_ID']);
  });

  it('prefixes handoff tasks with the original banner', () => {
    expect(codex.handoffPrefix?.('sup12345')).toMatch(
      /^\[CAO Handoff\] Supervisor terminal ID: sup12345\. This is a blocking handoff — .*Do NOT use send_message.*deliverables\.\n\n$/s,
    );
  });

  it('escapes control characters and lone surrogates in TOML strings', () => {
    expect(tomlString('a\u0001b\u007fc\tд🚀')).toBe('"a\\u0001b\\u007fc\\tд🚀"');
    expect(tomlString('x\ud800y')).toBe('"x\ufffdy"');
  });
});

describe('codex request_user_input widget (real captures, 220x50 and 100x40)', () => {
  for (const size of ['', '-100x40']) {
    const widget = own(`waiting_user_answer/codex-0.169.0-request-user-input${size}.txt`);
    it(`reads waiting_user_answer with the question and options${size}`, () => {
      const d = codex.detect(widget);
      expect(d).toMatchObject({ status: 'waiting_user_answer', rule: 'request-user-input' });
      expect(d.question).toEqual({
        text: 'Which colour should the button be?',
        options: ['Red', 'Blue', 'Green', 'None of the above'],
      });
      // the message above it is not a composer with text in it
      expect(codex.inputText(widget)).toBeUndefined();
    });
    it(`picks an option by number or by its text${size}`, () => {
      expect(codex.answerKeys?.(widget, '2')).toEqual(['Down', 'Enter']);
      expect(codex.answerKeys?.(widget, 'red')).toEqual(['Enter']);
      expect(codex.answerKeys?.(widget, 'Green')).toEqual(['Down', 'Down', 'Enter']);
      expect(codex.answerKeys?.(widget, 'none')).toEqual(['Down', 'Down', 'Down', 'Enter']);
      expect(() => codex.answerKeys?.(widget, 'purple')).toThrow(/not one of the options/);
    });
  }

  it('counts the footer only as the last line: an answer quoting it is not a widget', () => {
    const quoted = screen(
      '› what does the widget footer say?',
      '',
      '• Question 1/1 ends with: enter to submit answer | esc to interrupt',
      '',
      '  Worked for 1s',
      '',
      ...COMPOSER,
    );
    expect(codex.detect(quoted).status).toBe('completed');
  });
});
