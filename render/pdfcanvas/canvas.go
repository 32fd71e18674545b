package pdfcanvas

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strconv"

	"golang.org/x/image/font/sfnt"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// Canvas is a vg.Canvas that records a one-page PDF document; WriteTo writes it. The zero
// value is not usable: create a Canvas with New. A Canvas is not safe for concurrent use.
//
// Errors met while drawing (a font that cannot be embedded, say) cannot be returned by the
// vg.Canvas methods; the first one is kept, and WriteTo returns it.
type Canvas struct {
	w, h    vg.Length
	title   string
	content []byte
	stack   []state
	err     error

	fonts   []*fontRes
	fontOf  map[*sfnt.Font]*fontRes
	images  []*imageRes
	imageOf map[[sha256.Size]byte]*imageRes
	alphas  []string       // ExtGState i sets the alpha alphas[i]
	alphaOf map[string]int // alpha → ExtGState index
}

var (
	_ vg.Canvas         = (*Canvas)(nil)
	_ vg.CanvasSizer    = (*Canvas)(nil)
	_ vg.CanvasWriterTo = (*Canvas)(nil)
)

// state is one level of the Push/Pop stack: what the next drawing operation should use, and
// what the PDF graphics state currently holds (which q and Q save and restore alike).
type state struct {
	width   vg.Length
	dashes  []vg.Length
	dashOff vg.Length
	color   color.Color

	pdfWidth, pdfDash, pdfStroke, pdfFill, pdfAlpha string
}

// New returns a Canvas for a page of w×h points (vg.Length units), origin at the bottom left.
func New(w, h vg.Length) *Canvas {
	c := &Canvas{
		w: w, h: h,
		stack:   []state{{width: 1, color: color.Black, pdfWidth: "1", pdfDash: "[] 0", pdfStroke: "0 0 0", pdfFill: "0 0 0", pdfAlpha: "1"}},
		fontOf:  map[*sfnt.Font]*fontRes{},
		imageOf: map[[sha256.Size]byte]*imageRes{},
		alphaOf: map[string]int{},
	}
	vg.Initialize(c)
	return c
}

// SetTitle sets the document's title, written to its information dictionary.
func (c *Canvas) SetTitle(title string) { c.title = title }

// Size returns the page size given to New.
func (c *Canvas) Size() (w, h vg.Length) { return c.w, c.h }

func (c *Canvas) top() *state { return &c.stack[len(c.stack)-1] }

// fail records the first error.
func (c *Canvas) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// SetLineWidth sets the width of stroked paths; paths are not stroked if it is not positive.
func (c *Canvas) SetLineWidth(w vg.Length) { c.top().width = w }

// SetLineDash sets the dash pattern of stroked paths and its offset.
func (c *Canvas) SetLineDash(pattern []vg.Length, offset vg.Length) {
	c.top().dashes = append([]vg.Length(nil), pattern...)
	c.top().dashOff = offset
}

// SetColor sets the colour of strokes, fills and text; nil is black.
func (c *Canvas) SetColor(col color.Color) {
	if col == nil {
		col = color.Black
	}
	c.top().color = col
}

// Rotate rotates the coordinate system by rad radians, counterclockwise.
func (c *Canvas) Rotate(rad float64) {
	s, co := math.Sincos(rad)
	c.cm(co, s, -s, co, 0, 0)
}

// Translate moves the origin to pt.
func (c *Canvas) Translate(pt vg.Point) { c.cm(1, 0, 0, 1, float64(pt.X), float64(pt.Y)) }

// Scale scales the coordinate system by x and y.
func (c *Canvas) Scale(x, y float64) { c.cm(x, 0, 0, y, 0, 0) }

func (c *Canvas) cm(a, b, cc, d, e, f float64) {
	c.nums(a, b, cc, d, e, f)
	c.op("cm")
}

// Push saves the line width, dash pattern, colour and transform; Pop restores them.
func (c *Canvas) Push() {
	s := *c.top()
	s.dashes = append([]vg.Length(nil), s.dashes...)
	c.stack = append(c.stack, s)
	c.op("q")
}

// Pop restores the state saved by the matching Push. An unmatched Pop is an error.
func (c *Canvas) Pop() {
	if len(c.stack) == 1 {
		c.fail(fmt.Errorf("pdfcanvas: Pop without Push"))
		return
	}
	c.stack = c.stack[:len(c.stack)-1]
	c.op("Q")
}

