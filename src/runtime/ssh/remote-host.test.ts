import { describe, expect, it } from 'vitest';
import { parseProbe } from './remote-host.js';

describe('parseProbe', () => {
  it("reads a host's home, tmux, free memory and CLIs", () => {
    const p = parseProbe(
      [
        'home\t/home/dev',
        'tmux\ttmux 3.3a',
        'mem\t2048000',
        'cli\tclaude\t/opt/agents/bin/claude\t2.1.331 (Claude Code)',
        'cli\tcodex\t/opt/agents/bin/codex\t',
        '',
      ].join('\n'),
    );
    expect(p).toEqual({
      home: '/home/dev',
      tmux: 'tmux 3.3a',
      memAvailable: 2048000 * 1024,
      clis: [
        { binary: 'claude', path: '/opt/agents/bin/claude', version: '2.1.331 (Claude Code)' },
        { binary: 'codex', path: '/opt/agents/bin/codex', version: '' },
      ],
    });
  });

  it('no tmux, unknown memory', () => {
    expect(parseProbe('home\t/home/x\ntmux\t\nmem\t\n')).toMatchObject({
      tmux: '',
      memAvailable: undefined,
      clis: [],
    });
  });
});
