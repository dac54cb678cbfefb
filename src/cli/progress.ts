/**
 * A one-line progress indicator on stderr while waiting on an agent: a spinner, what we wait
 * for, and the elapsed time. Silent when stderr is not a terminal (scripts, agents, CI).
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  update(label: string): void;
  stop(): void;
}

export function startProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY || process.env['CI']) return { update() {}, stop() {} };
  const started = Date.now();
  let current = label;
  let frame = 0;
  const draw = (): void => {
    const secs = Math.floor((Date.now() - started) / 1000);
    stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current} (${secs}s)`);
  };
  draw();
  const timer = setInterval(draw, 100);
  timer.unref();
  return {
    update(l: string) {
      current = l;
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
}
