package gifanim

import (
	"cmp"
	"fmt"
	"image"
	"image/color"
	"math"
	"slices"
)

// rgb is an opaque colour packed as 0xRRGGBB.
type rgb uint32

func (c rgb) ch(i int) int { return int(c>>(16-8*i)) & 0xff }

func (c rgb) color() color.RGBA {
	return color.RGBA{R: uint8(c >> 16), G: uint8(c >> 8), B: uint8(c), A: 0xff}
}

// pixels writes the colours of img, composited over white, into dst (len w×h, row major).
func pixels(dst []rgb, img image.Image) {
	b := img.Bounds()
	w := b.Dx()
	switch m := img.(type) {
	case *image.RGBA:
		for y := range b.Dy() {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				p := row[4*x : 4*x+4 : 4*x+4]
				k := 255 - uint32(p[3]) // premultiplied: c + (1-a)·white
				dst[y*w+x] = rgb((uint32(p[0])+k)<<16 | (uint32(p[1])+k)<<8 | (uint32(p[2]) + k))
			}
		}
	case *image.NRGBA:
		for y := range b.Dy() {
			row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				p := row[4*x : 4*x+4 : 4*x+4]
				if p[3] == 0xff {
					dst[y*w+x] = rgb(uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2]))
					continue
				}
				a := uint32(p[3])
				over := func(v uint8) uint32 { return (uint32(v)*a + 255*(255-a) + 127) / 255 }
				dst[y*w+x] = rgb(over(p[0])<<16 | over(p[1])<<8 | over(p[2]))
			}
		}
	default:
		for y := range b.Dy() {
			for x := range w {
				r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				k := 0xffff - a
				dst[y*w+x] = rgb((r+k)>>8<<16 | (g+k)>>8<<8 | (bl+k)>>8)
			}
		}
	}
}

// frameReader reads frames into a reused buffer, checking that their sizes agree.
type frameReader struct {
	frame func(i int) (image.Image, error)
	size  image.Point
	buf   []rgb
}

func (r *frameReader) read(i int) ([]rgb, error) {
	img, err := r.frame(i)
	if err != nil {
		return nil, fmt.Errorf("frame %d: %w", i, err)
	}
	if img == nil {
		return nil, fmt.Errorf("frame %d: nil image", i)
	}
	s := img.Bounds().Size()
	if r.buf == nil {
		if s.X <= 0 || s.Y <= 0 || s.X > 0xffff || s.Y > 0xffff {
			return nil, fmt.Errorf("frame %d: size %v out of GIF range", i, s)
		}
		r.size = s
		r.buf = make([]rgb, s.X*s.Y)
	} else if s != r.size {
		return nil, fmt.Errorf("frame %d: size %v, frame 0 has %v", i, s, r.size)
	}
	pixels(r.buf, img)
	return r.buf, nil
}

// BuildPalette returns the palette Encode would build for the n frames: at most maxColors
// (1 to 256) colours, sorted by value. It calls frame once for each frame, in order.
func BuildPalette(n int, frame func(i int) (image.Image, error), maxColors int) (color.Palette, error) {
	if maxColors < 1 || maxColors > 256 {
		return nil, fmt.Errorf("gifanim: maxColors %d out of range 1..256", maxColors)
	}
	if n < 1 {
		return nil, fmt.Errorf("gifanim: %d frames", n)
	}
	r := frameReader{frame: frame}
	hist := map[rgb]uint64{}
	for i := range n {
		px, err := r.read(i)
		if err != nil {
			return nil, fmt.Errorf("gifanim: %w", err)
		}
		// Count runs of equal pixels with one map access each.
		for j := 0; j < len(px); {
			k := j + 1
			for k < len(px) && px[k] == px[j] {
				k++
			}
			hist[px[j]] += uint64(k - j)
			j = k
		}
	}
	cols := medianCut(hist, maxColors)
	pal := make(color.Palette, len(cols))
	for i, c := range cols {
		pal[i] = c.color()
	}
	return pal, nil
}

