package render

// The payload: every per-checkpoint series the epoch slider needs, packed for gzip and brotli.
//
// Layout (version 2, little-endian):
//
//	offset 0   8 bytes   magic "MXGKPAY2"
//	offset 8   uint32    h, the length of the header
//	offset 12  h bytes   the header, JSON (PayloadHeader), padded with spaces so that 12+h is a
//	                     multiple of 4
//	offset 12+h          the body: the arrays the header lists, each at Offset bytes from the
//	                     body's start (a multiple of 4), Size bytes long, zero padded between
//
// Array encodings (Shape is row-major; T = checkpoints, V = vocab, n = seq_len, E = epochs+1;
// for a [T, ...] series, M is the number of values per checkpoint and "element-major" means the
// T values of element 0, then the T values of element 1, ...):
//
//	"i32"  int32 values w[0..N), "f32" float32 values rounded to 15 mantissa bits (a relative
//	       error under 1.6e-5: enough for the 4 significant digits the page prints), both as
//	       32-bit words stored as differences d[i] = w[i] - w[i-1] mod 2^32 (w[-1] = 0) in four
//	       byte planes: the top bytes (bits 24-31) of all the d[i], then bits 16-23, 8-15, 0-7.
//	       Neighbouring values share their sign, exponent and top mantissa bits, so the high
//	       planes are nearly constant, and the low plane is zero (the rounding).
//	"u8"   uint8 values (the training mask, 1 = training pair)
//	"q8"   a [T, ...] series quantised to int8 with one scale: q = round(x / Scale), |q| <= 127,
//	       so |x - q·Scale| <= Scale/2. Bytes: the M values of checkpoint 0 (int8); then the
//	       differences s[j] between consecutive checkpoints, j = k·(T-1) + t-1 for element k
//	       and t = 1..T-1 (element-major), s = q[t] - q[t-1], in groups of five (a short last
//	       group is padded with zeros): a group whose five s are all in {-1, 0, 1} is one
//	       byte c = Σ_i trit(s[5g+i])·3^i with trit(0) = 0, trit(1) = 1, trit(-1) = 2, so
//	       c < 243; any other group is the byte 243; last, for every group marked 243 in order,
//	       its five s mod 256. The heatmaps move by at most one step between most checkpoints:
//	       five differences a byte, and runs of unchanged cells become runs of zero bytes, which
//	       gzip and brotli take five times faster and pack better than one byte a difference
//	       (reference run, gzip -6: ov 136 KB instead of 167 KB, margin 75 KB instead of 114 KB).
//	"q16"  a [T, ...] series quantised to int16 with one scale, |q| <= 2^(Bits-1) - 1 (Bits <=
//	       16, in the header), stored element-major as the residuals of a linear prediction
//	       over checkpoints: r = q[t] - p mod 2^16 read as int16, with p = 0 at t = 0, q[0] at
//	       t = 1 and 2·q[t-1] - q[t-2] after; each r as its zigzag code z = (r << 1) ^ (r >> 15)
//	       (uint16, so small |r| gives small z), all the high bytes of the z, then all the low
//	       bytes. The curves are smooth in the epoch, so the residuals are small and the high
//	       plane is mostly zero (reference run, gzip -6: the four 15-bit series take 75 KB, 5.2
//	       bits a value; as plain differences they would take 92 KB).
//
// Arrays (names as in data/analyses.safetensors where they exist):
//
//	epoch [T] i32
//	qk [T,V], eos_direct [T,V], eos_ov [T,V], pos_ov [T,n,V] q16 with 15 bits: a step of
//	    1/16383 of the series' largest |x|, an error of at most 3.1e-5 of it, so that every value
//	    prints to 4 significant digits of the series' range
//	pos_qk [T,n] q16 with 16 bits
//	ov [T,V,V], margin [T,V,V] q8 (ov_centered is derived by the page: ov[t,x] - ov[t,t])
//	l2_norm, brute_force_acc, cubic_bound, test_loss, test_acc [T] f32 (test metrics from
//	    metrics.csv when it has them, else from the analyses)
//	train_loss, train_acc [E] f32, epochs 0..epochs (from metrics.csv)
//	train_mask [V,V] u8
//
// Measured on the reference run (V=64, 301 checkpoints, 3001 epochs): 817 KB raw (ov and margin
// 583 KB, the line series 194 KB); gzip -6 makes 297 KB of it in 33 ms and brotli 6 284 KB in
// 37 ms, one core each, so the scripts are 371 KB and 355 KB. Version 1 (a byte per heatmap
// difference, 10-bit line series as plain differences, plain floats) was 2.7 MB and needed
// gzip -9, 1.7 s, for 304 KB: its heatmap bytes, zeros with a ±1 every five or so, hash alike
// and seldom give a match long enough to stop the search, so nearly every position walked its
// whole hash chain (4096 candidates at -9, 128 at -6).
//
// The header also carries the config, the colour map of the heatmaps (Diverging's stops) and
// each figure's name, title, kind and Frame. The bytes depend only on the run and the figures.

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/andybalholm/brotli"

	"maxgrok/compute"
)

