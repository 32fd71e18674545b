// Injected by browser_test.go into a copy of index.html after selftest_prelude.js (which records
// console errors and warnings, failed loads and uncaught errors from the start): once the
// slider is ready, it checks the page and writes a JSON report into <pre id="selftest">.
(function () {
  'use strict';
  const { out, str, finish, sleep, until, $ } = window.SELFTEST;
  Object.assign(out, { resources: [], base: '', steps: [], stepsLocal: [] });

  // The app commits on a microtask; a timer is enough to see the result. (requestAnimationFrame
  // is no use here: under --virtual-time-budget, headless Chromium makes few frames.)
  const frame = () => sleep(30);
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
      const x = fr.x0 + fx * (fr.x1 - fr.x0), y = fr.y0 + fy * (fr.y1 - fr.y0);
      f.plot.dispatchEvent(new PointerEvent('pointermove', {
        bubbles: true, pointerType: 'mouse', clientX: r.left + x * r.width / fr.width, clientY: r.top + y * r.height / fr.height,
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
      c.played = await until(() => $('#epoch').textContent !== String(S.E[0]), 10000);
      c.playing = $('#play').getAttribute('aria-pressed');
      $('#play').click();
    }

    // "Scale": "this epoch" at an early checkpoint, then "whole run" again. The heatmaps take the
    // checkpoint's colour range, the line and scatter figures its y range.
    const ssel = $('#scale'), heat = ['ov_centered', 'ov', 'margin'], lines = ['qk', 'pos_qk', 'irrelevant'];
    const change = (v) => { ssel.value = v; ssel.dispatchEvent(new Event('change', { bubbles: true })); };
    const fig = (name) => M.F.find((g) => g.name === name);
    // tick labels: of the colour bar (text.cbar-tick) or of the y axis (text.tick-y)
    const labels = (name, svg, cls) => Array.from((svg || fig(name).svg).querySelectorAll('text.' + cls), (t) => t.textContent);
    const barLabels = (name, svg) => labels(name, svg, 'cbar-tick');
    const yLabels = (name, svg) => labels(name, svg, 'tick-y');
    const note = (name) => { const n = $('#fig-' + name + ' .scale-note'); return n && !n.hidden ? n.textContent : ''; };
    // the zero line (path.zero): its path, or "hidden"
    const zero = (name) => {
      const z = $('#fig-' + name + ' svg path.zero');
      return !z ? '' : z.getAttribute('display') === 'none' ? 'hidden' : z.getAttribute('d');
    };
    const data = (name) => Array.from(fig(name).svg.querySelectorAll('g.data'), (g) => g.innerHTML).join('');
    // the vertical extent of the qk line, in SVG units
    const extent = () => {
      const ys = $('#fig-qk g.data path').getAttribute('d').replace(/^M/, '').split(/[L ]/).map((p) => +p.split(',')[1]);
      return Math.max(...ys) - Math.min(...ys);
    };
    const download = (name) => { const f = fig(name), clone = f.svg.cloneNode(true); if (f.svgFix) f.svgFix(clone); return clone; };
    M.select(1);
    await frame();
    c.scaleShown = !!ssel && !ssel.closest('label').hidden;
    c.scaleLabel = ssel ? ssel.closest('label').textContent.replace(/\s+/g, ' ').trim() : '';
    c.scaleDefault = ssel ? ssel.value : '';
    c.scale = {};
    c.lines = {};
    if (ssel) {
      const svgs = {};
      for (const k of heat.concat(lines)) svgs[k] = fig(k).svg.outerHTML;
      for (const k of heat) c.scale[k] = { pixels: pixels(k), strengthRun: strength(k), labelsRun: barLabels(k), noteRun: note(k) };
      for (const k of lines) {
        const fr = fig(k).fr;
        c.lines[k] = { frame: [fr.y_min, fr.y_max, fr.y0, fr.y1], labelsRun: yLabels(k), noteRun: note(k), zeroRun: zero(k), data: data(k) };
      }
      const extentRun = extent(), hash = location.hash;
      change('epoch');
      await frame();
      for (const k of heat) {
        const z = c.scale[k];
        z.changed = z.pixels !== pixels(k);
        z.strengthEpoch = strength(k);
        z.labelsEpoch = barLabels(k);
        z.noteEpoch = note(k);
        // the SVG download: this epoch's colours and the rescaled labels
        const clone = download(k);
        z.svgLabels = barLabels(k, clone);
        z.svgImage = clone.querySelector('g.data image').getAttribute('href') === fig(k).canvas.toDataURL('image/png');
      }
      for (const k of lines) {
        const l = c.lines[k], clone = download(k), d = clone.querySelector('desc');
        l.changed = l.data !== data(k);
        delete l.data;
        l.labelsEpoch = yLabels(k);
        l.noteEpoch = note(k);
        l.zeroEpoch = zero(k);
        // the SVG download: this epoch's data and labels, and the caption as its description
        l.svgLabels = yLabels(k, clone);
        l.svgData = Array.from(clone.querySelectorAll('g.data'), (g) => g.innerHTML).join('') === data(k);
        l.svgDesc = d ? d.textContent : '';
      }
      c.qkExtent = [extentRun, extent()];
      c.scaleHashKept = location.hash === hash;
      for (let k = 0; k < 50; k++) { // slider steps with the scale of each epoch
        M.select((k * 7 + 3) % S.T);
        const t0 = performance.now();
        M.commit();
        out.stepsLocal.push(performance.now() - t0);
      }
      // the first checkpoint: flat lines (all zero in the test's run) must still get finite labels
      M.select(0);
      await frame();
      for (const k of lines) {
        c.lines[k].labels0 = yLabels(k);
        c.lines[k].note0 = note(k);
        c.lines[k].finite0 = !/NaN|Infinity/.test(data(k) + zero(k));
      }
      M.select(1);
      await frame();
      const now = heat.map((k) => barLabels(k).join(' ')).concat(lines.map((k) => yLabels(k).join(' ')));
      c.scaleAfterSteps = now.join(' | ') === heat.map((k) => c.scale[k].labelsEpoch.join(' ')).concat(lines.map((k) => c.lines[k].labelsEpoch.join(' '))).join(' | ');
      change('run');
      await frame();
      for (const k of heat) {
        const z = c.scale[k];
        z.restored = z.pixels === pixels(k) && barLabels(k).join(' ') === z.labelsRun.join(' ') && note(k) === '' && fig(k).svg.outerHTML === svgs[k];
        delete z.pixels;
      }
      for (const k of lines) c.lines[k].restored = fig(k).svg.outerHTML === svgs[k] && note(k) === '';
      c.scaleState = String(S.local);
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
