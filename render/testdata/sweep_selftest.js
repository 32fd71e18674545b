// Injected by sweep_test.go into a copy of the sweep page after selftest_prelude.js (which
// records console errors and warnings, failed loads and uncaught errors): once the slider is
// ready, it moves it (recording the phase diagram's cells), sorts the table, follows #epoch=N
// and hovers the curves, and writes a JSON report into <pre id="selftest">.
(function () {
  'use strict';
  const { out, finish, sleep, until, $, $$ } = window.SELFTEST;
  const cellTexts = () => $$('#fig-phases g.cell text.acc').map((t) => t.textContent).join('|');
  // each cell's stripe colours, in order, and its label
  const stripes = () => $$('#fig-phases g.cell').map((g) => [...g.querySelectorAll('path')].map((p) => p.getAttribute('fill')).join(' ')).join('|');
  const labels = () => $$('#fig-phases g.cell text:not(.acc)').map((t) => t.textContent).join('|');
  // the widths of each cell's stripes add up to the cell's
  const widthsOK = () => $$('#fig-phases g.cell').every((g) => {
    const xs = [...g.querySelectorAll('path')].map((p) => p.getAttribute('d').match(/-?[\d.]+/g).map(Number).filter((_, i) => i % 2 === 0));
    const lo = Math.min(...xs.flat()), hi = Math.max(...xs.flat()), sum = xs.reduce((t, x) => t + Math.max(...x) - Math.min(...x), 0);
    return Math.abs(sum - (hi - lo)) < 0.05;
  });
  const marker = () => { const m = $('#fig-curves line.marker'); return m ? m.getAttribute('x1') : null; };
  const key = (k, shift) => document.dispatchEvent(new KeyboardEvent('keydown', { key: k, shiftKey: !!shift, bubbles: true }));
  async function run() {
    const M = window.MAXGROK_SWEEP_PAGE;
    if (!M) throw new Error('window.MAXGROK_SWEEP_PAGE is missing');
    const stripesStatic = stripes(), labelsStatic = labels();
    await M.ready;
    const c = out.checks, S = M.S;
    c.stripesStatic = stripesStatic; c.labelsStatic = labelsStatic;
    c.stripesOpen = stripes(); c.labelsOpen = labels();
    c.controlsShown = !$('#controls').hidden;
    c.initialEpoch = $('#epoch').textContent;
    c.initialHash = location.hash;
    c.cellsFinal = cellTexts();
    c.markerInitial = marker();
    const slider = $('#slider');
    slider.value = 2;
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await sleep(200);
    c.movedEpoch = $('#epoch').textContent;
    c.movedWant = String(S.E[2]);
    c.cellsMoved = cellTexts();
    c.stripesMoved = stripes(); c.labelsMoved = labels(); c.widthsMoved = widthsOK();
    c.markerMoved = marker();
    c.hashMoved = location.hash;
    key('End'); key('ArrowLeft'); key('ArrowLeft', true);
    c.afterKeys = $('#epoch').textContent;
    c.afterKeysWant = String(S.E[S.T - 12]);
    location.hash = '#epoch=' + S.E[3];
    await sleep(200);
    c.afterHash = $('#epoch').textContent;
    c.afterHashWant = String(S.E[3]);
    // Play (frames come in real time only, over http), then pause
    if (location.protocol === 'http:') {
      M.select(0);
      $('#play').click();
      c.played = await until(() => $('#epoch').textContent !== String(S.E[0]), 10000);
      c.playing = $('#play').getAttribute('aria-pressed');
      $('#play').click();
      c.paused = $('#play').getAttribute('aria-pressed');
      M.select(3);
    }
    M.select(S.T - 1);
    c.stripesEnd = stripes(); c.labelsEnd = labels(); c.widthsEnd = widthsOK();
    M.select(3);
    const a = $('#fig-phases svg a[href]');
    c.cellHref = a ? a.getAttribute('href') : '';
    // A cell of one run links to its report; a cell of several (a seed axis) to the list of its
    // runs under the figure, each linking to a report of the table.
    const reports = $$('#runs-table a').map((x) => x.getAttribute('href'));
    if (c.cellHref.startsWith('#')) {
      const li = document.getElementById(c.cellHref.slice(1));
      const links = li ? [...li.querySelectorAll('a')].map((x) => x.getAttribute('href')) : [];
      c.cellRunLinks = links.length > 1 && links.every((h) => reports.includes(h));
    } else {
      c.cellRunLinks = reports.includes(c.cellHref);
    }
    // sort by the grokked column, then again (descending)
    const ths = $$('#runs-table thead th');
    const col = ths.findIndex((th) => th.textContent.trim() === 'grokked');
    const column = () => $$('#runs-table tbody tr').map((tr) => tr.cells[col].dataset.v);
    ths[col].querySelector('button').click();
    c.sortedAsc = column();
    c.ariaSort = ths[col].getAttribute('aria-sort');
    ths[col].querySelector('button').click();
    c.sortedDesc = column();
    // hover the curves: the nearest one lights up and the tip names its run
    const svg = $('#fig-curves svg'), F = S.H.frames.curves, r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
    const t = S.T - 1, run = 0, y = F.y1 - (S.acc[run * S.T + t] / S.H.levels - F.y_min) / (F.y_max - F.y_min) * (F.y1 - F.y0);
    const x = F.x1 - 1;
    svg.dispatchEvent(new MouseEvent('mousemove', { clientX: r.left + x * r.width / vb.width, clientY: r.top + y * r.height / vb.height, bubbles: true }));
    const hi = $('#fig-curves g.curve.hi');
    c.hoverClass = hi ? hi.getAttribute('class') : '';
    const tip = $('.tip');
    c.tip = tip && !tip.hidden ? tip.textContent : '';
  }
  addEventListener('DOMContentLoaded', () => { run().catch((e) => out.errors.push('self-test: ' + (e.stack || e))).finally(finish); });
})();