// lineBits is the quantisation of the animated line and glyph series (see the layout above).
const lineBits = 15

// PayloadMagic starts every payload.
const PayloadMagic = "MXGKPAY2"

// PayloadVersion is the version of the layout written by EncodePayload.
const PayloadVersion = 2

// PayloadHeader is the JSON header of a payload.
type PayloadHeader struct {
	Version     int             `json:"version"`
	Vocab       int             `json:"vocab"`
	SeqLen      int             `json:"seq_len"`
	Checkpoints int             `json:"checkpoints"` // T
	Epochs      int             `json:"epochs"`      // the last epoch; per-epoch arrays have Epochs+1 values
	TrainSize   int             `json:"train_size"`
	Config      json.RawMessage `json:"config"`
	Colormap    [][3]uint8      `json:"colormap"` // Diverging's stops, t = -1 .. 1 evenly spaced
	Figures     []PayloadFigure `json:"figures"`
	Arrays      []PayloadArray  `json:"arrays"`
}

// PayloadFigure is what the page needs to know of a figure: its overlay geometry and ranges.
type PayloadFigure struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Kind  string `json:"kind"`
	Frame Frame  `json:"frame"`
}

// PayloadArray describes one array of the body; Data holds its values after DecodePayload.
type PayloadArray struct {
	Name   string    `json:"name"`
	Enc    string    `json:"enc"` // "i32", "f32", "u8", "q8" or "q16"
	Shape  []int     `json:"shape"`
	Offset int       `json:"offset"`          // from the body's start, a multiple of 4
	Size   int       `json:"size"`            // bytes
	Bits   int       `json:"bits,omitempty"`  // q8, q16: |q| <= 2^(Bits-1) - 1
	Scale  float64   `json:"scale,omitempty"` // q8, q16: value = q·Scale
	Data   []float64 `json:"-"`               // decoded values, row-major (DecodePayload)
}

// Payload is a decoded payload.
type Payload struct {
	PayloadHeader
}

// Array returns the array called name, or nil.
func (p *Payload) Array(name string) *PayloadArray {
	for i := range p.Arrays {
		if p.Arrays[i].Name == name {
			return &p.Arrays[i]
		}
	}
	return nil
}

type payloadWriter struct {
	hdr  PayloadHeader
	body []byte
}

func (w *payloadWriter) add(a PayloadArray, data []byte) {
	for len(w.body)%4 != 0 {
		w.body = append(w.body, 0)
	}
	a.Offset, a.Size = len(w.body), len(data)
	w.body = append(w.body, data...)
	w.hdr.Arrays = append(w.hdr.Arrays, a)
}

// checkFinite returns an error naming the series and the epoch of the first non-finite value.
func checkFinite(name string, epoch int, xs ...float64) error {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("payload: %s at epoch %d is %v", name, epoch, x)
		}
	}
	return nil
}