type bin struct {
	c rgb
	n uint64
}

// box is a set of histogram bins with its extent.
type box struct {
	bins   []bin
	n      uint64
	lo, hi [3]int
}

func newBox(bins []bin) box {
	b := box{bins: bins, lo: [3]int{255, 255, 255}}
	for _, e := range bins {
		b.n += e.n
		for i := range 3 {
			v := e.c.ch(i)
			b.lo[i], b.hi[i] = min(b.lo[i], v), max(b.hi[i], v)
		}
	}
	return b
}

// axis returns the widest channel of b and its range.
func (b box) axis() (int, int) {
	ax, r := 0, -1
	for i := range 3 {
		if d := b.hi[i] - b.lo[i]; d > r {
			ax, r = i, d
		}
	}
	return ax, r
}

// medianCut returns at most k colours representing the histogram, sorted by value.
func medianCut(hist map[rgb]uint64, k int) []rgb {
	bins := make([]bin, 0, len(hist))
	for c, n := range hist {
		bins = append(bins, bin{c, n})
	}
	slices.SortFunc(bins, func(a, b bin) int { return cmp.Compare(a.c, b.c) })
	if len(bins) <= k {
		out := make([]rgb, len(bins))
		for i, b := range bins {
			out[i] = b.c
		}
		return out
	}
	boxes := []box{newBox(bins)}
	for len(boxes) < k {
		best, score := -1, 0.0
		for i, b := range boxes {
			if _, r := b.axis(); r > 0 {
				if s := float64(r) * math.Sqrt(float64(b.n)); s > score {
					best, score = i, s
				}
			}
		}
		if best < 0 {
			break
		}
		b := boxes[best]
		ax, _ := b.axis()
		slices.SortFunc(b.bins, func(x, y bin) int {
			return cmp.Or(cmp.Compare(x.c.ch(ax), y.c.ch(ax)), cmp.Compare(x.c, y.c))
		})
		// Split at the weighted median, moved to a change of the channel's value.
		var acc uint64
		m := 1
		for m < len(b.bins)-1 && acc+b.bins[m-1].n < b.n/2 {
			acc += b.bins[m-1].n
			m++
		}
		at := m
		for at < len(b.bins) && b.bins[at].c.ch(ax) == b.bins[at-1].c.ch(ax) {
			at++
		}
		if at == len(b.bins) {
			for at = m; b.bins[at].c.ch(ax) == b.bins[at-1].c.ch(ax); at-- {
			}
		}
		boxes[best] = newBox(b.bins[:at])
		boxes = append(boxes, newBox(b.bins[at:]))
	}
	out := make([]rgb, 0, len(boxes))
	for _, b := range boxes {
		mode := b.bins[0]
		for _, e := range b.bins[1:] {
			if e.n > mode.n || e.n == mode.n && e.c < mode.c {
				mode = e
			}
		}
		out = append(out, mode.c)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// mapper maps colours to the index of the nearest palette colour, with a cache.
type mapper struct {
	pal   [][3]int
	cache map[rgb]uint8
}

func newMapper(p color.Palette) *mapper {
	m := &mapper{pal: make([][3]int, len(p)), cache: map[rgb]uint8{}}
	for i, c := range p {
		r, g, b, _ := c.RGBA()
		m.pal[i] = [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
	}
	return m
}

// index returns the index of the palette colour nearest to c (the first one on ties).
func (m *mapper) index(c rgb) uint8 {
	if i, ok := m.cache[c]; ok {
		return i
	}
	best, bd := 0, math.MaxInt
	for i, p := range m.pal {
		dr, dg, db := p[0]-c.ch(0), p[1]-c.ch(1), p[2]-c.ch(2)
		if d := dr*dr + dg*dg + db*db; d < bd {
			best, bd = i, d
		}
	}
	m.cache[c] = uint8(best)
	return uint8(best)
}
