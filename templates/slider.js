/* maxgrok: what the report's slider (app.js) and the sweep page's (sweep.js) share.
 *
 * A classic script, loaded by both pages before their own (both deferred, so in document
 * order): no modules, so the pages work from file://; no dependencies, nothing from the
 * network. It touches nothing by itself: it only defines one global, window.MaxgrokSlider:
 *
 *   z85(s, size)          the first size bytes of Z85 text s, as a Uint8Array
 *   loadScript(src)       a promise: the classic script src ran (the payloads are such scripts)
 *   inflate(bytes, enc)   a promise of bytes decompressed by DecompressionStream (enc: a format
 *                         it takes; the payloads are "gzip")
 *   nearest(E, n)         the index of the checkpoint epoch in E (ascending) nearest to epoch n,
 *                         the earlier one on a tie; n below E[0] or not a number gives 0, n past
 *                         the end the last
 *   fromHash(E, hash)     the index that #epoch=N picks (nearest(E, N)), or -1 if hash (by
 *                         default location.hash) is not of that form
 *   keyHandler(o)         a keydown listener: ←/→ one step, Shift+←/→ ten, Home/End the ends,
 *                         Space plays or pauses; never while typing in an input (other than a
 *                         range), a textarea, a select or an editable element, and Space not on
 *                         a button, a link or a summary, which it activates
 *   player(o)             Play/Pause on a button: a number of steps a second at 1×, a fifth of
 *                         that under prefers-reduced-motion; it stops at the last position
 *   controls(o)           wires the range input, the keys and #epoch=N to a page's select() and
 *                         player, shows the controls, and returns the position the page opens at
 *
 * The pages keep their own state object and select(); these only call back.
 */
(() => {
  'use strict';
  const doc = document;

  const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
  const Z85_DEC = new Uint8Array(128);
  for (let k = 0; k < 85; k++) Z85_DEC[Z85.charCodeAt(k)] = k;

  function z85(s, size) {
    const n = (s.length / 5) | 0, out = new Uint8Array(n * 4);
    for (let g = 0, i = 0, j = 0; g < n; g++) {
      let v = 0;
      for (let k = 0; k < 5; k++) v = v * 85 + Z85_DEC[s.charCodeAt(i++)];
      out[j++] = v >>> 24; out[j++] = (v >>> 16) & 255; out[j++] = (v >>> 8) & 255; out[j++] = v & 255;
    }
    return out.subarray(0, size);
  }

  function loadScript(src) {
    return new Promise((ok, fail) => {
      const s = doc.createElement('script');
      s.src = src;
      s.onload = () => { s.remove(); ok(); };
      s.onerror = () => fail(new Error('cannot load ' + src));
      doc.head.appendChild(s);
    });
  }

  async function inflate(bytes, enc) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(enc));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  function nearest(E, n) {
    const T = E.length;
    if (!(n > E[0])) return 0;
    if (n >= E[T - 1]) return T - 1;
    let lo = 0, hi = T - 1; // E[lo] <= n < E[hi]
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (E[mid] <= n) lo = mid; else hi = mid; }
    return n - E[lo] <= E[hi] - n ? lo : hi;
  }

  function fromHash(E, hash = location.hash) {
    const m = /^#epoch=(-?\d+(?:\.\d*)?)$/.exec(hash);
    return m ? nearest(E, Number(m[1])) : -1;
  }

  // keyHandler's o: ready() (optional; false: keys are ignored), at() the selected position,
  // count() the number of positions, select(i) (i may be out of range: select clamps), stop()
  // (before a step), toggle() (Space).
  function keyHandler(o) {
    return (ev) => {
      if ((o.ready && !o.ready()) || ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) return;
      const t = ev.target, tag = t.tagName || '';
      if (t.isContentEditable || tag === 'TEXTAREA' || tag === 'SELECT' || (tag === 'INPUT' && t.type !== 'range')) return;
      const big = ev.shiftKey ? 10 : 1;
      switch (ev.key) {
        case 'ArrowLeft': o.stop(); o.select(o.at() - big); break;
        case 'ArrowRight': o.stop(); o.select(o.at() + big); break;
        case 'Home': o.stop(); o.select(0); break;
        case 'End': o.stop(); o.select(o.count() - 1); break;
        case ' ': case 'Spacebar':
          if (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY') return;
          o.toggle();
          break;
        default: return;
      }
      ev.preventDefault();
    };
  }

  // player's o: button (Play/Pause: a click toggles; its text and aria-pressed follow), rate
  // (steps a second at 1×), speed() (the multiplier, by default 1), at(), count(), select(i) (a
  // step of the play: the page need not write the hash), onStop() (optional: after a stop). It
  // returns { playing, toggle(), stop() }. Steps come once a frame, as many as the time since the
  // last one calls for.
  function player(o) {
    const p = { playing: false, toggle, stop };
    const speed = o.speed || (() => 1);
    let last = 0, acc = 0, rate = 0;
    const show = () => {
      o.button.textContent = p.playing ? 'Pause' : 'Play';
      o.button.setAttribute('aria-pressed', String(p.playing));
    };
    function stop() {
      if (!p.playing) return;
      p.playing = false;
      show();
      if (o.onStop) o.onStop();
    }
    function toggle() {
      if (p.playing) return stop();
      if (o.at() >= o.count() - 1) o.select(0);
      const reduced = window.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches;
      rate = o.rate / (reduced ? 5 : 1) / 1000; // steps a millisecond at 1×
      p.playing = true;
      acc = 0;
      last = performance.now();
      show();
      requestAnimationFrame(tick);
    }
    function tick(now) {
      if (!p.playing) return;
      acc += Math.max(0, now - last) * speed() * rate;
      last = now;
      const n = Math.floor(acc);
      if (n > 0) {
        acc -= n;
        o.select(o.at() + n);
        if (o.at() >= o.count() - 1) return stop();
      }
      requestAnimationFrame(tick);
    }
    o.button.addEventListener('click', toggle);
    return p;
  }

  // controls' o: el (the controls, hidden until now), slider (the range input, one step per
  // checkpoint), E (the checkpoint epochs), player, at(), select(i, quiet) (quiet: a move the
  // hash need not follow). Every move stops Play first. It returns #epoch=N's checkpoint, else
  // the last; the page selects it and draws.
  function controls(o) {
    const E = o.E, stop = o.player.stop, toggle = o.player.toggle;
    o.slider.max = E.length - 1;
    o.slider.addEventListener('input', () => { stop(); o.select(+o.slider.value); });
    doc.addEventListener('keydown', keyHandler({ at: o.at, count: () => E.length, select: o.select, stop, toggle }));
    addEventListener('hashchange', () => { const j = fromHash(E); if (j >= 0) { stop(); o.select(j, true); } });
    o.el.hidden = false;
    const j = fromHash(E);
    return j >= 0 ? j : E.length - 1;
  }

  window.MaxgrokSlider = Object.freeze({ z85, loadScript, inflate, nearest, fromHash, keyHandler, player, controls });
})();
