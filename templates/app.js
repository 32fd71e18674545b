/* maxgrok: the epoch slider of the report.
 *
 * Non-features: no dependencies and nothing from the network; no framework, no build step; no
 * analysis is computed here (the payload holds every series, precomputed, and the page only
 * looks values up, or, for "Scale: this epoch", finds a figure's range at a checkpoint); no
 * zoom or pan; no animation except Play, which never starts by itself; without JavaScript, or
 * without DecompressionStream, the page stays as written: every figure at the final epoch.
 *
 * The contract with the Go side (render/payload.go documents the payload, render/figures.go the
 * SVG classes): the payload header lists every array and every figure with its kind, its frame
 * and the series it draws; this script branches on a figure's kind and reads its series from
 * the header, never from its name. In the SVG it finds what it updates by class: g.data (the
 * data, one group per series), path.zero (the line y = 0), text.tick-y (y tick labels),
 * text.cbar-tick (colour bar tick labels); it adds line.marker (the epoch on a series figure).
 *
 * One state object, S. Events only change S and call schedule(); commit() runs once for all the
 * changes of an event or a frame and writes only what changed: the epoch text, the slider, the
 * hash, the figures not yet drawn at the selected checkpoint (and scale), the tooltip.
 *
 * What the sweep page's script does alike comes from slider.js, loaded first (window.
 * MaxgrokSlider: Z85, loading and inflating the payload, #epoch=N and the nearest checkpoint,
 * the keys, Play).
 */
