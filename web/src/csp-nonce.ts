/**
 * cao-server sends the page with a Content-Security-Policy whose style-src allows only this
 * server's stylesheets and `<style>` elements carrying the page's nonce (a new one per load,
 * in `<meta name="cao-csp-nonce">`). xterm.js creates `<style>` elements of its own and has no
 * nonce option, so every `<style>` created through `document.createElement` gets the nonce
 * here, at creation (before insertion, which is when the browser checks it). Imported first.
 */
const meta = document.querySelector('meta[name="cao-csp-nonce"]');
const nonce = meta?.getAttribute('content') ?? '';

if (nonce !== '' && nonce !== 'CAO_CSP_NONCE') {
  const proto = Document.prototype as {
    createElement(this: Document, tagName: string, options?: ElementCreationOptions): HTMLElement;
  };
  // called with the document as `this` below, as the browser would
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const create = proto.createElement;
  proto.createElement = function (this: Document, tagName: string, options) {
    const el = create.call(this, tagName, options);
    if (tagName.toLowerCase() === 'style') el.setAttribute('nonce', nonce);
    return el;
  };
}

export {};