// addQuantised quantises the series get(i) (the same length for every checkpoint i) to bits
// (8, or 9 to 16) and adds it as a "q8" or "q16" array of shape [T, shape...].
func (w *payloadWriter) addQuantised(name string, bits int, epochs []int, shape []int, get func(i int) []float64) error {
	T := len(epochs)
	M := 1
	for _, s := range shape {
		M *= s
	}
	m := 0.0
	for i := range T {
		xs := get(i)
		if len(xs) != M {
			return fmt.Errorf("payload: %s at epoch %d has %d values, want %d", name, epochs[i], len(xs), M)
		}
		for _, x := range xs {
			a := math.Abs(x)
			if !(a <= math.MaxFloat64) { // NaN or ±Inf
				return checkFinite(name, epochs[i], x)
			}
			m = max(m, a)
		}
	}
	lim := int(1)<<(bits-1) - 1
	scale := m / float64(lim)
	if scale == 0 {
		scale = 1
	}
	q := make([]int, T*M) // checkpoint-major, as get gives them
	for i := range T {
		for k, x := range get(i) {
			q[i*M+k] = max(-lim, min(lim, int(math.Round(x/scale))))
		}
	}
	a := PayloadArray{Name: name, Enc: "q8", Shape: append([]int{T}, shape...), Bits: bits, Scale: scale}
	if bits == 8 {
		w.add(a, encodeQ8(q, T, M))
	} else {
		a.Enc = "q16"
		w.add(a, encodeQ16(q, T, M))
	}
	return nil
}

// q8Escape marks a "q8" group of five differences that are not all in {-1, 0, 1}.
const q8Escape = 243

// encodeQ8 returns the "q8" bytes of q, T checkpoints of M values in -127..127 each,
// checkpoint-major.
func encodeQ8(q []int, T, M int) []byte {
	n := M * (T - 1)
	s := make([]int8, n+4) // the differences, element-major, then zeros to a whole group
	for t := 1; t < T; t++ {
		prev, cur := q[(t-1)*M:t*M], q[t*M:(t+1)*M]
		for k := range M {
			s[k*(T-1)+t-1] = int8(cur[k] - prev[k])
		}
	}
	out := make([]byte, M, M+(n+4)/5+n/10)
	for k := range M {
		out[k] = byte(q[k])
	}
	var esc []byte
	for g := 0; g < n; g += 5 {
		c := 0
		for i := 4; i >= 0; i-- {
			d := s[g+i]
			if d < -1 || d > 1 {
				c = q8Escape
				break
			}
			c = 3*c + int(d+3)%3 // trit: 0, 1, and 2 for -1
		}
		out = append(out, byte(c))
		if c == q8Escape {
			for _, d := range s[g : g+5] {
				esc = append(esc, byte(d))
			}
		}
	}
	return append(out, esc...)
}

// decodeQ8 inverts encodeQ8: it returns T·M values, checkpoint-major.
func decodeQ8(data []byte, T, M int) ([]int, error) {
	n := M * (T - 1)
	groups := (n + 4) / 5
	if len(data) < M+groups {
		return nil, fmt.Errorf("%d bytes, want at least %d", len(data), M+groups)
	}
	codes, esc := data[M:M+groups], data[M+groups:]
	out := make([]int, T*M)
	for k := range M {
		out[k] = int(int8(data[k]))
	}
	d := make([]byte, 5*groups) // the differences mod 256
	for g, c := range codes {
		switch {
		case c == q8Escape:
			if len(esc) < 5 {
				return nil, errors.New("escapes missing")
			}
			copy(d[5*g:], esc[:5])
			esc = esc[5:]
		case c > q8Escape:
			return nil, fmt.Errorf("bad group byte %d", c)
		default:
			for i := range 5 {
				d[5*g+i] = [3]byte{0, 1, 255}[c%3]
				c /= 3
			}
		}
	}
	if len(esc) != 0 {
		return nil, fmt.Errorf("%d bytes left over", len(esc))
	}
	for k := range M {
		acc := byte(out[k])
		for t := 1; t < T; t++ {
			acc += d[k*(T-1)+t-1]
			out[t*M+k] = int(int8(acc))
		}
	}
	return out, nil
}

