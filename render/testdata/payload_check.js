// Injected by payload_test.go (TestPayloadBrowserDecode) as the first script of a copy of
// index.html. Once the slider is ready it writes every array app.js decoded from the payload
// into <pre id="payloadcheck"> as JSON (quantised series multiplied by their scale), for the
// test to compare with DecodePayload.
(function () {
  'use strict';
  const out = { errors: [], payload: '', arrays: {} };
  addEventListener('error', (e) => out.errors.push('error: ' + e.message));
  addEventListener('unhandledrejection', (e) => out.errors.push('unhandled rejection: ' + String(e.reason && e.reason.stack || e.reason)));
  addEventListener('DOMContentLoaded', async () => {
    try {
      const M = window.MAXGROK;
      await M.ready;
      out.payload = M.payload;
      for (const [name, a] of Object.entries(M.S.P.A)) {
        out.arrays[name] = Array.from(a.v, (q) => (a.scale ? q * a.scale : q));
      }
    } catch (e) {
      out.errors.push('payload check: ' + String(e && e.stack || e));
    }
    const pre = document.createElement('pre');
    pre.id = 'payloadcheck';
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  });
})();