// Stroke strokes p with the current line width, dashes and colour.
func (c *Canvas) Stroke(p vg.Path) {
	s := c.top()
	if s.width <= 0 || len(p) == 0 {
		return
	}
	if w := num(float64(s.width)); w != s.pdfWidth {
		c.content = append(c.content, w...)
		c.op("w")
		s.pdfWidth = w
	}
	dash := []byte{'['}
	for i, d := range s.dashes {
		if i > 0 {
			dash = append(dash, ' ')
		}
		dash = append(dash, num(float64(d))...)
	}
	dash = append(dash, "] "...)
	dash = append(dash, num(float64(s.dashOff))...)
	if string(dash) != s.pdfDash {
		c.content = append(c.content, dash...)
		c.op("d")
		s.pdfDash = string(dash)
	}
	rgb, alpha := colour(s.color)
	if rgb != s.pdfStroke {
		c.content = append(c.content, rgb...)
		c.op("RG")
		s.pdfStroke = rgb
	}
	c.setAlpha(alpha)
	c.path(p)
	c.op("S")
}

// Fill fills p (nonzero winding rule) with the current colour.
func (c *Canvas) Fill(p vg.Path) {
	if len(p) == 0 {
		return
	}
	c.fillColour()
	c.path(p)
	c.op("f")
}

func (c *Canvas) fillColour() {
	s := c.top()
	rgb, alpha := colour(s.color)
	if rgb != s.pdfFill {
		c.content = append(c.content, rgb...)
		c.op("rg")
		s.pdfFill = rgb
	}
	c.setAlpha(alpha)
}

// setAlpha makes the constant alpha of strokes and fills a (a formatted number).
func (c *Canvas) setAlpha(a string) {
	s := c.top()
	if a == s.pdfAlpha {
		return
	}
	c.gs(a)
	s.pdfAlpha = a
}

// gs writes the operator selecting the ExtGState with alpha a.
func (c *Canvas) gs(a string) {
	i, ok := c.alphaOf[a]
	if !ok {
		i = len(c.alphas)
		c.alphas = append(c.alphas, a)
		c.alphaOf[a] = i
	}
	c.name("GS" + strconv.Itoa(i))
	c.op("gs")
}

// path appends the path construction operators of p. Arcs become cubic Bézier curves (at most
// a quarter turn each), quadratic curves become cubic ones.
func (c *Canvas) path(p vg.Path) {
	var cur vg.Point
	have := false
	for _, comp := range p {
		switch comp.Type {
		case vg.MoveComp:
			c.nums(float64(comp.Pos.X), float64(comp.Pos.Y))
			c.op("m")
			cur, have = comp.Pos, true
		case vg.LineComp:
			c.nums(float64(comp.Pos.X), float64(comp.Pos.Y))
			c.op("l")
			cur, have = comp.Pos, true
		case vg.ArcComp:
			r := float64(comp.Radius)
			at := func(a float64) (x, y, dx, dy float64) {
				s, co := math.Sincos(a)
				return float64(comp.Pos.X) + r*co, float64(comp.Pos.Y) + r*s, -r * s, r * co
			}
			x, y, _, _ := at(comp.Start)
			if !have {
				c.nums(x, y)
				c.op("m")
			} else if math.Abs(x-float64(cur.X)) > 1e-9 || math.Abs(y-float64(cur.Y)) > 1e-9 {
				c.nums(x, y)
				c.op("l")
			}
			n := max(1, int(math.Ceil(math.Abs(comp.Angle)/(math.Pi/2)-1e-9)))
			step := comp.Angle / float64(n)
			k := 4.0 / 3 * math.Tan(step/4)
			for i := range n {
				x0, y0, dx0, dy0 := at(comp.Start + step*float64(i))
				x1, y1, dx1, dy1 := at(comp.Start + step*float64(i+1))
				c.nums(x0+k*dx0, y0+k*dy0, x1-k*dx1, y1-k*dy1, x1, y1)
				c.op("c")
				cur = vg.Point{X: vg.Length(x1), Y: vg.Length(y1)}
			}
			have = true
		case vg.CurveComp:
			switch len(comp.Control) {
			case 1:
				q := comp.Control[0]
				c.nums(float64(cur.X+2*(q.X-cur.X)/3), float64(cur.Y+2*(q.Y-cur.Y)/3),
					float64(comp.Pos.X+2*(q.X-comp.Pos.X)/3), float64(comp.Pos.Y+2*(q.Y-comp.Pos.Y)/3),
					float64(comp.Pos.X), float64(comp.Pos.Y))
			case 2:
				c.nums(float64(comp.Control[0].X), float64(comp.Control[0].Y),
					float64(comp.Control[1].X), float64(comp.Control[1].Y),
					float64(comp.Pos.X), float64(comp.Pos.Y))
			default:
				c.fail(fmt.Errorf("pdfcanvas: curve with %d control points", len(comp.Control)))
				continue
			}
			c.op("c")
			cur, have = comp.Pos, true
		case vg.CloseComp:
			c.op("h")
		default:
			c.fail(fmt.Errorf("pdfcanvas: unknown path component type %d", comp.Type))
		}
	}
}

