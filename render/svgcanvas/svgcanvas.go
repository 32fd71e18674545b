// Package svgcanvas is a gonum/plot vg.Canvas that writes compact, deterministic SVG made for a
// page with a light and a dark theme, and for a script that updates parts of it.
//
// gonum/plot's own vgsvg backend writes absolute colours, a background, a <defs> section and
// text offset by its measured width; this canvas writes instead:
//
//   - a root <svg> with viewBox="0 0 W H" (user units are CSS px at the natural size),
//     width="100%" and no height, so it scales with its container and keeps its aspect ratio;
//     no XML prolog, no id and no <defs>, so several SVGs can be inlined in one HTML page as they
//     are; the title is its aria-label (not a <title>, whose tooltip would cover the page's own);
//   - no background: the figure is transparent;
//   - currentColor for the theme colours Foreground (the root has fill="currentColor"), Grid and
//     Zero (at a low opacity), so that the page's CSS color applies in either theme;
//   - real <text>, anchored with text-anchor when drawn through a TextHandler, so that a
//     fallback font of other metrics still aligns;
//   - images as PNG data URLs with preserveAspectRatio="none" and
//     style="image-rendering:pixelated";
//   - long polylines simplified (Douglas–Peucker, SimplifyTolerance) and every coordinate
//     rounded to 0.01 px; no transforms except for rotated text;
//   - classes where the caller asks for them, on groups (OpenGroup) or on the elements drawn
//     next (SetClass), so that a script can find what it updates without parsing the drawing.
package svgcanvas

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"math"
	"strconv"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SimplifyTolerance is how far, in px, a point of a long polyline may be from the simplified
// line that replaces it.
const SimplifyTolerance = 0.3

// ThemeColor is a colour the page's theme decides: the canvas writes it as currentColor, and
// another canvas (a PDF) gets the RGBA of a light theme.
type ThemeColor uint8

// The theme colours.
const (
	Foreground ThemeColor = iota + 1 // text, axes, ticks
	Grid                             // grid lines, faint
	Zero                             // the line y = 0, between the two
)

// RGBA implements color.Color with the colours of a light theme (for canvases other than this
// one).
func (t ThemeColor) RGBA() (r, g, b, a uint32) {
	switch t {
	case Grid:
		return color.Gray{Y: 0xe0}.RGBA()
	case Zero:
		return color.Gray{Y: 0x80}.RGBA()
	}
	return color.Black.RGBA()
}

// opacity is the fill or stroke opacity of t ("" for opaque).
func (t ThemeColor) opacity() string {
	switch t {
	case Grid:
		return "0.13"
	case Zero:
		return "0.45"
	}
	return ""
}

// Options are the root's text defaults, and the cache of the images' encodings.
type Options struct {
	FontFamily string      // the root's font-family
	FontSize   float64     // the root's font-size; text of another size gets a font-size
	Images     *ImageCache // if not nil, the PNGs of the images drawn, shared with other canvases
}

// ImageCache holds the PNG encodings of the images drawn on the canvases that share it, by
// their pixels, so that an image drawn again (a figure's last epoch in its small multiples, a
// mask on every panel) is encoded once: the same bytes, as the encoder is deterministic. It
// knows *image.RGBA and *image.NRGBA; other images are encoded each time. The zero value is
// ready to use; it is not safe for concurrent use.
type ImageCache struct {
	png map[[sha256.Size]byte][]byte
}

