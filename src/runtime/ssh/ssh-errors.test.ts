/**
 * ssh's own messages (as OpenSSH 9.2 prints them, from the test hosts) turned into errors that
 * say what to do; a host key is never accepted by cao itself.
 */
import { describe, expect, it } from 'vitest';
import { classifySshFailure, isHostDown, sshError } from './ssh-errors.js';

describe('classifySshFailure', () => {
  it('an unknown host key: how to check and accept it', () => {
    const p = classifySshFailure(
      'b1',
      'host1',
      'No ED25519 host key is known for 10.231.7.2 and you have requested strict checking.\nHost key verification failed.\n',
      255,
    );
    expect(p.kind).toBe('unknown-host-key');
    expect(p.transient).toBe(false);
    expect(p.message).toMatch(/never accepts one by itself/);
    expect(p.message).toMatch(/ssh host1/);
  });

  it('a changed host key: a warning, and no connection', () => {
    const p = classifySshFailure(
      'b1',
      'host1',
      '@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n...\nHost key for 10.231.7.2 has changed and you have requested strict checking.\nHost key verification failed.\n',
      255,
    );
    expect(p.kind).toBe('changed-host-key');
    expect(p.message).toMatch(/CHANGED/);
    expect(p.message).toMatch(/ssh-keygen -R/);
  });

  it('a host that does not answer, a cut link, a stopped sshd: unreachable, and transient', () => {
    for (const stderr of [
      'ssh: connect to host 10.231.7.2 port 22: Connection timed out\n',
      'Timeout, server 10.231.7.2 not responding.\n',
      'ssh: connect to host 10.231.7.2 port 22: No route to host\n',
      'ssh: connect to host 10.231.7.2 port 22: Connection refused\n',
    ]) {
      const p = classifySshFailure('b1', 'host1', stderr, 255);
      expect(p, stderr).toMatchObject({ kind: 'unreachable', transient: true });
      expect(isHostDown(sshError('b1', p))).toBe(true);
    }
  });

  it('a key that is refused, a name that does not resolve, no tmux there', () => {
    expect(classifySshFailure('b1', 'h', 'dev@h: Permission denied (publickey).\n', 255).kind).toBe(
      'auth-failed',
    );
    expect(
      classifySshFailure(
        'b1',
        'h',
        'ssh: Could not resolve hostname nope: Name or service not known\n',
        255,
      ).kind,
    ).toBe('unresolved');
    expect(classifySshFailure('b1', 'h', 'sh: 1: tmux: not found\n', 127).kind).toBe('no-tmux');
  });
});