// FillString draws text with its baseline's left end at pt, in the current colour. The face
// must be a TrueType font; its used glyphs are embedded.
func (c *Canvas) FillString(f font.Face, pt vg.Point, str string) {
	if f.Font.Size == 0 || str == "" {
		return
	}
	if f.Face == nil {
		c.fail(fmt.Errorf("pdfcanvas: font %q has no face", f.Name()))
		return
	}
	fr, err := c.font(f.Face)
	if err != nil {
		c.fail(fmt.Errorf("pdfcanvas: font %q: %w", f.Name(), err))
		return
	}
	tj, err := fr.encode(str)
	if err != nil {
		c.fail(fmt.Errorf("pdfcanvas: text %q in font %q: %w", str, f.Name(), err))
		return
	}
	c.fillColour()
	c.op("BT")
	c.name(fr.name)
	c.nums(float64(f.Font.Size))
	c.op("Tf")
	c.nums(float64(pt.X), float64(pt.Y))
	c.op("Td")
	c.content = append(c.content, tj...)
	c.op("TJ")
	c.op("ET")
}

// DrawImage draws img stretched over rect, the image's top row at the top (rect.Max.Y). The
// image is embedded losslessly as 8-bit RGB, with a soft mask if it is not opaque, and viewers
// are asked not to smooth it (/Interpolate false). Identical images are embedded once.
func (c *Canvas) DrawImage(rect vg.Rectangle, img image.Image) {
	b := img.Bounds()
	if b.Empty() {
		return
	}
	rgb := make([]byte, 0, 3*b.Dx()*b.Dy())
	alpha := make([]byte, 0, b.Dx()*b.Dy())
	opaque := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			rgb = append(rgb, p.R, p.G, p.B)
			alpha = append(alpha, p.A)
			opaque = opaque && p.A == 0xff
		}
	}
	if opaque {
		alpha = nil
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d %d %t\n", b.Dx(), b.Dy(), opaque)
	h.Write(rgb)
	h.Write(alpha)
	var key [sha256.Size]byte
	h.Sum(key[:0])
	im, ok := c.imageOf[key]
	if !ok {
		im = &imageRes{name: "Im" + strconv.Itoa(len(c.images)), w: b.Dx(), h: b.Dy(), rgb: rgb, alpha: alpha}
		c.images = append(c.images, im)
		c.imageOf[key] = im
	}
	c.op("q")
	if c.top().pdfAlpha != "1" {
		c.gs("1")
	}
	c.cm(float64(rect.Max.X-rect.Min.X), 0, 0, float64(rect.Max.Y-rect.Min.Y), float64(rect.Min.X), float64(rect.Min.Y))
	c.name(im.name)
	c.op("Do")
	c.op("Q")
}

// imageRes is an image XObject.
type imageRes struct {
	name       string
	w, h       int
	rgb, alpha []byte // alpha is nil for an opaque image
}

// op appends a content stream operator and a newline.
func (c *Canvas) op(s string) {
	c.content = append(c.content, s...)
	c.content = append(c.content, '\n')
}

// name appends a resource name and a space.
func (c *Canvas) name(n string) {
	c.content = append(c.content, '/')
	c.content = append(c.content, n...)
	c.content = append(c.content, ' ')
}

// nums appends numbers, each followed by a space.
func (c *Canvas) nums(xs ...float64) {
	for _, x := range xs {
		c.content = append(c.content, num(x)...)
		c.content = append(c.content, ' ')
	}
}

