import { describe, expect, it } from 'vitest';
import {
  allocatedPort,
  commandArgs,
  controlArgs,
  masterArgs,
  remoteCommand,
  shellWord,
} from './ssh-args.js';

const target = {
  destination: 'dev@build-1',
  configFile: '/cfg/ssh_config',
  controlPath: '/c/b1.sock',
};

describe('ssh argv', () => {
  it('batch mode, the given config, the master socket, and a timeout for new connections, always', () => {
    for (const argv of [
      masterArgs(target, undefined),
      commandArgs(target, ['tmux', '-V']),
      controlArgs(target, 'check'),
    ]) {
      expect(argv.slice(0, 2)).toEqual(['-F', '/cfg/ssh_config']);
      expect(argv).toContain('BatchMode=yes');
      expect(argv).toContain('ControlPath=/c/b1.sock');
    }
    expect(commandArgs(target, ['true'])).toContain('ControlMaster=no');
    expect(masterArgs(target, undefined)).toEqual(
      expect.arrayContaining(['ControlMaster=yes', '-N']),
    );
  });

  it('the destination comes after --, so a destination can never be read as an option', () => {
    const argv = commandArgs({ ...target, destination: '-oProxyCommand=evil' }, ['true']);
    expect(argv.indexOf('--')).toBe(argv.indexOf('-oProxyCommand=evil') - 1);
  });

  it('quotes each word for the remote shell and refuses what only stdin may carry', () => {
    expect(shellWord('tmux')).toBe('tmux');
    expect(shellWord('#{pane_id}')).toBe("'#{pane_id}'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord('')).toBe("''");
    expect(shellWord('a b;rm -rf ~')).toBe("'a b;rm -rf ~'");
    expect(() => shellWord('two\nlines')).toThrow(/NUL or newline/);
    expect(() => shellWord('nul\0')).toThrow(/NUL or newline/);
    expect(remoteCommand(['tmux', 'display-message', '-p', '#S'])).toBe(
      "tmux display-message -p '#S'",
    );
  });

  it('reads the port sshd allocated for a reverse forward', () => {
    expect(allocatedPort('Allocated port 40123 for remote forward to 127.0.0.1:9889\n')).toBe(
      40123,
    );
    expect(allocatedPort('Warning: something\n')).toBeUndefined();
  });
});
