/**
 * A terminal's live screen: xterm.js over `WS /terminals/{id}/ws` (src/server/ws.ts).
 *
 * The server sends binary frames of terminal bytes, starting with a snapshot that opens with
 * `OSC 7719 ; cols ; rows BEL` (the agent's window size); the terminal takes that size, so the
 * agent's cursor addressing lands where it meant. Keys typed here go back as
 * `{"type":"input","data":…}`; when "fit" is on, the size that fits this panel is asked for
 * with `{"type":"resize",…}` (the agent's tmux window is resized and a new snapshot follows).
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { useEffect, useRef, useState } from 'preact/hooks';

/** The private OSC carrying the pane size (src/runtime/pane-stream.ts SIZE_OSC). */
const SIZE_OSC = 7719;

const CLOSE_REASONS: Record<number, string> = {
  4004: 'no such terminal (or it is not running)',
  4403: 'this page’s origin may not drive agents',
  4003: 'the server refused a message',
  1013: 'the connection fell behind',
};

type Conn = 'connecting' | 'open' | 'closed';

export function TerminalScreen({ id, fit }: { id: string; fit: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const [conn, setConn] = useState<Conn>('connecting');
  const [closedWhy, setClosedWhy] = useState('');
  const [size, setSize] = useState('');
  const [attempt, setAttempt] = useState(0);
  const fitRef = useRef(fit);
  fitRef.current = fit;
  const refit = useRef<() => void>(() => {});

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const term = new Terminal({
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      scrollback: 5000,
      cursorBlink: true,
      allowProposedApi: false,
      theme: {
        background: '#0d1117',
        foreground: '#e6edf3',
        cursor: '#e6edf3',
        scrollbarSliderBackground: 'rgba(139, 150, 168, 0.18)',
        scrollbarSliderHoverBackground: 'rgba(139, 150, 168, 0.35)',
        scrollbarSliderActiveBackground: 'rgba(139, 150, 168, 0.5)',
      },
    });
    const fitAddon = new FitAddon();
    term.loadAddon(fitAddon);
    term.open(el);
    swallowQueries(term);
    term.parser.registerOscHandler(SIZE_OSC, (data) => {
      const [cols, rows] = data.split(';').map((n) => Number.parseInt(n, 10));
      if (cols && rows && cols > 0 && rows > 0) {
        if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
        setSize(`${cols}×${rows}`);
      }
      return true;
    });

    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/terminals/${id}/ws`);
    ws.binaryType = 'arraybuffer';
    setConn('connecting');
    setClosedWhy('');
    const send = (msg: unknown): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    };
    let lastAsked = '';
    const askFit = (): void => {
      if (!fitRef.current) return;
      const d = fitAddon.proposeDimensions();
      if (!d || !Number.isFinite(d.cols) || !Number.isFinite(d.rows)) return;
      const cols = Math.max(20, Math.floor(d.cols));
      const rows = Math.max(5, Math.floor(d.rows));
      const key = `${cols}x${rows}`;
      if (key === lastAsked && cols === term.cols && rows === term.rows) return;
      lastAsked = key;
      if (cols !== term.cols || rows !== term.rows) send({ type: 'resize', cols, rows });
    };
    refit.current = () => {
      lastAsked = '';
      askFit();
    };
    ws.onopen = () => {
      setConn('open');
      askFit();
    };
    ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
      term.write(typeof e.data === 'string' ? e.data : new Uint8Array(e.data));
    };
    ws.onclose = (e) => {
      setConn('closed');
      setClosedWhy(CLOSE_REASONS[e.code] ?? (e.reason || `connection closed (${e.code})`));
    };
    const typed = term.onData((data) => send({ type: 'input', data }));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const observer = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(askFit, 150);
    });
    observer.observe(el.parentElement ?? el);
    term.focus();
    return () => {
      clearTimeout(timer);
      observer.disconnect();
      typed.dispose();
      ws.onclose = null;
      ws.close();
      term.dispose();
    };
  }, [id, attempt]);

  useEffect(() => {
    if (fit) refit.current();
  }, [fit]);

  return (
    <div class="screen-wrap">
      <div class="screen-bar">
        <span class={`conn conn-${conn}`} data-testid="ws-state">
          {conn === 'open' ? 'live' : conn}
        </span>
        {size ? <span class="muted">{size}</span> : null}
        {conn === 'closed' ? (
          <>
            <span class="muted">{closedWhy}</span>
            <button class="small" onClick={() => setAttempt((n) => n + 1)}>
              Reconnect
            </button>
          </>
        ) : null}
      </div>
      <div class="screen-host">
        <div class="screen" ref={host} data-testid="terminal-screen" />
      </div>
    </div>
  );
}

/**
 * tmux is the agent's terminal and has already answered every query the agent wrote (device
 * attributes, cursor position, modes, colours). xterm.js would answer them again through
 * `onData`, and the answers would reach the agent as typed text, so the queries are swallowed
 * here; everything else (colour changes included) is drawn as usual.
 */
function swallowQueries(term: Terminal): void {
  const swallow = (): boolean => true;
  const p = term.parser;
  p.registerCsiHandler({ final: 'c' }, swallow); // DA1
  p.registerCsiHandler({ prefix: '>', final: 'c' }, swallow); // DA2
  p.registerCsiHandler({ prefix: '=', final: 'c' }, swallow); // DA3
  p.registerCsiHandler({ final: 'n' }, swallow); // DSR (status, cursor position)
  p.registerCsiHandler({ prefix: '?', final: 'n' }, swallow);
  p.registerCsiHandler({ intermediates: '$', final: 'p' }, swallow); // DECRQM
  p.registerCsiHandler({ prefix: '?', intermediates: '$', final: 'p' }, swallow);
  p.registerCsiHandler({ prefix: '>', final: 'q' }, swallow); // XTVERSION
  p.registerCsiHandler({ final: 't' }, swallow); // window reports
  p.registerDcsHandler({ intermediates: '$', final: 'q' }, swallow); // DECRQSS
  for (const osc of [4, 10, 11, 12]) p.registerOscHandler(osc, (data) => data.includes('?'));
}