// num formats x with at most 3 decimals (a thousandth of a point), without a negative zero.
func num(x float64) string {
	x = math.Round(x*1000) / 1000
	if x == 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return "0"
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// colour returns the formatted RGB components (non-premultiplied) and alpha of col.
func colour(col color.Color) (rgb, alpha string) {
	p := color.NRGBA64Model.Convert(col).(color.NRGBA64)
	f := func(v uint16) string { return num(float64(v) / 0xffff) }
	return f(p.R) + " " + f(p.G) + " " + f(p.B), f(p.A)
}

// WriteTo writes the PDF document. It returns the first error met while drawing, if any.
func (c *Canvas) WriteTo(w io.Writer) (int64, error) {
	if c.err != nil {
		return 0, c.err
	}
	doc, err := c.document()
	if err != nil {
		return 0, fmt.Errorf("pdfcanvas: %w", err)
	}
	n, err := w.Write(doc)
	if err != nil {
		return int64(n), fmt.Errorf("pdfcanvas: writing: %w", err)
	}
	return int64(n), nil
}

// objWriter numbers and lays out the objects of a PDF file.
type objWriter struct {
	objs [][]byte // object i+1
}

// reserve returns the number of a new, still empty, object.
func (o *objWriter) reserve() int {
	o.objs = append(o.objs, nil)
	return len(o.objs)
}

// set sets the body of object n (the part between "n 0 obj" and "endobj").
func (o *objWriter) set(n int, body string) { o.objs[n-1] = []byte(body) }

// stream sets object n to a Flate-compressed stream with the extra dictionary entries dict.
func (o *objWriter) stream(n int, dict string, data []byte) error {
	var z bytes.Buffer
	zw, err := zlib.NewWriterLevel(&z, zlib.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<< /Length %d /Filter /FlateDecode%s >>\nstream\n", z.Len(), dict)
	b.Write(z.Bytes())
	b.WriteString("\nendstream")
	o.objs[n-1] = b.Bytes()
	return nil
}

// bytes returns the file with its cross-reference table; object root is the catalog.
func (o *objWriter) bytes(root, info int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(o.objs))
	for i, body := range o.objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(body)
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(o.objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(o.objs)+1, root, info, xref)
	return b.Bytes()
}

func (c *Canvas) document() ([]byte, error) {
	var o objWriter
	catalog, pages, page, contents, info := o.reserve(), o.reserve(), o.reserve(), o.reserve(), o.reserve()
	o.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pages))
	o.set(pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	infoDict := "<< /Producer (maxgrok render/pdfcanvas)"
	if c.title != "" {
		infoDict += " /Title " + textString(c.title)
	}
	o.set(info, infoDict+" >>")

	var res bytes.Buffer
	res.WriteString("<< /ProcSet [/PDF /Text /ImageC]")
	if len(c.fonts) > 0 {
		res.WriteString(" /Font <<")
		for _, f := range c.fonts {
			n, err := f.write(&o)
			if err != nil {
				return nil, fmt.Errorf("font %s: %w", f.name, err)
			}
			fmt.Fprintf(&res, " /%s %d 0 R", f.name, n)
		}
		res.WriteString(" >>")
	}
	if len(c.images) > 0 {
		res.WriteString(" /XObject <<")
		for _, im := range c.images {
			n := o.reserve()
			smask := ""
			if im.alpha != nil {
				m := o.reserve()
				if err := o.stream(m, fmt.Sprintf(" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Interpolate false", im.w, im.h), im.alpha); err != nil {
					return nil, fmt.Errorf("image %s: %w", im.name, err)
				}
				smask = fmt.Sprintf(" /SMask %d 0 R", m)
			}
			if err := o.stream(n, fmt.Sprintf(" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Interpolate false%s", im.w, im.h, smask), im.rgb); err != nil {
				return nil, fmt.Errorf("image %s: %w", im.name, err)
			}
			fmt.Fprintf(&res, " /%s %d 0 R", im.name, n)
		}
		res.WriteString(" >>")
	}
	if len(c.alphas) > 0 {
		res.WriteString(" /ExtGState <<")
		for i, a := range c.alphas {
			fmt.Fprintf(&res, " /GS%d << /Type /ExtGState /CA %s /ca %s >>", i, a, a)
		}
		res.WriteString(" >>")
	}
	res.WriteString(" >>")

	o.set(page, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources %s /Contents %d 0 R >>",
		pages, num(float64(c.w)), num(float64(c.h)), res.String(), contents))
	body := c.content
	for range len(c.stack) - 1 { // close unmatched Push calls
		body = append(body, "Q\n"...)
	}
	if err := o.stream(contents, "", body); err != nil {
		return nil, fmt.Errorf("content stream: %w", err)
	}
	return o.bytes(catalog, info), nil
}

// textString returns s as a PDF text string: a literal string if it is printable ASCII,
// otherwise UTF-16BE with a byte order mark, in hexadecimal.
func textString(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		var b []byte
		b = append(b, '(')
		for i := 0; i < len(s); i++ {
			if s[i] == '(' || s[i] == ')' || s[i] == '\\' {
				b = append(b, '\\')
			}
			b = append(b, s[i])
		}
		return string(append(b, ')'))
	}
	b := []byte("<FEFF")
	for _, u := range utf16Units(s) {
		b = fmt.Appendf(b, "%04X", u)
	}
	return string(append(b, '>'))
}