// encodeQ16 returns the "q16" bytes of q, T checkpoints of M values in int16 each,
// checkpoint-major.
func encodeQ16(q []int, T, M int) []byte {
	N := T * M
	out := make([]byte, 2*N)
	for k := range M {
		for t := range T {
			p := 0
			switch {
			case t == 1:
				p = q[k]
			case t >= 2:
				p = 2*q[(t-1)*M+k] - q[(t-2)*M+k]
			}
			r := int16(uint16(q[t*M+k] - p))
			z := uint16(r<<1) ^ uint16(r>>15)
			j := k*T + t
			out[j], out[N+j] = byte(z>>8), byte(z)
		}
	}
	return out
}

// decodeQ16 inverts encodeQ16: it returns T·M values, checkpoint-major.
func decodeQ16(data []byte, T, M int) ([]int, error) {
	N := T * M
	if len(data) != 2*N {
		return nil, fmt.Errorf("%d bytes, want %d", len(data), 2*N)
	}
	out := make([]int, N)
	for k := range M {
		for t := range T {
			p := 0
			switch {
			case t == 1:
				p = out[k]
			case t >= 2:
				p = 2*out[(t-1)*M+k] - out[(t-2)*M+k]
			}
			j := k*T + t
			z := uint16(data[j])<<8 | uint16(data[N+j])
			r := int16(z>>1) ^ -int16(z&1)
			out[t*M+k] = int(int16(uint16(p) + uint16(r)))
		}
	}
	return out, nil
}

// encodeWords returns the "i32" and "f32" bytes of the 32-bit words w.
func encodeWords(w []uint32) []byte {
	n := len(w)
	out := make([]byte, 4*n)
	prev := uint32(0)
	for i, u := range w {
		d := u - prev
		prev = u
		out[i], out[n+i], out[2*n+i], out[3*n+i] = byte(d>>24), byte(d>>16), byte(d>>8), byte(d)
	}
	return out
}

// decodeWords inverts encodeWords for n words.
func decodeWords(data []byte, n int) []uint32 {
	out := make([]uint32, n)
	acc := uint32(0)
	for i := range n {
		acc += uint32(data[i])<<24 | uint32(data[n+i])<<16 | uint32(data[2*n+i])<<8 | uint32(data[3*n+i])
		out[i] = acc
	}
	return out
}

// roundF32 returns the bits of x as a float32 rounded to 15 mantissa bits (the low 8 bits
// zero, which gzip and brotli then mostly drop): a relative error of at most 2⁻¹⁶ ≈ 1.5e-5,
// well within the 5e-5 that printing 4 significant digits needs.
func roundF32(x float64) uint32 {
	u := math.Float32bits(float32(x))
	if math.IsNaN(x) || math.IsInf(x, 0) || u&0x7f800000 == 0x7f800000 {
		return u
	}
	r := (u + 0x80) &^ 0xff // round half up on the magnitude; a carry into the exponent is right
	if r&0x7f800000 == 0x7f800000 {
		return u &^ 0xff // do not round up to infinity
	}
	return r
}

func (w *payloadWriter) addF32(name string, epochs []int, xs []float64, nanOK bool) error {
	words := make([]uint32, len(xs))
	for i, x := range xs {
		if !nanOK || !math.IsNaN(x) {
			if err := checkFinite(name, epochs[i], x); err != nil {
				return err
			}
		}
		words[i] = roundF32(x)
	}
	w.add(PayloadArray{Name: name, Enc: "f32", Shape: []int{len(xs)}}, encodeWords(words))
	return nil
}

