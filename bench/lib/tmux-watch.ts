/**
 * Our own read-only tmux control-mode client on a cao session: timestamps every
 * `%output %<pane>` notification, i.e. the moments tmux itself saw the pane's program write.
 * The last one before cao publishes a status is the floor no screen-reading detector can beat.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface OutputMark {
  pane: string;
  /** Epoch ms at which this process read the notification. */
  t: number;
}

export class TmuxWatch {
  readonly marks: OutputMark[] = [];
  private readonly child: ChildProcess;
  private buffer = '';

  constructor(socket: string, session: string) {
    this.child = spawn(
      'tmux',
      ['-L', socket, '-C', 'attach-session', '-r', '-t', `=${session}`, '-f', 'ignore-size'],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    this.child.stdout?.setEncoding('latin1');
    this.child.stdout?.on('data', (chunk: string) => {
      const t = Date.now();
      this.buffer += chunk;
      let idx: number;
      while ((idx = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, idx);
        this.buffer = this.buffer.slice(idx + 1);
        if (line.startsWith('%output %')) {
          const end = line.indexOf(' ', 8);
          this.marks.push({ pane: line.slice(8, end < 0 ? undefined : end), t });
        }
      }
    });
    // control mode ends on end of input: keep stdin open until close()
    this.child.stdin?.on('error', () => {});
  }

  /** The last output of `pane` read at or before `t` (epoch ms), if any after `after`. */
  lastBefore(pane: string, t: number, after = 0): number | undefined {
    for (let i = this.marks.length - 1; i >= 0; i--) {
      const m = this.marks[i] as OutputMark;
      if (m.pane !== pane || m.t > t) continue;
      return m.t > after ? m.t : undefined;
    }
    return undefined;
  }

  close(): void {
    if (this.child.exitCode === null) {
      this.child.stdin?.end();
      const pid = this.child.pid;
      setTimeout(() => {
        if (this.child.exitCode === null && pid) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // gone
          }
        }
      }, 500).unref();
    }
  }
}