// key returns the digest of img's kind, bounds and pixels, and false for an image kind the
// cache does not know.
func (ic *ImageCache) key(img image.Image) ([sha256.Size]byte, bool) {
	var kind byte
	var pix []byte
	var stride int
	switch m := img.(type) {
	case *image.RGBA:
		kind, pix, stride = 1, m.Pix, m.Stride
	case *image.NRGBA:
		kind, pix, stride = 2, m.Pix, m.Stride
	default:
		return [sha256.Size]byte{}, false
	}
	r := img.Bounds()
	h := sha256.New()
	var head [1 + 4*8]byte
	head[0] = kind
	for i, v := range []int{r.Min.X, r.Min.Y, r.Max.X, r.Max.Y} {
		binary.LittleEndian.PutUint64(head[1+8*i:], uint64(v))
	}
	h.Write(head[:])
	for y := range r.Dy() {
		h.Write(pix[y*stride : y*stride+4*r.Dx()])
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k, true
}

// affine maps (x, y) to (a x + c y + e, b x + d y + f).
type affine struct{ a, b, c, d, e, f float64 }

func (m affine) apply(p vg.Point) (float64, float64) {
	x, y := float64(p.X), float64(p.Y)
	return m.a*x + m.c*y + m.e, m.b*x + m.d*y + m.f
}

// then returns m after n: first n, then m.
func (m affine) then(n affine) affine {
	return affine{
		a: m.a*n.a + m.c*n.b, b: m.b*n.a + m.d*n.b,
		c: m.a*n.c + m.c*n.d, d: m.b*n.c + m.d*n.d,
		e: m.a*n.e + m.c*n.f + m.e, f: m.b*n.e + m.d*n.f + m.f,
	}
}

type state struct {
	color  color.Color
	width  vg.Length
	dashes []vg.Length
	offset vg.Length
	m      affine
}

// Canvas is a vg.Canvas writing the SVG described in the package documentation. Its user
// units are vg's points; it flips y itself.
type Canvas struct {
	w, h  float64
	opt   Options
	buf   []byte
	stack []state
	class string // the class attribute of the elements written next
	pngs  pngBuffers
}

var _ vg.CanvasSizer = (*Canvas)(nil)

// New returns an empty canvas of w×h user units.
func New(w, h float64, o Options) *Canvas {
	c := &Canvas{w: w, h: h, opt: o, buf: make([]byte, 0, 16<<10)}
	c.stack = []state{{m: affine{a: 1, d: -1, f: h}}}
	vg.Initialize(c)
	return c
}

// Of returns the Canvas under c (draw.Canvas wraps canvases), or nil.
func Of(c vg.Canvas) *Canvas {
	for {
		switch v := c.(type) {
		case *Canvas:
			return v
		case draw.Canvas:
			c = v.Canvas
		case *draw.Canvas:
			c = v.Canvas
		default:
			return nil
		}
	}
}

func (c *Canvas) top() *state { return &c.stack[len(c.stack)-1] }

// Size implements vg.CanvasSizer.
func (c *Canvas) Size() (vg.Length, vg.Length) { return vg.Length(c.w), vg.Length(c.h) }

// SetLineWidth implements vg.Canvas.
func (c *Canvas) SetLineWidth(w vg.Length) { c.top().width = w }

// SetLineDash implements vg.Canvas.
func (c *Canvas) SetLineDash(d []vg.Length, off vg.Length) {
	c.top().dashes, c.top().offset = d, off
}

// SetColor implements vg.Canvas.
func (c *Canvas) SetColor(col color.Color) { c.top().color = col }

// Rotate implements vg.Canvas.
func (c *Canvas) Rotate(rad float64) {
	s, co := math.Sincos(rad)
	c.top().m = c.top().m.then(affine{a: co, b: s, c: -s, d: co})
}

// Translate implements vg.Canvas.
func (c *Canvas) Translate(p vg.Point) {
	c.top().m = c.top().m.then(affine{a: 1, d: 1, e: float64(p.X), f: float64(p.Y)})
}

// Scale implements vg.Canvas.
func (c *Canvas) Scale(x, y float64) { c.top().m = c.top().m.then(affine{a: x, d: y}) }

// Push implements vg.Canvas.
func (c *Canvas) Push() { c.stack = append(c.stack, *c.top()) }

// Pop implements vg.Canvas.
func (c *Canvas) Pop() {
	if len(c.stack) > 1 {
		c.stack = c.stack[:len(c.stack)-1]
	}
}

// OpenGroup starts a <g class="class">; CloseGroup ends it.
func (c *Canvas) OpenGroup(class string) {
	c.buf = append(c.buf, `<g class="`...)
	c.buf = append(c.buf, html.EscapeString(class)...)
	c.buf = append(c.buf, "\">\n"...)
}

// CloseGroup ends the group of the last OpenGroup.
func (c *Canvas) CloseGroup() { c.buf = append(c.buf, "</g>\n"...) }

// SetClass gives the elements written from now on the class attribute class ("" for none) and
// returns the previous one.
func (c *Canvas) SetClass(class string) (previous string) {
	previous, c.class = c.class, class
	return previous
}

// open starts an element: "<name", and its class if any.
func (c *Canvas) open(name string) {
	c.buf = append(c.buf, '<')
	c.buf = append(c.buf, name...)
	if c.class != "" {
		c.attr("class", html.EscapeString(c.class))
	}
}

// num appends x rounded to 0.01.
func (c *Canvas) num(x float64) {
	x = math.Round(x*100) / 100
	if x == 0 {
		x = 0 // no "-0"
	}
	c.buf = strconv.AppendFloat(c.buf, x, 'f', -1, 64)
}

func (c *Canvas) attr(name string, val string) {
	c.buf = append(c.buf, ' ')
	c.buf = append(c.buf, name...)
	c.buf = append(c.buf, `="`...)
	c.buf = append(c.buf, val...)
	c.buf = append(c.buf, '"')
}

func (c *Canvas) numAttr(name string, x float64) {
	c.buf = append(c.buf, ' ')
	c.buf = append(c.buf, name...)
	c.buf = append(c.buf, `="`...)
	c.num(x)
	c.buf = append(c.buf, '"')
}

// paint returns the SVG colour and opacity ("" for opaque) of col.
func paint(col color.Color) (string, string) {
	if col == nil {
		col = color.Black
	}
	if t, ok := col.(ThemeColor); ok {
		return "currentColor", t.opacity()
	}
	n := color.NRGBAModel.Convert(col).(color.NRGBA)
	hex := fmt.Sprintf("#%02x%02x%02x", n.R, n.G, n.B)
	if n.A == 0xff {
		return hex, ""
	}
	return hex, strconv.FormatFloat(math.Round(float64(n.A)/255*1000)/1000, 'f', -1, 64)
}

func (c *Canvas) scale() float64 {
	m := c.top().m
	return math.Sqrt(math.Abs(m.a*m.d - m.b*m.c))
}

// Stroke implements vg.Canvas.
func (c *Canvas) Stroke(p vg.Path) {
	st := c.top()
	if st.width <= 0 {
		return
	}
	c.open("path")
	c.buf = append(c.buf, ` d="`...)
	long := c.pathData(p)
	c.buf = append(c.buf, `" fill="none"`...)
	col, op := paint(st.color)
	c.attr("stroke", col)
	if op != "" {
		c.attr("stroke-opacity", op)
	}
	if w := float64(st.width) * c.scale(); w != 1 {
		c.numAttr("stroke-width", w)
	}
	if len(st.dashes) > 0 {
		c.buf = append(c.buf, ` stroke-dasharray="`...)
		for i, d := range st.dashes {
			if i > 0 {
				c.buf = append(c.buf, ',')
			}
			c.num(float64(d) * c.scale())
		}
		c.buf = append(c.buf, '"')
		if st.offset != 0 {
			c.numAttr("stroke-dashoffset", float64(st.offset)*c.scale())
		}
	}
	if long {
		c.attr("stroke-linejoin", "round")
	}
	c.buf = append(c.buf, "/>\n"...)
}

// Fill implements vg.Canvas.
func (c *Canvas) Fill(p vg.Path) {
	c.open("path")
	c.buf = append(c.buf, ` d="`...)
	c.pathData(p)
	c.buf = append(c.buf, '"')
	col, op := paint(c.top().color)
	c.attr("fill", col)
	if op != "" {
		c.attr("fill-opacity", op)
	}
	c.buf = append(c.buf, "/>\n"...)
}

func (c *Canvas) point(cmd byte, x, y float64) {
	if cmd != 0 {
		c.buf = append(c.buf, cmd)
	}
	c.num(x)
	c.buf = append(c.buf, ',')
	c.num(y)
}

// pathData appends the path's data, simplifying a long polyline; it reports whether it did.
func (c *Canvas) pathData(p vg.Path) bool {
	m := c.top().m
	if len(p) >= 16 && p[0].Type == vg.MoveComp {
		poly := true
		for _, comp := range p[1:] {
			if comp.Type != vg.LineComp {
				poly = false
				break
			}
		}
		if poly {
			pts := make([][2]float64, len(p))
			for i, comp := range p {
				pts[i][0], pts[i][1] = m.apply(comp.Pos)
			}
			for i, q := range Simplify(pts, SimplifyTolerance) {
				if i == 0 {
					c.point('M', q[0], q[1])
				} else {
					c.buf = append(c.buf, ' ')
					c.point(0, q[0], q[1])
				}
			}
			return true
		}
	}
	det := m.a*m.d - m.b*m.c
	var cx, cy float64
	have := false
	for _, comp := range p {
		switch comp.Type {
		case vg.MoveComp:
			cx, cy = m.apply(comp.Pos)
			c.point('M', cx, cy)
			have = true
		case vg.LineComp:
			cx, cy = m.apply(comp.Pos)
			c.point('L', cx, cy)
			have = true
		case vg.ArcComp:
			r := float64(comp.Radius)
			at := func(angle float64) (float64, float64) {
				s, co := math.Sincos(angle)
				return m.apply(vg.Point{X: comp.Pos.X + vg.Length(r*co), Y: comp.Pos.Y + vg.Length(r*s)})
			}
			sx, sy := at(comp.Start)
			if !have {
				c.point('M', sx, sy)
			} else if math.Abs(sx-cx) > 1e-9 || math.Abs(sy-cy) > 1e-9 {
				c.point('L', sx, sy)
			}
			parts := 1
			if math.Abs(comp.Angle) >= 2*math.Pi-1e-9 {
				parts = 2
			}
			step := comp.Angle / float64(parts)
			sweep := "0"
			if (step > 0) == (det > 0) {
				sweep = "1"
			}
			large := "0"
			if math.Abs(step) > math.Pi {
				large = "1"
			}
			rr := r * math.Sqrt(math.Abs(det))
			for i := 1; i <= parts; i++ {
				cx, cy = at(comp.Start + step*float64(i))
				c.buf = append(c.buf, 'A')
				c.num(rr)
				c.buf = append(c.buf, ',')
				c.num(rr)
				c.buf = append(c.buf, " 0 "...)
				c.buf = append(c.buf, large...)
				c.buf = append(c.buf, ',')
				c.buf = append(c.buf, sweep...)
				c.buf = append(c.buf, ' ')
				c.point(0, cx, cy)
			}
			have = true
		case vg.CurveComp:
			if len(comp.Control) == 1 {
				x, y := m.apply(comp.Control[0])
				c.point('Q', x, y)
			} else {
				x, y := m.apply(comp.Control[0])
				c.point('C', x, y)
				x, y = m.apply(comp.Control[1])
				c.buf = append(c.buf, ' ')
				c.point(0, x, y)
			}
			cx, cy = m.apply(comp.Pos)
			c.buf = append(c.buf, ' ')
			c.point(0, cx, cy)
			have = true
		case vg.CloseComp:
			c.buf = append(c.buf, 'Z')
		}
	}
	return false
}

// Simplify returns the points of the Douglas–Peucker simplification of a polyline: no dropped
// point is farther than tol from the kept line.
func Simplify(pts [][2]float64, tol float64) [][2]float64 {
	if len(pts) < 3 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	type span struct{ i, j int }
	stack := []span{{0, len(pts) - 1}}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		a, b := pts[s.i], pts[s.j]
		dx, dy := b[0]-a[0], b[1]-a[1]
		l2 := dx*dx + dy*dy
		worst, at := -1.0, -1
		for k := s.i + 1; k < s.j; k++ {
			px, py := pts[k][0]-a[0], pts[k][1]-a[1]
			var d float64
			if l2 == 0 {
				d = math.Hypot(px, py)
			} else {
				t := math.Max(0, math.Min(1, (px*dx+py*dy)/l2))
				d = math.Hypot(px-t*dx, py-t*dy)
			}
			if d > worst {
				worst, at = d, k
			}
		}
		if worst > tol {
			keep[at] = true
			stack = append(stack, span{s.i, at}, span{at, s.j})
		}
	}
	out := make([][2]float64, 0, len(pts)/4)
	for i, k := range keep {
		if k {
			out = append(out, pts[i])
		}
	}
	return out
}