// EncodePayload returns the payload of run r (every checkpoint analysed) and its figures, in
// the layout described at the top of this file. It fails if a series holds NaN or ±Inf,
// naming the series and the epoch (test metrics may be NaN when the test set is empty).
func EncodePayload(r *compute.Run, figs []Figure) ([]byte, error) {
	if r == nil || len(r.Epochs) == 0 || len(r.Analyses) != len(r.Epochs) {
		return nil, errors.New("payload: the run needs one analysis per checkpoint, at least one")
	}
	for i, a := range r.Analyses {
		if a == nil {
			return nil, fmt.Errorf("payload: the checkpoint of epoch %d is not analysed", r.Epochs[i])
		}
	}
	c := r.Config
	V, n, T := c.Vocab, c.SeqLen, len(r.Epochs)
	cfg, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	mask := compute.TrainMask(c)
	trainSize := 0
	for _, m := range mask {
		if m {
			trainSize++
		}
	}
	w := &payloadWriter{hdr: PayloadHeader{
		Version: PayloadVersion, Vocab: V, SeqLen: n, Checkpoints: T,
		Epochs: r.Epochs[T-1], TrainSize: trainSize, Config: cfg,
	}}
	for _, s := range divergingStops {
		w.hdr.Colormap = append(w.hdr.Colormap, [3]uint8{s.R, s.G, s.B})
	}
	for _, f := range figs {
		w.hdr.Figures = append(w.hdr.Figures, PayloadFigure{Name: f.Name, Title: f.Title, Kind: f.Kind, Frame: f.Frame})
	}

	ep := make([]uint32, T)
	for i, e := range r.Epochs {
		ep[i] = uint32(int32(e))
	}
	w.add(PayloadArray{Name: "epoch", Enc: "i32", Shape: []int{T}}, encodeWords(ep))

	an := r.Analyses
	for _, s := range []struct {
		name  string
		bits  int
		shape []int
		get   func(a *compute.Analysis) []float64
	}{
		{"qk", lineBits, []int{V}, func(a *compute.Analysis) []float64 { return a.QK }},
		{"pos_qk", 16, []int{n}, func(a *compute.Analysis) []float64 { return a.PosQK }},
		{"eos_direct", lineBits, []int{V}, func(a *compute.Analysis) []float64 { return a.EOSDirect }},
		{"eos_ov", lineBits, []int{V}, func(a *compute.Analysis) []float64 { return a.EOSOV }},
		{"pos_ov", lineBits, []int{n, V}, func(a *compute.Analysis) []float64 { return a.PosOV }},
		{"ov", 8, []int{V, V}, func(a *compute.Analysis) []float64 { return a.OV }},
		{"margin", 8, []int{V, V}, func(a *compute.Analysis) []float64 { return a.Margin }},
	} {
		if err := w.addQuantised(s.name, s.bits, r.Epochs, s.shape, func(i int) []float64 { return s.get(an[i]) }); err != nil {
			return nil, err
		}
	}

	emptyTest := trainSize == V*V
	perCheckpoint := func(get func(i int, a *compute.Analysis) float64) []float64 {
		out := make([]float64, T)
		for i, a := range an {
			out[i] = get(i, a)
		}
		return out
	}
	testMetric := func(fromRow func(m compute.MetricRow) float64, fromAnalysis func(a *compute.Analysis) float64) []float64 {
		return perCheckpoint(func(i int, a *compute.Analysis) float64 {
			if e := r.Epochs[i]; e >= 0 && e < len(r.Metrics) && r.Metrics[e].HasTest {
				return fromRow(r.Metrics[e])
			}
			return fromAnalysis(a)
		})
	}
	for _, s := range []struct {
		name  string
		xs    []float64
		nanOK bool
	}{
		{"l2_norm", perCheckpoint(func(_ int, a *compute.Analysis) float64 { return a.L2Norm }), false},
		{"brute_force_acc", perCheckpoint(func(_ int, a *compute.Analysis) float64 { return a.BruteForceAcc }), false},
		{"cubic_bound", perCheckpoint(func(_ int, a *compute.Analysis) float64 { return a.CubicBound }), false},
		{"test_loss", testMetric(func(m compute.MetricRow) float64 { return m.TestLoss }, func(a *compute.Analysis) float64 { return a.TestLoss }), emptyTest},
		{"test_acc", testMetric(func(m compute.MetricRow) float64 { return m.TestAcc }, func(a *compute.Analysis) float64 { return a.TestAcc }), emptyTest},
	} {
		if err := w.addF32(s.name, r.Epochs, s.xs, s.nanOK); err != nil {
			return nil, err
		}
	}

	// Per-epoch training metrics, epochs 0..last: from metrics.csv, or, for a run without
	// them, the analyses' values held from each checkpoint to the next.
	E := r.Epochs[T-1] + 1
	epochs := make([]int, E)
	trainLoss, trainAcc := make([]float64, E), make([]float64, E)
	j := 0
	for e := range E {
		epochs[e] = e
		for j+1 < T && r.Epochs[j+1] <= e {
			j++
		}
		if e < len(r.Metrics) && r.Metrics[e].Epoch == e {
			trainLoss[e], trainAcc[e] = r.Metrics[e].TrainLoss, r.Metrics[e].TrainAcc
		} else {
			trainLoss[e], trainAcc[e] = an[j].TrainLoss, an[j].TrainAcc
		}
	}
	if err := w.addF32("train_loss", epochs, trainLoss, false); err != nil {
		return nil, err
	}
	if err := w.addF32("train_acc", epochs, trainAcc, false); err != nil {
		return nil, err
	}

	mb := make([]byte, len(mask))
	for i, m := range mask {
		if m {
			mb[i] = 1
		}
	}
	w.add(PayloadArray{Name: "train_mask", Enc: "u8", Shape: []int{V, V}}, mb)

	hdr, err := json.Marshal(w.hdr)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	for (12+len(hdr))%4 != 0 {
		hdr = append(hdr, ' ')
	}
	out := make([]byte, 0, 12+len(hdr)+len(w.body))
	out = append(out, PayloadMagic...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(hdr)))
	out = append(out, hdr...)
	return append(out, w.body...), nil
}

