// Injected by browser_test.go as the first script of a copy of index.html. It records console
// errors and warnings, failed loads and uncaught errors from the start, then, once the slider
// is ready, checks the page and writes a JSON report into <pre id="selftest">.
(function () {
  'use strict';
  const out = { errors: [], warnings: [], resources: [], base: '', checks: {}, steps: [], stepsLocal: [] };
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

  const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
  // The app commits on a microtask; a timer is enough to see the result. (requestAnimationFrame
  // is no use here: under --virtual-time-budget, headless Chromium makes few frames.)
  const frame = () => sleep(30);
  const $ = (s) => document.querySelector(s);
  const pixels = (name) => {
    const c = $('#fig-' + name + ' canvas');
    if (!c) return null;
    return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data).join(',');
  };
  // strength: how far a heatmap canvas's pixels are from white, on average (0 to 255); the
  // diverging scale darkens monotonically from its white middle to both ends
  const strength = (name) => {
    const c = $('#fig-' + name + ' canvas'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let s = 0;
    for (let i = 0; i < d.length; i += 4) s += 255 - (d[i] + d[i + 1] + d[i + 2]) / 3;
    return s / (d.length / 4);
  };

  // finish writes the report into the page (for --dump-dom) and, over http, posts it to the
  // test's server: virtual time stops performance.now(), so the step times are real only in a
  // run without --virtual-time-budget, which ends when the server has the report.
  function finish() {
    const pre = document.createElement('pre');
    pre.id = 'selftest';
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
    if (location.protocol === 'http:') fetch('__selftest', { method: 'POST', body: pre.textContent });
  }

  async function run() {
    const M = window.MAXGROK;
    if (!M) throw new Error('window.MAXGROK is missing');
    await M.ready;
    await frame();
    const S = M.S, c = out.checks;
    c.payload = M.payload;
    c.checkpoints = S.T;
    c.initialEpoch = $('#epoch').textContent;
    c.initialHash = location.hash;
    c.controlsShown = !$('#controls').hidden;
    c.figures = M.F.map((f) => f.name);

    // move the slider
    const before = { margin: pixels('margin'), ov: pixels('ov'), ov_centered: pixels('ov_centered') };
    const qkPath = $('#fig-qk g.data path') && $('#fig-qk g.data path').getAttribute('d');
    const slider = $('#slider');
    const to = Math.max(0, Math.min(S.T - 1, 5));
    slider.value = String(to);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await frame();
    await sleep(400); // the hash is written at most every 250 ms
    await frame();
    c.movedTo = String(S.E[to]);
    c.movedEpoch = $('#epoch').textContent;
    c.movedHash = location.hash;
    c.valuetext = slider.getAttribute('aria-valuetext');
    c.pixelsChanged = {};
    for (const k in before) c.pixelsChanged[k] = before[k] !== null && before[k] !== pixels(k);
    c.qkChanged = !!qkPath && qkPath !== $('#fig-qk g.data path').getAttribute('d');
    c.marker = $('#fig-loss line.marker') ? $('#fig-loss line.marker').getAttribute('x1') : null;

    // keys: End, then Left twice and Shift+Left once
    const key = (k, shift) => document.body.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey: !!shift, bubbles: true, cancelable: true }));
    key('End'); key('ArrowLeft'); key('ArrowLeft', true);
    await frame();
    c.afterKeys = $('#epoch').textContent;
    c.afterKeysWant = String(S.E[Math.max(0, S.T - 12)]);

    // hashchange
    location.hash = '#epoch=' + S.E[1];
    await sleep(50);
    await frame();
    c.afterHashchange = $('#epoch').textContent;
    c.afterHashchangeWant = String(S.E[1]);

    // hover: a heatmap cell's tooltip; the loss figure scrubs the epoch
    const point = (name, fx, fy) => {
      const f = M.F.find((g) => g.name === name), r = f.svg.getBoundingClientRect(), fr = f.fr;
      const x = fr.X0 + fx * (fr.X1 - fr.X0), y = fr.Y0 + fy * (fr.Y1 - fr.Y0);
      f.plot.dispatchEvent(new PointerEvent('pointermove', {
        bubbles: true, pointerType: 'mouse', clientX: r.left + x * r.width / fr.Width, clientY: r.top + y * r.height / fr.Height,
      }));
    };
    point('margin', 0.5, 0.5);
    await frame();
    c.heatTip = $('.tip') && !$('.tip').hidden ? $('.tip').textContent : '';
    point('loss', 0.5, 0.5);
    await frame();
    c.scrubbed = $('#epoch').textContent;
    c.scrubbedWant = String(S.E[M.nearest(Math.round(S.E[S.T - 1] / 2))]);
    c.lossTip = $('.tip') && !$('.tip').hidden ? $('.tip').textContent : '';
    M.F.find((g) => g.name === 'loss').plot.dispatchEvent(new PointerEvent('pointerleave'));
    await frame();
    c.tipHidden = !$('.tip') || $('.tip').hidden;

    // Play (frames come in real time only: see httpSelftest), then pause
    if (location.protocol === 'http:') {
      M.select(0);
      await frame();
      $('#play').click();
      await sleep(400);
      c.playing = $('#play').getAttribute('aria-pressed');
      $('#play').click();
      c.played = $('#epoch').textContent !== String(S.E[0]);
    }

    // the colour range of the heatmaps: "this epoch" at an early checkpoint, then "whole run" again
    const zsel = $('#zrange'), heat = ['ov_centered', 'ov', 'margin'];
    const change = (v) => { zsel.value = v; zsel.dispatchEvent(new Event('change', { bubbles: true })); };
    // the colour bar's tick labels: unrotated texts right of the plot area
    const barLabels = (name, svg) => {
      const f = M.F.find((g) => g.name === name);
      return Array.from((svg || f.svg).querySelectorAll('text'))
        .filter((t) => +t.getAttribute('x') > f.fr.X1 && !t.hasAttribute('transform')).map((t) => t.textContent);
    };
    const note = (name) => { const n = $('#fig-' + name + ' .zrange-note'); return n && !n.hidden ? n.textContent : ''; };
    M.select(1);
    await frame();
    c.zrangeShown = !!zsel && !zsel.closest('label').hidden;
    c.zrangeDefault = zsel ? zsel.value : '';
    c.zrange = {};
    if (zsel) {
      for (const k of heat) c.zrange[k] = { pixels: pixels(k), strengthRun: strength(k), labelsRun: barLabels(k), noteRun: note(k) };
      const hash = location.hash;
      change('epoch');
      await frame();
      for (const k of heat) {
        const z = c.zrange[k];
        z.changed = z.pixels !== pixels(k);
        z.strengthEpoch = strength(k);
        z.labelsEpoch = barLabels(k);
        z.noteEpoch = note(k);
        // the SVG download: this epoch's colours and the rescaled labels
        const f = M.F.find((g) => g.name === k), clone = f.svg.cloneNode(true);
        f.svgFix(clone);
        z.svgLabels = barLabels(k, clone);
        z.svgImage = clone.querySelector('g.data image').getAttribute('href') === f.canvas.toDataURL('image/png');
      }
      c.zrangeHashKept = location.hash === hash;
      for (let k = 0; k < 50; k++) { // slider steps with per-epoch colours
        M.select((k * 7 + 3) % S.T);
        const t0 = performance.now();
        M.commit();
        out.stepsLocal.push(performance.now() - t0);
      }
      M.select(1);
      await frame();
      c.zrangeAfterSteps = heat.map((k) => barLabels(k).join(' ')).join(' | ') === heat.map((k) => c.zrange[k].labelsEpoch.join(' ')).join(' | ');
      change('run');
      await frame();
      for (const k of heat) {
        const z = c.zrange[k];
        z.restored = z.pixels === pixels(k) && barLabels(k).join(' ') === z.labelsRun.join(' ') && note(k) === '';
        delete z.pixels;
      }
      c.zrangeState = String(S.local);
    }

    // downloads: the CSV of the margin at this epoch, and its SVG with the canvas drawn in
    const mf = M.F.find((g) => g.name === 'margin');
    c.csvLines = mf.csv().split('\n').length;
    c.csvHeader = mf.csv().split('\n')[0];
    const clone = mf.svg.cloneNode(true);
    mf.svgFix(clone);
    const im = clone.querySelector('g.data image');
    c.svgImage = !!im && im.getAttribute('href') !== mf.svg.querySelector('g.data image').getAttribute('href') && /^data:image\/png;base64,/.test(im.getAttribute('href'));

    // 50 slider steps, each committed synchronously and timed
    for (let k = 0; k < 50; k++) {
      M.select((k * 7 + 3) % S.T);
      const t0 = performance.now();
      M.commit();
      out.steps.push(performance.now() - t0);
    }
    out.base = location.href.replace(/[#?].*$/, '').replace(/[^/]*$/, '');
    out.resources = performance.getEntriesByType('resource').map((e) => e.name);
  }

  addEventListener('DOMContentLoaded', () => {
    run().catch((e) => out.errors.push('selftest: ' + str([e]))).finally(finish);
  });
})();