// FillString implements vg.Canvas: text with its left end at pt (text drawn through a
// TextHandler is anchored properly instead).
func (c *Canvas) FillString(f font.Face, pt vg.Point, str string) {
	c.text(pt, str, "start", float64(f.Font.Size), c.top().color)
}

// text writes one line of text whose baseline anchor is at pt (canvas coordinates); the text
// runs along the current transform's x direction.
func (c *Canvas) text(pt vg.Point, str, anchor string, size float64, col color.Color) {
	m := c.top().m
	x, y := m.apply(pt)
	c.open("text")
	c.numAttr("x", x)
	c.numAttr("y", y)
	if anchor != "start" {
		c.attr("text-anchor", anchor)
	}
	if size != c.opt.FontSize {
		c.numAttr("font-size", size)
	}
	if v, op := paint(col); v != "currentColor" || op != "" {
		c.attr("fill", v)
		if op != "" {
			c.attr("fill-opacity", op)
		}
	}
	if deg := math.Atan2(m.b, m.a) * 180 / math.Pi; math.Abs(deg) > 1e-6 {
		c.buf = append(c.buf, ` transform="rotate(`...)
		c.num(deg)
		c.buf = append(c.buf, ' ')
		c.num(x)
		c.buf = append(c.buf, ' ')
		c.num(y)
		c.buf = append(c.buf, `)"`...)
	}
	c.buf = append(c.buf, '>')
	c.buf = append(c.buf, html.EscapeString(str)...)
	c.buf = append(c.buf, "</text>\n"...)
}