// DecodePayload parses a payload written by EncodePayload and decodes every array into Data.
func DecodePayload(b []byte) (*Payload, error) {
	if len(b) < 12 || string(b[:8]) != PayloadMagic {
		return nil, errors.New("payload: bad magic")
	}
	h := int(binary.LittleEndian.Uint32(b[8:12]))
	if h > len(b)-12 {
		return nil, errors.New("payload: header beyond the end")
	}
	p := &Payload{}
	if err := json.Unmarshal(b[12:12+h], &p.PayloadHeader); err != nil {
		return nil, fmt.Errorf("payload: header: %w", err)
	}
	if p.Version != PayloadVersion {
		return nil, fmt.Errorf("payload: version %d, want %d", p.Version, PayloadVersion)
	}
	body := b[12+h:]
	for i := range p.Arrays {
		a := &p.Arrays[i]
		N, most := 1, 5*len(body)+5 // no encoding takes under a byte for five values
		for _, s := range a.Shape {
			if s < 0 || (s > 0 && N > most/s) {
				return nil, fmt.Errorf("payload: %s: bad shape %v", a.Name, a.Shape)
			}
			N *= s
		}
		if a.Offset < 0 || a.Size < 0 || a.Offset > len(body)-a.Size || a.Offset%4 != 0 {
			return nil, fmt.Errorf("payload: %s: bytes %d+%d outside the body", a.Name, a.Offset, a.Size)
		}
		data := body[a.Offset : a.Offset+a.Size]
		a.Data = make([]float64, N)
		var err error
		switch a.Enc {
		case "i32", "f32":
			if len(data) != 4*N {
				err = fmt.Errorf("%d bytes, want %d", len(data), 4*N)
				break
			}
			for k, u := range decodeWords(data, N) {
				if a.Enc == "i32" {
					a.Data[k] = float64(int32(u))
				} else {
					a.Data[k] = float64(math.Float32frombits(u))
				}
			}
		case "u8":
			if len(data) != N {
				err = fmt.Errorf("%d bytes, want %d", len(data), N)
				break
			}
			for k := range N {
				a.Data[k] = float64(data[k])
			}
		case "q8", "q16":
			if len(a.Shape) == 0 || a.Shape[0] == 0 {
				err = fmt.Errorf("bad shape %v", a.Shape)
				break
			}
			T := a.Shape[0]
			var q []int
			if a.Enc == "q8" {
				q, err = decodeQ8(data, T, N/T)
			} else {
				q, err = decodeQ16(data, T, N/T)
			}
			for k, v := range q {
				a.Data[k] = float64(v) * a.Scale
			}
		default:
			err = fmt.Errorf("unknown encoding %q", a.Enc)
		}
		if err != nil {
			return nil, fmt.Errorf("payload: %s: %w", a.Name, err)
		}
	}
	return p, nil
}

