// Injected by the browser tests (injectSelftest, browser_test.go) as a page's first script,
// before its self-test (browser_selftest.js, sweep_selftest.js): it records console errors and
// warnings, failed loads and uncaught errors from the start, and gives the self-tests what they
// share as window.SELFTEST.
(function () {
  'use strict';
  const out = { errors: [], warnings: [], checks: {} };
  const str = (a) => Array.from(a, (x) => (x && x.stack) || String(x)).join(' ');
  const oe = console.error, ow = console.warn;
  console.error = function () { out.errors.push('console.error: ' + str(arguments)); return oe.apply(console, arguments); };
  console.warn = function () { out.warnings.push('console.warn: ' + str(arguments)); return ow.apply(console, arguments); };
  addEventListener('error', (e) => {
    const t = e.target;
    if (t && t !== window && (t.src || t.href)) out.errors.push('failed to load ' + (t.src || t.href));
    else out.errors.push('error: ' + e.message + ' at ' + e.filename + ':' + e.lineno);
  }, true);
  addEventListener('unhandledrejection', (e) => out.errors.push('unhandled rejection: ' + str([e.reason])));

  // finish writes the report into the page (for --dump-dom) and, over http, posts it to the
  // test's server: virtual time stops performance.now(), so times are real only in a run
  // without --virtual-time-budget, which ends when the server has the report.
  function finish() {
    const pre = document.createElement('pre');
    pre.id = 'selftest';
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
    if (location.protocol === 'http:') fetch('__selftest', { method: 'POST', body: pre.textContent });
  }

  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
  // until resolves to true once cond() holds (checked every 20 ms), or to false after ms: for
  // what takes real time, such as Play's frames, however loaded the machine is
  async function until(cond, ms) {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (cond()) return true;
    return cond();
  }

  window.SELFTEST = {
    out, str, finish, sleep, until,
    $: (s) => document.querySelector(s),
    $$: (s) => Array.from(document.querySelectorAll(s)),
  };
})();