// DrawImage implements vg.Canvas: img stretched over rect, with crisp pixels.
func (c *Canvas) DrawImage(rect vg.Rectangle, img image.Image) {
	m := c.top().m
	x0, y0 := m.apply(rect.Min)
	x1, y1 := m.apply(rect.Max)
	data := c.encodePNG(img)
	c.open("image")
	c.numAttr("x", math.Min(x0, x1))
	c.numAttr("y", math.Min(y0, y1))
	c.numAttr("width", math.Abs(x1-x0))
	c.numAttr("height", math.Abs(y1-y0))
	c.buf = append(c.buf, ` preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,`...)
	c.buf = base64.StdEncoding.AppendEncode(c.buf, data)
	c.buf = append(c.buf, "\"/>\n"...)
}

// encodePNG returns img as a PNG, from the canvas's image cache when it has one.
func (c *Canvas) encodePNG(img image.Image) []byte {
	ic := c.opt.Images
	var key [sha256.Size]byte
	cached := false
	if ic != nil {
		if key, cached = ic.key(img); cached {
			if b, ok := ic.png[key]; ok {
				return b
			}
		}
	}
	var data bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression, BufferPool: &c.pngs}
	if err := enc.Encode(&data, img); err != nil {
		panic(fmt.Errorf("svgcanvas: encoding an image: %w", err)) // vg.Canvas cannot return errors
	}
	if cached {
		if ic.png == nil {
			ic.png = map[[sha256.Size]byte][]byte{}
		}
		ic.png[key] = data.Bytes()
	}
	return data.Bytes()
}

