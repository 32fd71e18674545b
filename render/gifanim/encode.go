package gifanim

import (
	"bufio"
	"compress/lzw"
	"fmt"
	"image"
	"image/color"
	"io"
	"math/bits"
)

// DefaultDelay is the frame delay, in hundredths of a second, used when Options.Delay is 0.
const DefaultDelay = 5

// Options are the options of Encode. The zero value loops forever at DefaultDelay, with frame
// differencing and a palette of up to 255 colours built from the frames.
type Options struct {
	// Delay is the time each frame is shown, in hundredths of a second; 0 means DefaultDelay.
	Delay int
	// Delays, if not nil, are the delays of each frame (one per frame), overriding Delay.
	Delays []int
	// LastDelay, if positive, is the delay of the last frame (a pause before looping),
	// overriding Delay and Delays.
	LastDelay int
	// LoopCount is as image/gif's GIF.LoopCount: 0 loops forever, -1 shows the frames once,
	// n > 0 shows them n+1 times.
	LoopCount int
	// Palette, if not nil, is the palette to use instead of one built from the frames (which
	// saves the first pass over them). It has at most 255 colours (256 with FullFrames);
	// its alpha is ignored.
	Palette color.Palette
	// MaxColors caps the size of the built palette: 0 means as many as fit (255, or 256 with
	// FullFrames).
	MaxColors int
	// FullFrames turns frame differencing off: every frame is then whole and opaque.
	FullFrames bool
}

// EncodeAll is Encode of a slice of frames.
func EncodeAll(w io.Writer, frames []image.Image, opts Options) error {
	return Encode(w, len(frames), func(i int) (image.Image, error) { return frames[i], nil }, opts)
}

// Encode writes the n frames returned by frame (i from 0 to n-1) as an animated GIF. See the
// package documentation for the palette and the frame differencing; frame is called twice per
// frame (in order, 0 to n-1, then again) unless opts.Palette is set.
func Encode(w io.Writer, n int, frame func(i int) (image.Image, error), opts Options) error {
	if n < 1 {
		return fmt.Errorf("gifanim: %d frames", n)
	}
	if opts.Delays != nil && len(opts.Delays) != n {
		return fmt.Errorf("gifanim: %d delays for %d frames", len(opts.Delays), n)
	}
	if opts.LoopCount < -1 || opts.LoopCount > 0xffff {
		return fmt.Errorf("gifanim: LoopCount %d out of range -1..65535", opts.LoopCount)
	}
	limit := 255
	if opts.FullFrames {
		limit = 256
	}
	pal := opts.Palette
	if pal == nil {
		k := opts.MaxColors
		if k == 0 || k > limit {
			k = limit
		}
		var err error
		if pal, err = BuildPalette(n, frame, k); err != nil {
			return err
		}
	} else if len(pal) == 0 || len(pal) > limit {
		return fmt.Errorf("gifanim: palette of %d colours, want 1 to %d", len(pal), limit)
	}
	m := newMapper(pal)
	transparent := -1
	size := len(pal)
	if !opts.FullFrames {
		transparent = len(pal)
		size++
	}
	// The colour table has 2^depth entries, depth ≥ 1; LZW needs a literal width ≥ 2.
	depth := max(1, bits.Len(uint(size-1)))

	bw := bufio.NewWriterSize(w, 64<<10)
	e := &encoder{w: bw, depth: depth}
	r := frameReader{frame: frame}
	var prev, cur []uint8
	for i := range n {
		px, err := r.read(i)
		if err != nil {
			return fmt.Errorf("gifanim: %w", err)
		}
		W, H := r.size.X, r.size.Y
		if i == 0 {
			e.header(W, H, pal, opts.LoopCount)
			prev, cur = make([]uint8, len(px)), make([]uint8, len(px))
		}
		for j := 0; j < len(px); {
			k := j + 1
			for k < len(px) && px[k] == px[j] {
				k++
			}
			idx := m.index(px[j])
			for ; j < k; j++ {
				cur[j] = idx
			}
		}
		delay := opts.Delay
		if delay == 0 {
			delay = DefaultDelay
		}
		if opts.Delays != nil {
			delay = opts.Delays[i]
		}
		if i == n-1 && opts.LastDelay > 0 {
			delay = opts.LastDelay
		}
		if delay < 0 || delay > 0xffff {
			return fmt.Errorf("gifanim: frame %d: delay %d out of range 0..65535", i, delay)
		}
		rect := image.Rect(0, 0, W, H)
		if i > 0 && transparent >= 0 {
			rect = changed(prev, cur, W, H)
			if rect.Empty() {
				rect = image.Rect(0, 0, 1, 1) // one transparent pixel
			}
			for y := rect.Min.Y; y < rect.Max.Y; y++ {
				for x := rect.Min.X; x < rect.Max.X; x++ {
					if j := y*W + x; cur[j] == prev[j] {
						prev[j] = uint8(transparent) // prev becomes this frame's pixels
					} else {
						prev[j] = cur[j]
					}
				}
			}
			e.frame(rect, W, prev, delay, transparent)
		} else {
			e.frame(rect, W, cur, delay, -1)
		}
		prev, cur = cur, prev
		if e.err != nil {
			return fmt.Errorf("gifanim: frame %d: %w", i, e.err)
		}
	}
	e.write([]byte{0x3b}) // trailer
	if e.err == nil {
		e.err = bw.Flush()
	}
	if e.err != nil {
		return fmt.Errorf("gifanim: %w", e.err)
	}
	return nil
}

