package render

// The payload: every series the epoch slider needs, in one little-endian binary made for gzip
// (PayloadScript compresses it and wraps it in a script). Version 2:
//
//	offset 0   8 bytes   magic "MXGKPAY2"
//	offset 8   uint32    h, the length of the header
//	offset 12  h bytes   the header, JSON (PayloadHeader), padded with spaces so that 12+h is a
//	                     multiple of 4
//	offset 12+h          the body: each array the header lists, at its offset from the body's
//	                     start (a multiple of 4), size bytes long, zero padded between
//
// The header lists every array (PayloadArray): one per row of compute.Analyses, encoded as its
// Encoding says, plus three extras: epoch (the checkpoint epochs), the train loss and accuracy
// per epoch (the analyses' train_loss and train_acc, over the epochs instead of the
// checkpoints) and train_mask. It lists every figure (PayloadFigure) with its kind and the
// series it draws, each naming an array. Arrays come grouped by encoding, which keeps like
// bytes together for the compressors.
//
// The encodings (shapes are row-major; T checkpoints, M values per checkpoint; "element-major"
// is the T values of element 0, then the T values of element 1, ...):
//
//	i32, f32  32-bit words (int32; float32 rounded to 15 mantissa bits, a relative error under
//	          1.6e-5, enough for the 4 significant digits the page prints) stored as differences
//	          d[i] = w[i] - w[i-1] mod 2^32 (w[-1] = 0) in four byte planes: the top bytes of all
//	          the d[i], then their bits 16-23, 8-15 and 0-7. Neighbouring values share sign,
//	          exponent and top mantissa bits, so the high planes are nearly constant and the low
//	          one zero.
//	u8        one byte a value (train_mask: 1 for a training pair).
//	q8        compute.EncQ8 (the heatmaps): a [T, ...] series quantised with one scale,
//	          q = round(x / scale), |q| <= 127. Bytes: the M values of checkpoint 0 (int8); then the
//	          element-major differences s = q[t] - q[t-1], t >= 1, in groups of five (the last one
//	          padded with zeros): a group whose five s are all in {-1, 0, 1} is the byte
//	          Σ trit(s[5g+i])·3^i with trit(0) = 0, trit(1) = 1, trit(-1) = 2 (under 243), any other
//	          group the byte 243; last, the five s mod 256 of every group marked 243, in order.
//	          Heatmaps move by at most one step between most checkpoints: five differences fit a
//	          byte, and unchanged cells give runs of zero bytes, which gzip takes fast.
//	q16       compute.EncQ16Line (bits 15) and compute.EncQ16Full (bits 16): a [T, ...] series
//	          quantised with one scale, |q| <= 2^(bits-1) - 1, stored element-major as the
//	          residuals of a linear prediction over the checkpoints, r = q[t] - p mod 2^16 read as
//	          int16, with p = 0 at t = 0, q[0] at t = 1 and 2·q[t-1] - q[t-2] after; each r as its
//	          zigzag code z = (r << 1) ^ (r >> 15), all the high bytes of the z, then all the low
//	          bytes. The curves are smooth in the epoch, so the high plane is mostly zero; 15 bits
//	          print every value to 4 significant digits of the series' range.
//	derived   compute.EncDerived: no bytes; the page computes the array from the array "from" as
//	          "derive" says. "centre": a[t, x, y] = from[t, x, y] - from[t, x, x].
//
// The bytes depend only on the run and the figures.

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"maxgrok/compute"
)

// PayloadMagic starts every payload.
const PayloadMagic = "MXGKPAY2"

// PayloadVersion is the version of the layout written by EncodePayload.
const PayloadVersion = 2

// The payload's arrays that are not rows of compute.Analyses.
const (
	payloadEpoch     = "epoch"      // [T] i32, the checkpoint epochs
	payloadTrainMask = "train_mask" // [V, V] u8, 1 for a training pair
	// and train_loss, train_acc: [E] f32, per epoch (compute.AnalysisSpec.PerEpoch)
)

// What the first index of an array runs over (PayloadArray.Over).
const (
	overCheckpoints = "checkpoints"
	overEpochs      = "epochs"
)

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