// GzipLevel and BrotliQuality are the compression settings of PayloadScripts. The layout above
// leaves the match search little to do: on the reference run (one core each) gzip -6 takes 33 ms
// for 297 KB where -9 takes 100 ms for 295 KB, and brotli 6 takes 37 ms for 284 KB where 9
// takes 90 ms for 281 KB and 11 several seconds.
const (
	GzipLevel     = 6
	BrotliQuality = 6
)

// PayloadScripts compresses payload with gzip (GzipLevel) and with brotli (BrotliQuality), the
// two at once, and returns each as a classic script, which, unlike fetch, loads from file://
// too:
//
//	window.MAXGROK_PAYLOAD={enc:"gzip",size:N,z85:"..."};
//
// enc is "gzip" or "brotli" (the name DecompressionStream takes), size the length of the
// compressed stream and z85 that stream, zero padded to a multiple of 4 bytes, in Z85
// (ZeroMQ's base 85: 5 characters for 4 bytes, none of them a quote or a backslash), which is
// 6% smaller than base64. The output is deterministic.
func PayloadScripts(payload []byte) (gzipJS, brotliJS []byte, err error) {
	var gz, br bytes.Buffer
	var gzErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		zw, err := gzip.NewWriterLevel(&gz, GzipLevel)
		if err == nil {
			_, err = zw.Write(payload)
		}
		if err == nil {
			err = zw.Close()
		}
		gzErr = err
	}()
	bw := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: BrotliQuality, LGWin: 24})
	_, err = bw.Write(payload)
	if err == nil {
		err = bw.Close()
	}
	<-done
	if err = errors.Join(gzErr, err); err != nil {
		return nil, nil, fmt.Errorf("payload: %w", err)
	}
	return payloadScript("gzip", gz.Bytes()), payloadScript("brotli", br.Bytes()), nil
}

func payloadScript(enc string, data []byte) []byte {
	out := []byte("window.MAXGROK_PAYLOAD={enc:\"" + enc + "\",size:" + strconv.Itoa(len(data)) + ",z85:\"")
	out = AppendZ85(out, data)
	return append(out, "\"};\n"...)
}

const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// AppendZ85 appends data in Z85 (https://rfc.zeromq.org/spec/32/), zero padded to a multiple
// of 4 bytes, to dst.
func AppendZ85(dst, data []byte) []byte {
	for i := 0; i < len(data); i += 4 {
		var b [4]byte
		copy(b[:], data[i:])
		v := binary.BigEndian.Uint32(b[:])
		var c [5]byte
		for k := 4; k >= 0; k-- {
			c[k] = z85Alphabet[v%85]
			v /= 85
		}
		dst = append(dst, c[:]...)
	}
	return dst
}

// DecodeZ85 decodes Z85 text (a multiple of 5 characters) written by AppendZ85.
func DecodeZ85(s []byte) ([]byte, error) {
	if len(s)%5 != 0 {
		return nil, errors.New("payload: z85 length is not a multiple of 5")
	}
	var dec [256]int
	for i := range dec {
		dec[i] = -1
	}
	for i := range len(z85Alphabet) {
		dec[z85Alphabet[i]] = i
	}
	out := make([]byte, 0, len(s)/5*4)
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for k := range 5 {
			d := dec[s[i+k]]
			if d < 0 {
				return nil, fmt.Errorf("payload: bad z85 character %q", s[i+k])
			}
			v = v*85 + uint64(d)
		}
		if v > math.MaxUint32 {
			return nil, errors.New("payload: z85 group overflows")
		}
		out = binary.BigEndian.AppendUint32(out, uint32(v))
	}
	return out, nil
}