// changed returns the bounding rectangle of the pixels that differ between a and b.
func changed(a, b []uint8, w, h int) image.Rectangle {
	r := image.Rectangle{Min: image.Point{X: w, Y: h}}
	for y := range h {
		ra, rb := a[y*w:(y+1)*w], b[y*w:(y+1)*w]
		x0 := 0
		for x0 < w && ra[x0] == rb[x0] {
			x0++
		}
		if x0 == w {
			continue
		}
		x1 := w
		for ra[x1-1] == rb[x1-1] {
			x1--
		}
		r.Min.X, r.Max.X = min(r.Min.X, x0), max(r.Max.X, x1)
		r.Min.Y, r.Max.Y = min(r.Min.Y, y), y+1
	}
	if r.Max.X <= r.Min.X {
		return image.Rectangle{}
	}
	return r
}

// encoder writes GIF blocks, keeping the first error.
type encoder struct {
	w     io.Writer
	depth int
	err   error
}

func (e *encoder) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func le16(b []byte, v int) []byte { return append(b, byte(v), byte(v>>8)) }

// header writes the GIF header, the logical screen, the global colour table and the loop
// extension.
func (e *encoder) header(w, h int, pal color.Palette, loop int) {
	b := []byte("GIF89a")
	b = le16(b, w)
	b = le16(b, h)
	b = append(b, 0x80|0x70|byte(e.depth-1), 0, 0) // global table, 8-bit colour resolution
	for i := range 1 << e.depth {
		if i < len(pal) {
			r, g, bl, _ := pal[i].RGBA()
			b = append(b, byte(r>>8), byte(g>>8), byte(bl>>8))
		} else {
			b = append(b, 0, 0, 0)
		}
	}
	if loop >= 0 {
		b = append(b, 0x21, 0xff, 0x0b)
		b = append(b, "NETSCAPE2.0"...)
		b = append(b, 3, 1)
		b = le16(b, loop)
		b = append(b, 0)
	}
	e.write(b)
}

// frame writes one frame: the pixels of rect, from pix whose rows have stride w.
func (e *encoder) frame(rect image.Rectangle, w int, pix []uint8, delay, transparent int) {
	b := []byte{0x21, 0xf9, 4, 1 << 2} // graphic control: disposal "none"
	if transparent >= 0 {
		b[3] |= 1
	}
	b = le16(b, delay)
	b = append(b, byte(max(transparent, 0)), 0)
	b = append(b, 0x2c)
	b = le16(b, rect.Min.X)
	b = le16(b, rect.Min.Y)
	b = le16(b, rect.Dx())
	b = le16(b, rect.Dy())
	lit := max(2, e.depth)
	b = append(b, 0, byte(lit)) // no local colour table; LZW minimum code size
	e.write(b)

	bw := &blockWriter{w: e}
	lw := lzw.NewWriter(bw, lzw.LSB, lit)
	for y := rect.Min.Y; y < rect.Max.Y && e.err == nil; y++ {
		if _, err := lw.Write(pix[y*w+rect.Min.X : y*w+rect.Max.X]); err != nil && e.err == nil {
			e.err = err
		}
	}
	if err := lw.Close(); err != nil && e.err == nil {
		e.err = err
	}
	bw.close()
}

// blockWriter splits the LZW data into sub-blocks of at most 255 bytes.
type blockWriter struct {
	w   *encoder
	buf [256]byte
	n   int
}

func (b *blockWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		k := copy(b.buf[1+b.n:], p)
		b.n += k
		p = p[k:]
		if b.n == 255 {
			b.flush()
		}
	}
	if b.w.err != nil {
		return 0, b.w.err
	}
	return total, nil
}

func (b *blockWriter) flush() {
	if b.n == 0 {
		return
	}
	b.buf[0] = byte(b.n)
	b.w.write(b.buf[:1+b.n])
	b.n = 0
}

// close flushes the last sub-block and writes the block terminator.
func (b *blockWriter) close() {
	b.flush()
	b.w.write([]byte{0})
}