// PayloadFigure is what the page needs to know of a figure (see Figure): the page branches on
// Kind and reads the series from Series, never from the figure's name.
type PayloadFigure struct {
	Name       string         `json:"name"`
	Title      string         `json:"title"`
	Kind       string         `json:"kind"` // "line", "scatter", "heatmap" or "series"
	Frame      Frame          `json:"frame"`
	Series     []FigureSeries `json:"series"`
	AxisLabels []string       `json:"axis_labels"`
	XCount     int            `json:"x_count,omitempty"`
	Marks      string         `json:"marks,omitempty"`
}

// PayloadArray describes one array of the body; Data holds its values after DecodePayload.
type PayloadArray struct {
	Name   string    `json:"name"`
	Enc    string    `json:"enc"` // "i32", "f32", "u8", "q8", "q16" or "derived"
	Shape  []int     `json:"shape"`
	Over   string    `json:"over,omitempty"`   // what the first index runs over: "checkpoints" or "epochs" ("" for train_mask)
	Offset int       `json:"offset"`           // from the body's start, a multiple of 4
	Size   int       `json:"size"`             // bytes
	Bits   int       `json:"bits,omitempty"`   // q8, q16: |q| <= 2^(Bits-1) - 1
	Scale  float64   `json:"scale,omitempty"`  // q8, q16: value = q·Scale
	From   string    `json:"from,omitempty"`   // derived: the array it is computed from
	Derive string    `json:"derive,omitempty"` // derived: how ("centre")
	Data   []float64 `json:"-"`                // decoded values, row-major (DecodePayload)
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

// payloadSlot is one array of the payload before its bytes: its description and, for the rows
// of compute.Analyses, the row.
type payloadSlot struct {
	PayloadArray
	spec *compute.AnalysisSpec // nil for epoch and train_mask
}

// payloadLayout returns the arrays of the payload of config c with T checkpoints up to the
// last epoch E-1, in the body's order, without offsets, sizes and scales. EncodePayload writes
// them, EstimatePayloadBytes sizes them.
func payloadLayout(c compute.Config, T, E int) ([]payloadSlot, error) {
	dims := compute.DimsOf(c)
	out := []payloadSlot{{PayloadArray: PayloadArray{Name: payloadEpoch, Enc: "i32", Shape: []int{T}, Over: overCheckpoints}}}
	groups := [][]compute.Encoding{ // the body's order
		{compute.EncQ16Line, compute.EncQ16Full}, {compute.EncQ8}, {compute.EncDerived}, {compute.EncF32},
	}
	var perEpoch []payloadSlot
	for _, group := range groups {
		for i := range compute.Analyses {
			s := &compute.Analyses[i]
			if !slices.Contains(group, s.Encoding) {
				continue
			}
			a := PayloadArray{Name: s.Name, Enc: s.Encoding.Kind, Bits: s.Encoding.Bits, Shape: append([]int{T}, s.Extent.Shape(dims)...), Over: overCheckpoints,
				From: s.DerivedFrom, Derive: s.Derive}
			if s.PerEpoch {
				a.Shape, a.Over = []int{E}, overEpochs
				perEpoch = append(perEpoch, payloadSlot{a, s})
				continue
			}
			out = append(out, payloadSlot{a, s})
		}
	}
	out = append(out, perEpoch...)
	out = append(out, payloadSlot{PayloadArray: PayloadArray{Name: payloadTrainMask, Enc: "u8", Shape: []int{c.Vocab, c.Vocab}}})
	return out, nil
}

// newPayloadHeader returns the header of a payload of config c without its arrays.
func newPayloadHeader(c compute.Config, T, lastEpoch int, figs []Figure) (PayloadHeader, error) {
	cfg, err := json.Marshal(c)
	if err != nil {
		return PayloadHeader{}, fmt.Errorf("payload: %w", err)
	}
	h := PayloadHeader{
		Version: PayloadVersion, Vocab: c.Vocab, SeqLen: c.SeqLen, Checkpoints: T,
		Epochs: lastEpoch, TrainSize: c.TrainSize(), Config: cfg,
	}
	for _, s := range divergingStops {
		h.Colormap = append(h.Colormap, [3]uint8{s.R, s.G, s.B})
	}
	for _, f := range figs {
		h.Figures = append(h.Figures, PayloadFigure{Name: f.Name, Title: f.Title, Kind: f.Kind, Frame: f.Frame,
			Series: f.Series, AxisLabels: f.AxisLabels, XCount: f.XCount, Marks: f.Marks})
	}
	return h, nil
}

// assemble returns the payload of header h and the arrays' bytes, setting the arrays' offsets
// and sizes in h.
func assemble(h PayloadHeader, data [][]byte) ([]byte, error) {
	var body []byte
	for i := range h.Arrays {
		for len(body)%4 != 0 {
			body = append(body, 0)
		}
		h.Arrays[i].Offset, h.Arrays[i].Size = len(body), len(data[i])
		body = append(body, data[i]...)
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	for (12+len(hdr))%4 != 0 {
		hdr = append(hdr, ' ')
	}
	out := make([]byte, 0, 12+len(hdr)+len(body))
	out = append(out, PayloadMagic...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(hdr)))
	out = append(out, hdr...)
	return append(out, body...), nil
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
	V, T, last := c.Vocab, len(r.Epochs), r.Epochs[len(r.Epochs)-1]
	layout, err := payloadLayout(c, T, last+1)
	if err != nil {
		return nil, err
	}
	h, err := newPayloadHeader(c, T, last, figs)
	if err != nil {
		return nil, err
	}
	mask := compute.TrainMask(c)
	metrics := runMetrics(r)
	emptyTest := c.TrainSize() == V*V
	epochs := make([]int, last+1)
	for e := range epochs {
		epochs[e] = e
	}
	data := make([][]byte, len(layout))
	for k, slot := range layout {
		a, s := slot.PayloadArray, slot.spec
		var b []byte
		switch {
		case a.Name == payloadEpoch:
			ep := make([]uint32, T)
			for i, e := range r.Epochs {
				ep[i] = uint32(int32(e))
			}
			b = encodeWords(ep)
		case a.Name == payloadTrainMask:
			b = make([]byte, len(mask))
			for i, m := range mask {
				if m {
					b[i] = 1
				}
			}
		case a.Enc == "q8" || a.Enc == "q16":
			b, a.Scale, err = encodeQuantised(a, r.Epochs, func(i int) []float64 { return s.Values(r.Analyses[i]) },
				func(i int) float64 { return s.MaxAbs(r.Analyses[i]) })
		case a.Enc == "f32" && a.Over == overEpochs:
			b, err = encodeF32(a.Name, epochs, metrics.perEpoch(a.Name), false)
		case a.Enc == "f32":
			xs := metrics.perCheckpoint(a.Name)
			if !s.Metric || xs == nil {
				xs = make([]float64, T)
				for i, an := range r.Analyses {
					xs[i] = s.Values(an)[0]
				}
			}
			b, err = encodeF32(a.Name, r.Epochs, xs, emptyTest && s.Metric)
		case a.Enc == "derived":
		default:
			err = fmt.Errorf("payload: %s: cannot encode %q", a.Name, a.Enc)
		}
		if err != nil {
			return nil, err
		}
		h.Arrays = append(h.Arrays, a)
		data[k] = b
	}
	return assemble(h, data)
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

// encodeQuantised returns the "q8" or "q16" bytes (a.Bits: 8, or 9 to 16) of the series
// get(i), one row of a.Shape[1:] for every checkpoint i, and its scale, from the largest
// |value| of each checkpoint's row, maxAbs(i) (AnalysisSpec.MaxAbs). It fails on the first value
// that is NaN or ±Inf.
func encodeQuantised(a PayloadArray, epochs []int, get func(i int) []float64, maxAbs func(i int) float64) ([]byte, float64, error) {
	T := len(epochs)
	M := 1
	for _, s := range a.Shape[1:] {
		M *= s
	}
	m := 0.0
	for i := range T {
		if xs := get(i); len(xs) != M {
			return nil, 0, fmt.Errorf("payload: %s at epoch %d has %d values, want %d", a.Name, epochs[i], len(xs), M)
		}
		m = max(m, maxAbs(i))
	}
	lim := int(1)<<(a.Bits-1) - 1
	scale := m / float64(lim)
	if scale == 0 {
		scale = 1
	}
	q := make([]int16, T*M) // checkpoint-major, as get gives them; |q| <= lim <= 32767
	for i := range T {
		for k, x := range get(i) {
			if !(math.Abs(x) <= math.MaxFloat64) { // NaN or ±Inf
				return nil, 0, checkFinite(a.Name, epochs[i], x)
			}
			q[i*M+k] = int16(max(-lim, min(lim, int(math.Round(x/scale)))))
		}
	}
	if a.Enc == "q8" {
		return encodeQ8(q, T, M), scale, nil
	}
	return encodeQ16(q, T, M), scale, nil
}

// encodeF32 returns the "f32" bytes of xs, the values at epochs (for errors); NaN is refused
// unless nanOK, ±Inf always.
func encodeF32(name string, epochs []int, xs []float64, nanOK bool) ([]byte, error) {
	words := make([]uint32, len(xs))
	for i, x := range xs {
		if !nanOK || !math.IsNaN(x) {
			if err := checkFinite(name, epochs[i], x); err != nil {
				return nil, err
			}
		}
		words[i] = roundF32(x)
	}
	return encodeWords(words), nil
}

// q8Escape marks a "q8" group of five differences that are not all in {-1, 0, 1}.
const q8Escape = 243

// encodeQ8 returns the "q8" bytes of q (int or int16), T checkpoints of M values in -127..127 each,
// checkpoint-major.
func encodeQ8[E int | int16](q []E, T, M int) []byte {
	n := M * (T - 1)
	s := make([]int8, n+4) // the differences, element-major, then zeros to a whole group
	for t := 1; t < T; t++ {
		prev, cur := q[(t-1)*M:t*M], q[t*M:(t+1)*M]
		for k := range M {
			s[k*(T-1)+t-1] = int8(int(cur[k]) - int(prev[k]))
		}
	}
	out := make([]byte, M, M+(n+4)/5+n/10)
	for k := range M {
		out[k] = byte(q[k])
	}
	var esc []byte
	for g := 0; g < n; g += 5 {
		d := s[g : g+5 : g+5]
		// d+1 wraps for 127 and -128, so only -1, 0 and 1 give at most 2
		if uint8(d[0]+1) > 2 || uint8(d[1]+1) > 2 || uint8(d[2]+1) > 2 || uint8(d[3]+1) > 2 || uint8(d[4]+1) > 2 {
			out = append(out, q8Escape)
			esc = append(esc, byte(d[0]), byte(d[1]), byte(d[2]), byte(d[3]), byte(d[4]))
			continue
		}
		trit := [3]byte{2, 0, 1} // of d+1: 0, 1, and 2 for -1
		out = append(out, trit[d[0]+1]+3*trit[d[1]+1]+9*trit[d[2]+1]+27*trit[d[3]+1]+81*trit[d[4]+1])
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

// encodeQ16 returns the "q16" bytes of q (int or int16), T checkpoints of M values in int16 each,
// checkpoint-major.
func encodeQ16[E int | int16](q []E, T, M int) []byte {
	N := T * M
	out := make([]byte, 2*N)
	for k := range M {
		for t := range T {
			p := 0
			switch {
			case t == 1:
				p = int(q[k])
			case t >= 2:
				p = 2*int(q[(t-1)*M+k]) - int(q[(t-2)*M+k])
			}
			r := int16(uint16(int(q[t*M+k]) - p))
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
// zero, which gzip then mostly drops): a relative error of at most 2⁻¹⁶ ≈ 1.5e-5,
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

// DecodePayload parses a payload written by EncodePayload and decodes every array into Data
// (derived ones computed as the page computes them).
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
		if a.Enc == "derived" {
			continue // below, once every stored array is decoded
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
	for i := range p.Arrays {
		if a := &p.Arrays[i]; a.Enc == "derived" {
			if err := p.derive(a); err != nil {
				return nil, fmt.Errorf("payload: %s: %w", a.Name, err)
			}
		}
	}
	return p, nil
}

// derive computes the values of the derived array a from its source array.
func (p *Payload) derive(a *PayloadArray) error {
	src := p.Array(a.From)
	if src == nil || src.Enc == "derived" || !slices.Equal(src.Shape, a.Shape) {
		return fmt.Errorf("derived from %q, which is missing, derived too or of another shape", a.From)
	}
	if a.Derive != "centre" || len(a.Shape) != 3 || a.Shape[1] != a.Shape[2] {
		return fmt.Errorf("cannot derive %q of shape %v", a.Derive, a.Shape)
	}
	// On the quantised values, as the page does: the results are the page's bit for bit.
	V, scale := a.Shape[1], src.Scale
	q := func(x float64) float64 {
		if scale == 0 {
			return x
		}
		return math.Round(x / scale)
	}
	if scale == 0 {
		scale = 1
	}
	a.Data = make([]float64, len(src.Data))
	for row := 0; row < len(a.Data); row += V { // row x of a checkpoint: subtract its element x
		d := q(src.Data[row+(row/V)%V])
		for y := range V {
			a.Data[row+y] = (q(src.Data[row+y]) - d) * scale
		}
	}
	a.Scale = src.Scale
	return nil
}

// EstimatePayloadBytes returns the size of the payload of a run of config c before
// compression, from the layout EncodePayload writes (payloadLayout): every array's size is a
// function of the config except the escaped groups of the "q8" heatmaps, which depend on how
// far the heatmaps move between checkpoints. Their share is estimated as for the reference
// config's training (q8EscapedShare); it is bounded by every group escaping, which makes a q8
// array six times its smallest size. The header is estimated with typical numbers in the
// figures' frames.
func EstimatePayloadBytes(c compute.Config) int64 {
	T, E := c.NumCheckpoints(), c.Epochs+1
	layout, err := payloadLayout(c, T, E)
	if err != nil || T < 1 {
		return 0
	}
	h, err := newPayloadHeader(c, T, c.Epochs, standInFigures(c))
	if err != nil {
		return 0
	}
	var body int64
	for _, slot := range layout {
		a := slot.PayloadArray
		N := 1
		for _, s := range a.Shape {
			N *= s
		}
		size := 0
		switch a.Enc {
		case "i32", "f32":
			size = 4 * N
		case "u8":
			size = N
		case "q16":
			size = 2 * N
			a.Scale = typicalFloat
		case "q8":
			M := N / T
			groups := (M*(T-1) + 4) / 5
			size = M + groups + 5*int(math.Round(q8EscapedShare(c)*float64(groups)))
			a.Scale = typicalFloat
		}
		body = (body + 3) &^ 3
		a.Offset, a.Size = int(body), size
		body += int64(size)
		h.Arrays = append(h.Arrays, a)
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return 0
	}
	return 12 + int64(len(hdr)+3)&^3 + body
}

// typicalFloat stands for a computed float64 in an estimated header: 17 significant digits.
const typicalFloat = 0.12345678901234567

// q8EscapedShare is the share of the "q8" groups whose five differences are not all in
// {-1, 0, 1}, for a run of config c. It is fitted on runs of the reference config's training
// (vocab 7 to 64, 3000 epochs, checkpoints every 1 to 300 epochs): a difference exceeds one
// step with a probability p = 1 - exp(-(k/289)^1.35) for checkpoints every k epochs, and a group
// escapes unless its five do not.
func q8EscapedShare(c compute.Config) float64 {
	k := float64(max(c.CheckpointEvery, 1))
	p := 1 - math.Exp(-math.Pow(k/289, 1.35))
	return 1 - math.Pow(1-p, 5)
}

// standInFigures returns the report's figures for config c without drawing them, their
// frames filled with typical numbers: what the payload header says of them, for
// EstimatePayloadBytes. They are prepared from zero analyses of a small vocabulary with c's
// sequence length (the figures' header entries depend on the vocabulary by a few digits only),
// so that an estimate of a config too large to run stays cheap.
func standInFigures(c compute.Config) []Figure {
	sc := c
	sc.Vocab, sc.ForceAdjacent, sc.Epochs, sc.CheckpointEvery = 8, []int{0}, 1, 1
	a := compute.NewAnalysis(compute.DimsOf(sc))
	r := &compute.Run{Config: sc, Epochs: []int{0}, Analyses: []*compute.Analysis{a}}
	specs, err := figureSpecs(r)
	if err != nil {
		return nil
	}
	v := typicalFloat
	figs := make([]Figure, len(specs))
	for i, s := range specs {
		figs[i] = s.figure()
		figs[i].Frame = Frame{Width: s.w, Height: s.h, X0: v, Y0: v, X1: v, Y1: v, XMin: s.frame.XMin, XMax: s.frame.XMax, YMin: v, YMax: v,
			LogY: s.frame.LogY, ZGamma: s.frame.ZGamma}
		if s.kind == kindHeatmap {
			figs[i].Frame.ZMin, figs[i].Frame.ZMax = -v, v
		}
	}
	return figs
}
