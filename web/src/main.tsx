// first: the CSP nonce for the <style> elements xterm.js creates (see csp-nonce.ts)
import './csp-nonce';
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { render } from 'preact';
import { App } from './app';

const root = document.getElementById('app');
if (root) render(<App />, root);