// pngBuffers is a png.EncoderBufferPool of one buffer: a canvas's images (a figure of small
// multiples has one per panel) reuse one encoder state, its zlib writer included, rather than
// allocating 600 KB each. The output does not depend on it.
type pngBuffers struct{ b *png.EncoderBuffer }

// Get returns the buffer put last, or nil (the encoder then allocates one).
func (p *pngBuffers) Get() *png.EncoderBuffer {
	b := p.b
	p.b = nil
	return b
}

// Put keeps b for the next image.
func (p *pngBuffers) Put(b *png.EncoderBuffer) { p.b = b }

// Bytes returns the SVG document, its aria-label title.
func (c *Canvas) Bytes(title string) []byte {
	var b bytes.Buffer
	b.Grow(len(c.buf) + 512)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="100%%" role="img" aria-label="%s" font-family="%s" font-size="%s" fill="currentColor">`+"\n",
		strconv.FormatFloat(c.w, 'f', -1, 64), strconv.FormatFloat(c.h, 'f', -1, 64), html.EscapeString(title), html.EscapeString(c.opt.FontFamily), strconv.FormatFloat(c.opt.FontSize, 'f', -1, 64))
	b.Write(c.buf)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// TextHandler is gonum/plot's plain text handler, except that on a Canvas it anchors text with
// text-anchor instead of offsetting it by its measured width, so that the alignment holds
// whichever font the browser substitutes, and gives the text the class Class (if not empty).
// With Boxes, the boxes it measures are memoised there.
type TextHandler struct {
	text.Plain
	Class string
	Boxes *TextBoxes // if not nil, Box's results by text and font
}

// TextBoxes memoises the boxes of the texts that TextHandlers sharing it measure: a plot
// measures each tick label several times while laying out and drawing, and each measurement
// walks the font's glyph tables (and allocates a buffer for it). The results are Plain's, the
// same for the same text and font. The zero value is ready to use; it is not safe for
// concurrent use (one plot's drawing).
type TextBoxes struct {
	m map[textKey][3]vg.Length
}

// textKey is a text measured in a font.
type textKey struct {
	txt string
	fnt font.Font
}

// Box implements text.Handler: Plain's box, from h.Boxes when it has it.
func (h TextHandler) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	if h.Boxes == nil {
		return h.Plain.Box(txt, fnt)
	}
	k := textKey{txt, fnt}
	if b, ok := h.Boxes.m[k]; ok {
		return b[0], b[1], b[2]
	}
	width, height, depth = h.Plain.Box(txt, fnt)
	if h.Boxes.m == nil {
		h.Boxes.m = map[textKey][3]vg.Length{}
	}
	h.Boxes.m[k] = [3]vg.Length{width, height, depth}
	return width, height, depth
}

// Draw implements text.Handler.
func (h TextHandler) Draw(cv vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	c := Of(cv)
	if c == nil {
		h.Plain.Draw(cv, txt, sty, pt)
		return
	}
	lines := h.Lines(txt)
	if len(lines) == 0 || txt == "" {
		return
	}
	if h.Class != "" {
		defer c.SetClass(c.SetClass(h.Class))
	}
	fnt := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	c.Push()
	if sty.Rotation != 0 {
		c.Rotate(sty.Rotation)
	}
	sin64, cos64 := math.Sincos(sty.Rotation)
	sin, cos := vg.Length(sin64), vg.Length(cos64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin
	pt.Y += sty.Height(txt)*vg.Length(sty.YAlign) - fnt.Extents().Ascent
	for i, line := range lines {
		q := pt.Add(vg.Point{Y: vg.Length(len(lines)-i) * sty.Font.Size})
		anchor := "start"
		switch sty.XAlign {
		case draw.XLeft:
		case draw.XCenter:
			anchor = "middle"
		case draw.XRight:
			anchor = "end"
		default:
			q.X += vg.Length(sty.XAlign) * fnt.Width(line)
		}
		c.text(q, line, anchor, float64(sty.Font.Size), sty.Color)
	}
	c.Pop()
}
