/* maxgrok: the sweep page's slider, hover and sortable table.
 *
 * No dependencies, nothing from the network, no build step; without JavaScript the page shows
 * every figure at the final epoch and the table in sweep order. The payload (render/
 * sweep_payload.go documents it) holds every run's test accuracy at every slider epoch,
 * quantised, and its memorised and grokked epochs; the figures are found by their data-fig and
 * their parts by class: g.cell (data-cell K: its stripes, one path per phase, which the slider
 * redraws for the runs' phases so far, its label text and text.acc), g.curve.r-K (run K's
 * curve); this script adds line.marker on the figures over epochs. One state object, S; events change it and call commit(). What the
 * report's script does alike (the payload's Z85 and gzip, #epoch=N, the keys, Play) comes from
 * slider.js, loaded first (window.MaxgrokSlider).
 */
(() => {
  'use strict';
  const doc = document, body = doc.body, SVG_NS = 'http://www.w3.org/2000/svg';
  const $ = (id) => doc.getElementById(id);
  const epochEl = $('epoch'), slider = $('slider'), controls = $('controls'), statusEl = $('status'), playBtn = $('play');
  const S = { H: null, E: null, T: 0, acc: null, i: 0, hashTimer: 0, hover: -1 };
  const say = (msg) => { if (statusEl) statusEl.textContent = msg; };
  const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
  const SL = window.MaxgrokSlider;

  function parse(b) {
    if (String.fromCharCode(...b.subarray(0, 8)) !== 'MXGKSWP1') throw new Error('not a sweep payload');
    const n = b[8] | b[9] << 8 | b[10] << 16 | b[11] << 24;
    const H = JSON.parse(new TextDecoder().decode(b.subarray(12, 12 + n)));
    const T = H.epochs.length, R = H.runs.length, d = b.subarray(12 + n);
    if (d.length !== R * T) throw new Error('sweep payload: ' + d.length + ' bytes of data, want ' + R * T);
    const acc = new Uint8Array(R * T);
    for (let r = 0; r < R; r++) for (let t = 0, q = 0; t < T; t++) acc[r * T + t] = q = (q + d[r * T + t]) & 255;
    return { H, acc };
  }
  // a(r, t) is run r's test accuracy at slider position t, NaN where it has none
  const a = (r, t) => { const q = S.acc[r * S.T + t]; return q === 255 ? NaN : q / S.H.levels; };
  const pct = (x) => (Number.isNaN(x) ? '–' : Math.floor(x * 100 + 1e-9) + '%');

  const nearest = (n) => SL.nearest(S.E, n);

  // the figures' parts
  const figs = {};
  for (const f of doc.querySelectorAll('figure[data-fig]')) figs[f.dataset.fig] = { el: f, svg: f.querySelector('svg'), plot: f.querySelector('.plot') };
  const cells = [];
  const markers = [];

  // a run's phase as far as its metrics up to epoch e tell (render/sweep_figures.go, phaseSoFar)
  function phaseSoFar(run, e) {
    if (run.phase === 'diverged' || run.phase === 'failed') return run.phase;
    if (run.memorised < 0 || run.memorised > e) return 'confusion';
    if (run.grokked < 0 || run.grokked > e) return 'memorization';
    return run.phase;
  }
  // a cell's label at epoch e: the median grokked epoch reached by then (phaseGrid.viewAt)
  function cellLabel(c, e) {
    const key = (g) => (g < 0 ? Infinity : g);
    const g = c.runs.map((r) => { const x = S.H.runs[r].grokked; return x > e ? -1 : x; });
    g.sort((p, q) => key(p) - key(q) || 0);
    const m = g[(g.length - 1) >> 1];
    return m >= 0 ? 'grok ' + m : e >= S.E[S.T - 1] ? 'never' : 'not yet';
  }
  // paint redraws cell c's stripes, one per phase in the header's order, each as wide as its
  // share of the cell's runs (phaseGrid.draw), when the counts change.
  function paint(c, e) {
    const counts = S.H.phases.map(([ph]) => c.runs.reduce((n, r) => n + (phaseSoFar(S.H.runs[r], e) === ph), 0));
    const key = counts.join(',');
    if (key === c.key) return;
    c.key = key;
    const B = c.box, w = B.x1 - B.x0;
    let x = B.x0, i = 0;
    counts.forEach((n, p) => {
      if (!n) return;
      let el = c.paths[i++];
      if (!el) { el = doc.createElementNS(SVG_NS, 'path'); el.setAttribute('fill-opacity', c.opacity); c.g.insertBefore(el, c.label || c.text); c.paths.push(el); }
      const x1 = x + w * n / c.runs.length;
      el.setAttribute('d', 'M' + x.toFixed(2) + ',' + B.y1 + 'L' + x1.toFixed(2) + ',' + B.y1 + 'L' + x1.toFixed(2) + ',' + B.y0 + 'L' + x.toFixed(2) + ',' + B.y0 + 'Z');
      el.setAttribute('fill', S.H.phases[p][1]);
      x = x1;
    });
    for (const el of c.paths.splice(i)) el.remove();
  }

  function commit() {
    const t = S.i, e = S.E[t];
    epochEl.textContent = e;
    slider.value = t;
    slider.setAttribute('aria-valuetext', 'epoch ' + e);
    for (const c of cells) {
      if (!c) continue;
      let sum = 0, n = 0;
      for (const r of c.runs) { const v = a(r, t); if (!Number.isNaN(v)) { sum += v; n++; } }
      const s = 'test ' + (n ? pct(sum / n) : '–');
      if (c.text && c.text.textContent !== s) c.text.textContent = s;
      if (c.box) paint(c, e);
      const l = cellLabel(c, e);
      if (c.label && c.label.textContent !== l) c.label.textContent = l;
    }
    for (const m of markers) {
      const F = m.frame, x = F.x0 + (e - F.x_min) / (F.x_max - F.x_min || 1) * (F.x1 - F.x0);
      m.line.setAttribute('x1', x.toFixed(2)); m.line.setAttribute('x2', x.toFixed(2));
    }
    clearTimeout(S.hashTimer);
    S.hashTimer = setTimeout(() => { try { history.replaceState(history.state, '', '#epoch=' + e); } catch (err) { /* rate limited */ } }, 120);
  }
  function select(t) { S.i = clamp(t | 0, 0, S.T - 1); commit(); }
  // Play: a step every 60 ms (300 ms with reduced motion)
  const player = SL && SL.player({ button: playBtn, rate: 1000 / 60, at: () => S.i, count: () => S.T, select });

  // ---- hover: the curve nearest the pointer, and its run
  let tip = null;
  function showTip(x, y, s) {
    if (!tip) { tip = doc.createElement('div'); tip.className = 'tip'; body.appendChild(tip); }
    tip.textContent = s; tip.hidden = false;
    tip.style.left = Math.min(x + 14, innerWidth - tip.offsetWidth - 4) + 'px';
    tip.style.top = (y + 14) + 'px';
  }
  function hideTip() { if (tip) tip.hidden = true; }
  function highlight(k) {
    const f = figs.curves;
    if (!f || S.hover === k) return;
    if (S.hover >= 0) { const g = f.svg.querySelector('g.curve.r-' + S.hover); if (g) g.classList.remove('hi'); }
    S.hover = k;
    f.plot.classList.toggle('hovering', k >= 0);
    for (const tr of doc.querySelectorAll('#runs-table tr.hi')) tr.classList.remove('hi');
    if (k < 0) return;
    const g = f.svg.querySelector('g.curve.r-' + k);
    if (g) { g.classList.add('hi'); g.parentNode.appendChild(g); }
    const tr = doc.querySelector('#runs-table tr[data-run="' + k + '"]');
    if (tr) tr.classList.add('hi');
  }
  function svgPoint(svg, ev) {
    const r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
    return [(ev.clientX - r.left) * vb.width / r.width, (ev.clientY - r.top) * vb.height / r.height];
  }
  function onCurvesMove(ev) {
    const f = figs.curves, F = S.H.frames.curves;
    const [x, y] = svgPoint(f.svg, ev);
    if (x < F.x0 - 4 || x > F.x1 + 4 || y < F.y0 - 4 || y > F.y1 + 4) { highlight(-1); hideTip(); return; }
    const e = F.x_min + (x - F.x0) / (F.x1 - F.x0) * (F.x_max - F.x_min);
    const v = F.y_min + (F.y1 - y) / (F.y1 - F.y0) * (F.y_max - F.y_min);
    const t = nearest(e);
    let best = -1, bd = Infinity;
    for (let r = 0; r < S.H.runs.length; r++) {
      const d = Math.abs(a(r, t) - v);
      if (d < bd) { bd = d; best = r; }
    }
    if (best < 0) { highlight(-1); hideTip(); return; }
    highlight(best);
    const run = S.H.runs[best];
    showTip(ev.clientX, ev.clientY, run.name + '\n' + run.phase + '\nepoch ' + S.E[t] + ': test acc ' + pct(a(best, t)));
  }
  function onCellMove(ev) {
    const g = ev.target.closest && ev.target.closest('g.cell');
    if (!g) { hideTip(); return; }
    const c = cells[g.dataset.cell | 0];
    if (!c) return;
    const lines = c.runs.slice(0, 12).map((r) => S.H.runs[r].name + ': ' + S.H.runs[r].phase + ', test ' + pct(a(r, S.i)));
    if (c.runs.length > 12) lines.push('… ' + (c.runs.length - 12) + ' more');
    showTip(ev.clientX, ev.clientY, lines.join('\n'));
  }

  // ---- the table, sortable by any column
  function initTable() {
    const table = $('runs-table');
    if (!table) return;
    const tbody = table.tBodies[0];
    table.tHead.querySelectorAll('th').forEach((th, col) => {
      const btn = th.querySelector('button');
      if (!btn) return;
      btn.addEventListener('click', () => {
        const asc = th.getAttribute('aria-sort') !== 'ascending';
        for (const o of table.tHead.querySelectorAll('th')) o.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        const key = (tr) => { const td = tr.cells[col]; return td.dataset.v !== undefined ? td.dataset.v : td.textContent; };
        const rows = Array.from(tbody.rows);
        rows.sort((p, q) => {
          const u = key(p), w = key(q), nu = Number(u), nw = Number(w);
          const c = (u !== '' && w !== '' && !Number.isNaN(nu) && !Number.isNaN(nw)) ? (nu < nw ? -1 : nu > nw ? 1 : 0) : u.localeCompare(w, undefined, { numeric: true });
          return (asc ? c : -c) || (p.dataset.run - q.dataset.run);
        });
        for (const r of rows) tbody.appendChild(r);
      });
    });
  }

  function init(P) {
    S.H = P.H; S.acc = P.acc; S.E = P.H.epochs; S.T = S.E.length;
    if (!S.T) { say('No run has checkpoints.'); return; }
    const ph = figs.phases;
    if (ph && S.H.cells) {
      for (const g of ph.svg.querySelectorAll('g.cell')) {
        const k = g.dataset.cell | 0, runs = S.H.cells[k] || [];
        const c = cells[k] = { runs, g, text: g.querySelector('text.acc'), label: g.querySelector('text:not(.acc)'), paths: [...g.querySelectorAll('path')] };
        // the cell's box, from its stripes' corners; the static stripes are the final epoch's
        const v = c.paths.flatMap((p) => (p.getAttribute('d').match(/-?[\d.]+/g) || []).map(Number));
        if (runs.length && v.length >= 8) {
          const xs = v.filter((_, i) => i % 2 === 0), ys = v.filter((_, i) => i % 2 === 1);
          c.box = { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...ys).toFixed(2), y1: Math.max(...ys).toFixed(2) };
          c.opacity = c.paths[0].getAttribute('fill-opacity') || '0.5';
          c.key = S.H.phases.map(([ph]) => runs.filter((r) => S.H.runs[r].phase === ph).length).join(',');
        }
      }
      ph.svg.addEventListener('mousemove', onCellMove);
      ph.svg.addEventListener('mouseleave', hideTip);
    }
    for (const name in S.H.frames) {
      const f = figs[name];
      if (!f || !f.svg) continue;
      const F = S.H.frames[name], line = doc.createElementNS(SVG_NS, 'line');
      line.setAttribute('class', 'marker');
      line.setAttribute('y1', F.y0); line.setAttribute('y2', F.y1);
      f.svg.appendChild(line);
      markers.push({ frame: F, line });
    }
    if (figs.curves && S.H.frames.curves) {
      figs.curves.svg.addEventListener('mousemove', onCurvesMove);
      figs.curves.svg.addEventListener('mouseleave', () => { highlight(-1); hideTip(); });
    }
    S.i = SL.controls({ el: controls, slider, E: S.E, player, at: () => S.i, select });
    say('');
    commit();
  }

  async function main() {
    initTable();
    if (!epochEl || !slider || !controls) return;
    if (!SL) throw new Error('slider.js is missing');
    if (typeof DecompressionStream !== 'function') { say('This browser cannot decompress the slider data: the figures show the final epoch.'); return; }
    say('Loading every run’s test accuracy…');
    await SL.loadScript(body.dataset.payload);
    const p = window.MAXGROK_SWEEP;
    delete window.MAXGROK_SWEEP;
    if (!p || p.enc !== 'gzip') throw new Error('unexpected payload in ' + body.dataset.payload);
    init(parse(await SL.inflate(SL.z85(p.z85, p.size), 'gzip')));
  }

  // for tests and the console
  const api = window.MAXGROK_SWEEP_PAGE = { S, select, nearest, highlight, cells };
  api.ready = main().catch((err) => { say('The slider could not start: ' + err.message); console.error(err); });
})();