(() => {
  'use strict';
  const doc = document, body = doc.body, SVG_NS = 'http://www.w3.org/2000/svg';
  const $ = (id) => doc.getElementById(id);
  const epochEl = $('epoch'), slider = $('slider'), controls = $('controls'), statusEl = $('status');
  const playBtn = $('play'), speedSel = $('speed'), scaleSel = $('scale');
  const say = (msg) => { if (statusEl) statusEl.textContent = msg; };
  const SL = window.MaxgrokSlider;
  if (!SL) { say('The slider could not start (slider.js is missing): the figures show the final epoch.'); return; }

  const S = {
    P: null, T: 0, E: null,          // the payload, its number of checkpoints, the checkpoint epochs
    i: 0, shown: -1,                 // the selected checkpoint; the one the page shows
    speed: 1,                        // Play's speed (player.playing: whether it plays)
    local: false, localShown: false, // "Scale: this epoch": heatmap colours and the y axes of line figures fit the checkpoint
    hashDue: false, hashAt: -1e9, hashTimer: 0,
    tip: null, tipDirty: false, queued: false, lastCommit: 0, ready: false,
  };
  const F = []; // one controller per animated or series figure

  const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
  // fmt prints a value to 4 significant digits
  const fmt = (v) => {
    if (!Number.isFinite(v)) return String(v);
    if (v === 0) return '0';
    const a = Math.abs(v);
    return a >= 1e-4 && a < 1e6 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
  };
  const r2 = (x) => Math.round(x * 100) / 100; // SVG coordinates, as the Go side rounds them
  const r3 = (x) => fmt(Number(x.toPrecision(3))).replace(/^-/, '\u2212'); // for captions
  const coarse = (n, step) => (n < 20 ? '; coarse: values are stored in steps of ' + r3(step) : '');
  // ems is a label's width in ems, about
  const ems = (s) => s.length * 0.556 - (s.length - s.replace(/[.-]/g, '').length) * 0.256;

  // ---- the payload

  // The decoders of the array encodings (render/payload.go describes them).

  // words turns "i32" and "f32" bytes (differences of 32-bit words in four byte planes, top
  // bytes first) into n words.
  function words(b, n) {
    const out = new Uint32Array(n);
    for (let i = 0, acc = 0; i < n; i++) {
      acc = (acc + (b[i] << 24 | b[n + i] << 16 | b[2 * n + i] << 8 | b[3 * n + i])) >>> 0;
      out[i] = acc;
    }
    return out;
  }

  // TRITS[5c .. 5c+5) are the five differences (mod 256) of the "q8" group byte c < 243.
  const Q8_ESCAPE = 243, TRITS = new Uint8Array(5 * Q8_ESCAPE);
  for (let c = 0; c < Q8_ESCAPE; c++) for (let i = 0, x = c; i < 5; i++, x = (x / 3) | 0) TRITS[5 * c + i] = [0, 1, 255][x % 3];

  // q8 turns "q8" bytes (checkpoint 0, then element-major differences five to a byte, then the
  // escaped groups) into T·M checkpoint-major values.
  function q8(b, T, M) {
    const n = M * (T - 1), G = Math.ceil(n / 5), d = new Uint8Array(5 * G), out = new Int8Array(T * M);
    if (b.length < M + G) throw new Error('short q8 array');
    let e = M + G;
    for (let g = 0, j = 0; g < G; g++, j += 5) {
      const c = b[M + g];
      let s = 5 * c, src = TRITS;
      if (c === Q8_ESCAPE) { s = e; src = b; e += 5; } else if (c > Q8_ESCAPE) throw new Error('bad q8 group');
      d[j] = src[s]; d[j + 1] = src[s + 1]; d[j + 2] = src[s + 2]; d[j + 3] = src[s + 3]; d[j + 4] = src[s + 4];
    }
    if (e !== b.length) throw new Error('bad q8 escapes');
    for (let k = 0; k < M; k++) {
      let acc = out[k] = b[k] << 24 >> 24;
      for (let t = 1, j = k * (T - 1); t < T; t++, j++) out[t * M + k] = acc = (acc + d[j]) << 24 >> 24;
    }
    return out;
  }

  // q16 turns "q16" bytes (element-major zigzag residuals of a linear prediction, high bytes
  // then low bytes) into T·M checkpoint-major values.
  function q16(b, T, M) {
    const N = T * M, out = new Int16Array(N);
    if (b.length !== 2 * N) throw new Error('bad q16 array');
    for (let k = 0; k < M; k++) {
      let q1 = 0, q2 = 0; // the two previous values
      for (let t = 0, j = k * T; t < T; t++, j++) {
        const z = b[j] << 8 | b[N + j], p = t === 0 ? 0 : t === 1 ? q1 : 2 * q1 - q2;
        const q = (p + ((z >>> 1) ^ -(z & 1))) << 16 >> 16;
        out[t * M + k] = q;
        q2 = q1; q1 = q;
      }
    }
    return out;
  }

  // derive computes a "derived" array from its source. "centre": a[t, x, y] = src[t, x, y] −
  // src[t, x, x], on the quantised values, so its error is two half-steps.
  function derive(a, src) {
    if (!src || a.derive !== 'centre' || a.shape.length !== 3) throw new Error('cannot derive ' + a.name);
    const V = a.shape[1], q = src.v, v = new Int16Array(q.length);
    for (let row = 0; row < q.length; row += V) {
      const d = q[row + (row / V) % V];
      for (let y = 0; y < V; y++) v[row + y] = q[row + y] - d;
    }
    return { v, scale: src.scale, shape: a.shape, over: a.over, lim: 2 * src.lim, err: 2 * src.err };
  }

  // parse returns the payload's header with A: every array by name, as { v: values (quantised
  // for q8, q16 and derived arrays: multiply by scale), scale, shape, over, lim: the largest
  // |v|, err: the largest error of v·scale }.
  function parse(buf) {
    const magic = String.fromCharCode.apply(null, buf.subarray(0, 8));
    if (magic !== 'MXGKPAY2') throw new Error('not a maxgrok payload (version 2)');
    const h = new DataView(buf.buffer, buf.byteOffset).getUint32(8, true);
    const hdr = JSON.parse(new TextDecoder().decode(buf.subarray(12, 12 + h)));
    const data = buf.subarray(12 + h), A = {};
    for (const a of hdr.arrays) {
      if (a.enc === 'derived') continue;
      const n = a.shape.reduce((x, y) => x * y, 1), b = data.subarray(a.offset, a.offset + a.size), T = a.shape[0];
      let v;
      if (a.enc === 'i32' || a.enc === 'f32') {
        if (b.length !== 4 * n) throw new Error('bad array ' + a.name);
        const w = words(b, n);
        v = a.enc === 'i32' ? new Int32Array(w.buffer) : new Float32Array(w.buffer);
      } else if (a.enc === 'u8' && b.length === n) v = b.slice();
      else if (a.enc === 'q8') v = q8(b, T, n / T);
      else if (a.enc === 'q16') v = q16(b, T, n / T);
      else throw new Error('cannot decode ' + a.name + ' (' + a.enc + ')');
      const scale = a.scale || 0;
      A[a.name] = { v, scale, shape: a.shape, over: a.over || '', lim: a.bits ? 2 ** (a.bits - 1) - 1 : 0, err: scale / 2 };
    }
    for (const a of hdr.arrays) if (a.enc === 'derived') A[a.name] = derive(a, A[a.from]);
    hdr.A = A;
    return hdr;
  }

  // ---- figures

  function diverging(colormap, t) { // as render.Diverging
    if (!(t === t)) t = 0;
    t = clamp(t, -1, 1);
    const n = colormap.length - 1, x = (t + 1) / 2 * n, i = Math.floor(x);
    if (i >= n) return colormap[n];
    const f = x - i, a = colormap[i], b = colormap[i + 1];
    return [0, 1, 2].map((c) => Math.round(a[c] + f * (b[c] - a[c])));
  }

  // mapper maps data to SVG units with a figure's frame (X, Y) and back (x).
  function mapper(fr) {
    const l = (y) => (fr.log_y ? Math.log(y) : y);
    const y0 = l(fr.y_min), y1 = l(fr.y_max);
    return {
      X: (x) => fr.x0 + (x - fr.x_min) / (fr.x_max - fr.x_min) * (fr.x1 - fr.x0),
      Y: (y) => fr.y1 - (l(y) - y0) / (y1 - y0) * (fr.y1 - fr.y0),
      x: (px) => fr.x_min + (px - fr.x0) / (fr.x1 - fr.x0) * (fr.x_max - fr.x_min),
    };
  }

  // relabel takes the tick labels of class cls, adds a caption under the figure, and sets
  // f.relabel(key, map, text): label v now reads map(v) (no map: as drawn), with fixed decimals
  // (two significant digits of the smallest gap), set smaller if too wide; text is the caption.
  // It returns false, doing nothing, if key is unchanged.
  function relabel(f, cls) {
    const ticks = Array.from(f.svg.querySelectorAll('text.' + cls), (t) => ({ t, s: t.textContent, v: parseFloat(t.textContent.replace('\u2212', '-')) }));
    const note = doc.createElement('p');
    note.className = 'scale-note';
    note.hidden = true;
    f.plot.after(note);
    f.svgFix = (clone) => { // the download states the scale too
      if (!note.hidden) clone.prepend(Object.assign(doc.createElementNS(SVG_NS, 'desc'), { textContent: note.textContent }));
    };
    const wide = Math.max(0, ...ticks.map((k) => ems(k.s))) + 0.5;
    let shown = null;
    f.relabel = (key, map, text) => {
      if (key === shown) return false;
      shown = key;
      let s = ticks.map((k) => k.s);
      if (map) {
        const v = ticks.map((k) => map(k.v));
        const gap = Math.min(...v.slice(1).map((x, j) => Math.abs(x - v[j]) || Infinity));
        const decimals = clamp(1 - Math.floor(Math.log10(gap)), 0, 9) || 0;
        s = v.map((x) => x.toFixed(decimals).replace(/^-(0\.?0*)$/, '$1'));
      }
      const w = Math.max(0, ...s.map(ems));
      ticks.forEach((k, j) => {
        k.t.textContent = s[j];
        if (w > wide) k.t.setAttribute('font-size', (wide / w).toFixed(2) + 'em'); else k.t.removeAttribute('font-size');
      });
      note.hidden = !map;
      note.textContent = map ? text : '';
      return true;
    };
  }

  function download(name, type, text) {
    const a = doc.createElement('a');
    a.href = URL.createObjectURL(new Blob([text], { type }));
    a.download = name;
    body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  // controller returns the parts every figure controller has.
  function controller(el, pf) {
    const svg = el.querySelector('.plot > svg');
    return { el, name: pf.name, kind: pf.kind, fr: pf.frame, svg, plot: svg.parentNode, m: mapper(pf.frame), drawn: -1 };
  }

  // lineFigure animates a line or scatter figure in place: each series' <g class="data"> gets a
  // new path (line) or its glyphs moved vertically (scatter). With S.local the y axis spans the
  // checkpoint's values, padded 5%: the data, the y labels and the zero line follow; ticks and
  // grid stay.
  function lineFigure(el, pf, P) {
    const f = controller(el, pf), T = S.T, fr = pf.frame, groups = el.querySelectorAll('g.data');
    const len = pf.x_count, isLine = pf.kind === 'line';
    if (fr.log_y || !len || groups.length !== pf.series.length) return null;
    f.lines = pf.series.map((sr, s) => {
      const a = P.A[sr.array], off = sr.offset || 0;
      if (!a) return null;
      const M = a.v.length / T, kids = Array.from(groups[s].children);
      if (isLine ? kids.length !== 1 : kids.length % len) return null;
      return {
        label: sr.label, at: (i, x) => a.v[i * M + off + x] * a.scale, step: a.scale,
        kids, d0: isLine ? kids[0].getAttribute('d') : '', perValue: kids.length / len, dy: [],
      };
    });
    if (f.lines.includes(null)) return null;
    // span(i, j): the smallest and largest value of all series at checkpoints i..j
    const span = (i, j) => {
      let lo = Infinity, hi = -Infinity;
      for (; i <= j; i++) for (const s of f.lines) for (let x = 0; x < len; x++) { const v = s.at(i, x); if (v < lo) lo = v; if (v > hi) hi = v; }
      return [lo, hi];
    };
    const run = span(0, T - 1), step = Math.max(...f.lines.map((s) => s.step));
    relabel(f, 'tick-y');
    const zero = f.svg.querySelector('path.zero'), zeroD = zero && zero.getAttribute('d');
    f.draw = (i) => {
      let lo = fr.y_min, hi = fr.y_max;
      const [a, b] = span(i, i);
      if (S.local) {
        const d = (b - a) / 20 || Math.abs(a) / 10 || (hi - lo) / 20; // too flat: a small range around the value
        lo = a - d; hi = b + d;
      }
      const Y = (y) => fr.y1 - (y - lo) / (hi - lo) * (fr.y1 - fr.y0);
      const relabelled = f.relabel(S.local ? lo + ' ' + hi : '', S.local && ((v) => lo + (v - fr.y_min) / (fr.y_max - fr.y_min) * (hi - lo)),
        'y range ' + r3(a) + ' to ' + r3(b) + ' at this epoch (whole run: ' + r3(run[0]) + ' to ' + r3(run[1]) + coarse((b - a) / step, step) + ')');
      if (relabelled && zero) {
        const y = r2(Y(0));
        zero.setAttribute('d', S.local ? zeroD.replace(/,[^L]+/g, ',' + y) : zeroD);
        if (S.local && !(y >= fr.y0 && y <= fr.y1)) zero.setAttribute('display', 'none'); else zero.removeAttribute('display');
      }
      for (const s of f.lines) {
        if (isLine) {
          let d = s.d0; // as drawn, simplified, at the last checkpoint on the run's scale
          if (i !== T - 1 || S.local) {
            d = 'M';
            for (let x = 0; x < len; x++) d += (x ? ' ' : '') + r2(f.m.X(x)) + ',' + r2(Y(s.at(i, x)));
          }
          s.kids[0].setAttribute('d', d);
          continue;
        }
        for (let x = 0; x < len; x++) { // the glyphs, drawn at the last checkpoint, move by dy
          const dy = r2(Y(s.at(i, x)) - f.m.Y(s.at(T - 1, x)));
          if (s.dy[x] === dy) continue;
          s.dy[x] = dy;
          for (let k = 0; k < s.perValue; k++) {
            const e = s.kids[x * s.perValue + k];
            if (dy) e.setAttribute('transform', 'translate(0,' + dy + ')'); else e.removeAttribute('transform');
          }
        }
      }
    };
    const axis = pf.axis_labels[0];
    f.tip = (x) => {
      const j = Math.round(f.m.x(x));
      if (j < 0 || j >= len) return '';
      return axis + ' ' + j + f.lines.map((s) => '\n' + s.label + ': ' + fmt(s.at(S.i, j)) + ' ±' + fmt(s.step / 2)).join('');
    };
    f.csv = () => {
      let out = axis + ',' + f.lines.map((s) => s.label).join(',') + '\n';
      for (let j = 0; j < len; j++) out += j + ',' + f.lines.map((s) => s.at(S.i, j)).join(',') + '\n';
      return out;
    };
    return f;
  }

  // heatFigure draws a heatmap on a V×V canvas under the SVG, whose data image it hides. With
  // S.local the colour range is ±(the checkpoint's largest |value|), not the run's ±z_max: the
  // colour bar's ticks stay, their labels are rescaled, and a caption gives the range.
  function heatFigure(el, pf, P) {
    const f = controller(el, pf), V = P.vocab, N = V * V, fr = pf.frame, T = S.T;
    const sr = pf.series[0], a = sr && P.A[sr.array];
    if (!a || !(a.v.length === T * N)) return null;
    const mask = pf.marks ? P.A[pf.marks].v : null;
    const img = f.svg.querySelector('g.data');
    const cv = doc.createElement('canvas');
    cv.width = cv.height = V;
    const pct = (x, w) => (100 * x / w) + '%';
    Object.assign(cv.style, {
      left: pct(fr.x0, fr.width), top: pct(fr.y0, fr.height),
      width: pct(fr.x1 - fr.x0, fr.width), height: pct(fr.y1 - fr.y0, fr.height),
    });
    cv.setAttribute('aria-hidden', 'true');
    f.plot.insertBefore(cv, f.svg);
    if (img) img.style.display = 'none';
    const ctx = cv.getContext('2d'), id = ctx.createImageData(V, V), px = new Uint32Array(id.data.buffer);
    // lut[q + off] is the colour of the quantised value q (q in -off..off) on the range ±z
    const off = a.lim, Z = fr.z_max || 1, gamma = fr.z_gamma || 1, lut = new Uint32Array(2 * off + 1);
    let lutZ = 0;
    const setLut = (z) => {
      if (z === lutZ) return;
      lutZ = z;
      for (let q = -off; q <= off; q++) {
        const t = q * a.scale / z, c = diverging(P.colormap, gamma === 1 ? t : Math.sign(t) * Math.pow(Math.abs(t), gamma)); // as render.colorPosition
        lut[q + off] = (255 << 24 | c[2] << 16 | c[1] << 8 | c[0]) >>> 0; // RGBA, little-endian
      }
    };
    const value = (i, r, c) => a.v[i * N + r * V + c] * a.scale;
    // top[i]: the largest |quantised value| at checkpoint i (at least 1), found when first needed
    const top = new Int16Array(T);
    const range = (i) => {
      if (!top[i]) {
        let m = 1;
        for (let k = i * N; k < (i + 1) * N; k++) m = Math.max(m, Math.abs(a.v[k]));
        top[i] = m;
      }
      return top[i] * a.scale;
    };
    relabel(f, 'cbar-tick');
    f.canvas = cv;
    f.draw = (i) => {
      const z = S.local ? range(i) : Z;
      setLut(z);
      const q = a.v.subarray(i * N, (i + 1) * N);
      for (let r = 0; r < V; r++) { // row r of the data is row V-1-r of the image
        const row = r * V, o = (V - 1 - r) * V;
        for (let c = 0; c < V; c++) px[o + c] = lut[q[row + c] + off];
      }
      ctx.putImageData(id, 0, 0);
      f.relabel(S.local ? z : -1, S.local && ((v) => v * z / Z),
        'Colour range ±' + r3(z) + ' at this epoch (whole run: ±' + r3(Z) + coarse(top[i], a.scale) + ')');
    };
    const names = [pf.axis_labels[0], pf.axis_labels[1], sr.label]; // row, column, value
    f.tip = (x, y) => {
      const c = Math.floor((x - fr.x0) / (fr.x1 - fr.x0) * V), r = V - 1 - Math.floor((y - fr.y0) / (fr.y1 - fr.y0) * V);
      if (c < 0 || c >= V || r < 0 || r >= V) return '';
      return names[0] + ' ' + r + ', ' + names[1] + ' ' + c + '\n' + names[2] + ': ' + fmt(value(S.i, r, c)) + ' ±' + fmt(a.err) +
        (mask ? (mask[r * V + c] ? '\ntraining pair' : '\ntest pair') : '');
    };
    f.csv = () => {
      let out = names.join(',').replace(/ /g, '_') + (mask ? ',train' : '') + '\n';
      for (let r = 0; r < V; r++) for (let c = 0; c < V; c++) {
        out += r + ',' + c + ',' + Number(value(S.i, r, c).toPrecision(6)) + (mask ? ',' + mask[r * V + c] : '') + '\n';
      }
      return out;
    };
    const addDesc = f.svgFix;
    f.svgFix = (clone) => { // the download shows the canvas
      const g = clone.querySelector('g.data');
      if (!g) return;
      g.style.display = '';
      const im = g.querySelector('image');
      if (im) im.setAttribute('href', cv.toDataURL('image/png'));
      addDesc(clone);
    };
    return f;
  }

  // seriesFigure marks the selected epoch on a whole-run figure, and scrubs on hover or drag.
  function seriesFigure(el, pf, P) {
    const f = controller(el, pf), E = S.E, fr = pf.frame;
    const marker = doc.createElementNS(SVG_NS, 'line');
    marker.setAttribute('class', 'marker');
    marker.setAttribute('stroke', 'currentColor'); // also in a downloaded SVG, without the page's CSS
    marker.setAttribute('stroke-dasharray', '4 3');
    marker.setAttribute('y1', fr.y0);
    marker.setAttribute('y2', fr.y1);
    f.svg.appendChild(marker);
    // cols: [label, value at epoch e or undefined] for each series; per-checkpoint arrays have
    // values at checkpoint epochs only
    const cols = pf.series.map((sr) => {
      const a = P.A[sr.array];
      if (!a) return null;
      const at = a.over === 'epochs' ? (e) => a.v[e] : (e) => { const i = indexOf(e); return i < 0 ? undefined : a.v[i]; };
      return [sr.label, at];
    });
    if (!cols.length || cols.includes(null)) return null;
    f.draw = (i) => {
      const x = r2(f.m.X(E[i]));
      marker.setAttribute('x1', x);
      marker.setAttribute('x2', x);
    };
    f.epochAt = (x) => clamp(Math.round(f.m.x(x)), 0, E[S.T - 1]);
    const axis = pf.axis_labels[0];
    f.tip = (x) => {
      const e = f.epochAt(x), j = nearest(e), at = (e2) => cols.map(([l, g]) => [l, g(e2)]).filter((c) => c[1] !== undefined);
      let s = axis + ' ' + e + at(e).map(([l, v]) => '\n' + l + ': ' + fmt(v)).join('');
      if (E[j] !== e) s += '\ncheckpoint ' + E[j] + at(E[j]).map(([l, v]) => '\n' + l + ': ' + fmt(v)).join('');
      return s;
    };
    f.csv = () => {
      let out = axis + ',' + cols.map((c) => c[0].replace(/ /g, '_')).join(',') + '\n';
      const last = E[S.T - 1];
      for (let e = 0; e <= last; e++) {
        const row = cols.map(([, g]) => g(e));
        if (row.some((v) => v !== undefined)) out += e + ',' + row.map((v) => (v === undefined ? '' : v)).join(',') + '\n';
      }
      return out;
    };
    f.scrubs = true;
    return f;
  }

  // the controller of each figure kind
  const KINDS = { line: lineFigure, scatter: lineFigure, heatmap: heatFigure, series: seriesFigure };

  function indexOf(e) { // the checkpoint index of epoch e, or -1
    const j = nearest(e);
    return S.E[j] === e ? j : -1;
  }

  // nearest returns the checkpoint nearest to epoch n, the earlier one on a tie.
  const nearest = (n) => SL.nearest(S.E, n);

  // ---- state changes

  // schedule queues one commit on a microtask (as uPlot does): the changes one event makes, or
  // one Play frame, give one commit. Input events come at most once a frame.
  function schedule() {
    if (S.queued) return;
    S.queued = true;
    queueMicrotask(commit);
  }

  // select makes checkpoint i the selected one; the hash follows unless quiet.
  function select(i, quiet) {
    i = clamp(i | 0, 0, S.T - 1);
    if (!quiet) S.hashDue = true;
    if (i === S.i && S.shown === i) return;
    S.i = i;
    S.tipDirty = true;
    schedule();
  }

  function writeHash() {
    S.hashTimer = 0;
    S.hashAt = performance.now();
    try { history.replaceState(history.state, '', '#epoch=' + S.E[S.shown]); } catch (e) { /* rate limited */ }
  }

  function commit() {
    S.queued = false;
    if (!S.ready) return;
    const t0 = performance.now(), i = S.i;
    if (S.localShown !== S.local) {
      S.localShown = S.local;
      if (scaleSel) scaleSel.value = S.local ? 'epoch' : 'run';
      for (const f of F) if (f.relabel) f.drawn = -1;
    }
    if (S.shown !== i) {
      S.shown = i;
      const e = S.E[i];
      epochEl.textContent = e;
      if (+slider.value !== i) slider.value = i;
      slider.setAttribute('aria-valuetext', 'epoch ' + e);
      for (const b of doc.querySelectorAll('.phase')) b.setAttribute('aria-current', +b.dataset.epoch === e ? 'true' : 'false');
    }
    for (const f of F) if (f.drawn !== i) { f.draw(i); f.drawn = i; }
    if (S.hashDue && !player.playing) {
      S.hashDue = false;
      const wait = 250 - (t0 - S.hashAt); // browsers limit replaceState calls
      if (wait <= 0) writeHash(); else if (!S.hashTimer) S.hashTimer = setTimeout(writeHash, wait);
    }
    if (S.tipDirty) showTip();
    S.lastCommit = performance.now() - t0;
  }

  // ---- tooltip

  const tip = doc.createElement('div');
  tip.className = 'tip';
  tip.hidden = true;
  tip.setAttribute('role', 'tooltip');

  function showTip() {
    S.tipDirty = false;
    const t = S.tip, s = t ? t.f.tip(t.x, t.y) : '';
    if (!s) { tip.hidden = true; return; }
    tip.textContent = s;
    tip.hidden = false;
    const w = tip.offsetWidth, h = tip.offsetHeight;
    let x = t.cx + 14, y = t.cy + 14;
    if (x + w > innerWidth - 4) x = Math.max(4, t.cx - w - 14);
    if (y + h > innerHeight - 4) y = Math.max(4, t.cy - h - 14);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }

  // svgPoint returns a pointer event's place in the figure's SVG units.
  function svgPoint(f, ev) {
    const r = f.svg.getBoundingClientRect();
    return { x: (ev.clientX - r.left) * f.fr.width / r.width, y: (ev.clientY - r.top) * f.fr.height / r.height };
  }

  // hook wires a figure's pointer events (tooltip; scrubbing on series figures) and downloads.
  function hook(f) {
    const fr = f.fr, inside = (p) => p.x >= fr.x0 && p.x <= fr.x1 && p.y >= fr.y0 && p.y <= fr.y1;
    const move = (ev) => {
      const p = svgPoint(f, ev);
      S.tip = inside(p) ? { f, x: p.x, y: p.y, cx: ev.clientX, cy: ev.clientY } : null;
      S.tipDirty = true;
      if (f.scrubs && S.tip && (ev.pointerType === 'mouse' || ev.buttons)) { stop(); select(nearest(f.epochAt(p.x))); }
      schedule();
    };
    f.plot.addEventListener('pointermove', move);
    f.plot.addEventListener('pointerdown', (ev) => {
      if (f.scrubs) { try { f.plot.setPointerCapture(ev.pointerId); } catch (e) { /* ignore */ } }
      move(ev);
    });
    f.plot.addEventListener('pointerleave', () => { S.tip = null; S.tipDirty = true; schedule(); });
    const tools = f.el.querySelector('.js-only');
    if (!tools) return;
    tools.hidden = false;
    tools.addEventListener('click', (ev) => {
      const kind = ev.target.dataset && ev.target.dataset.dl, e = S.E[S.i];
      if (kind === 'csv') download(f.name + '-epoch-' + e + '.csv', 'text/csv', f.csv());
      if (kind === 'svg') {
        const c = f.svg.cloneNode(true);
        if (f.svgFix) f.svgFix(c);
        download(f.name + '-epoch-' + e + '.svg', 'image/svg+xml', new XMLSerializer().serializeToString(c));
      }
    });
  }

  // ---- play: 20 checkpoints a second at 1× (4 with reduced motion); the hash follows on a stop

  const player = SL.player({
    button: playBtn, rate: 20, speed: () => S.speed, at: () => S.i, count: () => S.T,
    select: (i) => select(i, true), onStop: () => { S.hashDue = true; schedule(); },
  });
  const stop = player.stop;

  // ---- start

  function init(P) {
    S.P = P;
    S.E = P.A.epoch.v;
    S.T = S.E.length;
    for (const el of doc.querySelectorAll('.fig[data-fig]')) {
      const pf = P.figures.find((x) => x.name === el.dataset.fig), make = pf && KINDS[pf.kind];
      if (!make || !el.querySelector('.plot > svg')) continue;
      const f = make(el, pf, P);
      if (f) { F.push(f); hook(f); }
    }
    body.appendChild(tip);
    speedSel.addEventListener('change', () => { S.speed = +speedSel.value || 1; });
    S.speed = +speedSel.value || 1;
    if (scaleSel && F.some((f) => f.relabel)) {
      const set = () => { S.local = scaleSel.value === 'epoch'; schedule(); };
      scaleSel.addEventListener('change', set);
      set();
      scaleSel.closest('label').hidden = false;
    }
    for (const b of doc.querySelectorAll('.phase')) b.addEventListener('click', () => { stop(); select(nearest(+b.dataset.epoch)); });
    // Printing shows the figures as the page has them without the script: the final epoch on
    // the whole run's scale, the small multiples open; the selection comes back afterwards.
    let printed = null;
    const beforePrint = () => {
      if (printed) return;
      stop();
      printed = { i: S.i, local: S.local, closed: [] };
      for (const d of doc.querySelectorAll('details.multiples')) if (!d.open) { d.open = true; printed.closed.push(d); }
      S.i = S.T - 1;
      S.local = false;
      S.tip = null;
      commit();
    };
    const afterPrint = () => {
      if (!printed) return;
      const p = printed;
      printed = null;
      for (const d of p.closed) d.open = false;
      S.i = p.i;
      S.local = p.local;
      commit();
    };
    addEventListener('beforeprint', beforePrint);
    addEventListener('afterprint', afterPrint);
    if (window.matchMedia) {
      const mq = matchMedia('print');
      if (mq.addEventListener) mq.addEventListener('change', (ev) => (ev.matches ? beforePrint() : afterPrint()));
    }
    S.i = SL.controls({ el: controls, slider, E: S.E, player, at: () => S.i, select });
    S.ready = true;
    say('');
    commit();
  }

  async function main() {
    if (!epochEl || !slider || !controls) return;
    if (typeof DecompressionStream !== 'function') { say('This browser cannot decompress the slider data: the figures show the final epoch.'); return; }
    say('Loading the data of every checkpoint…');
    const src = api.payload = body.dataset.payload;
    await SL.loadScript(src);
    const p = window.MAXGROK_PAYLOAD;
    delete window.MAXGROK_PAYLOAD;
    if (!p || p.enc !== 'gzip') throw new Error('unexpected payload in ' + src);
    init(parse(await SL.inflate(SL.z85(p.z85, p.size), p.enc)));
  }

  // for tests and the console: the state, the payload script used, a synchronous commit
  const api = window.MAXGROK = { S, F, select, commit, nearest, payload: '' };
  api.ready = main().catch((err) => {
    say('The slider could not start (' + err.message + '): the figures show the final epoch.');
    throw err;
  });
})();
