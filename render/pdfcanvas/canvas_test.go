package pdfcanvas

import (
	"bytes"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Labels with the characters the report's figures use, several outside WinAnsiEncoding.
const (
	xLabel = "epoch (×10³) · mean ± sd"
	yLabel = "loss − θ ≥ α²"
)

func newPlot() *plot.Plot {
	p := plot.New()
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sans, 12)
		ax.Tick.Label.Font = font.From(sans, 10)
	}
	p.Legend.TextStyle.Font = font.From(sans, 10)
	return p
}

// linePlot is a typical line figure: two long polylines (one dashed), circle glyphs, a grid,
// a translucent band and a legend.
func linePlot(t testing.TB) *plot.Plot {
	p := newPlot()
	p.Add(plotter.NewGrid())
	a, b := make(plotter.XYs, 301), make(plotter.XYs, 301)
	band := make(plotter.XYs, 0, 2*len(a))
	for i := range a {
		x := float64(i)
		a[i] = plotter.XY{X: x, Y: 2 + math.Sin(x/20)}
		b[i] = plotter.XY{X: x, Y: 1.5 + math.Cos(x/35)*math.Exp(-x/300)}
		band = append(band, plotter.XY{X: x, Y: a[i].Y + 0.3})
	}
	for i := len(a) - 1; i >= 0; i-- {
		band = append(band, plotter.XY{X: a[i].X, Y: a[i].Y - 0.3})
	}
	poly, err := plotter.NewPolygon(band)
	if err != nil {
		t.Fatal(err)
	}
	poly.Color = color.NRGBA{R: 30, G: 60, B: 200, A: 60}
	poly.LineStyle.Width = 0
	la, err := plotter.NewLine(a)
	if err != nil {
		t.Fatal(err)
	}
	la.Color = color.NRGBA{R: 30, G: 60, B: 200, A: 255}
	lb, err := plotter.NewLine(b)
	if err != nil {
		t.Fatal(err)
	}
	lb.Color, lb.Dashes = color.NRGBA{R: 200, G: 40, B: 30, A: 255}, []vg.Length{5, 3}
	var marks plotter.XYs
	for i := 0; i < len(a); i += 30 {
		marks = append(marks, a[i])
	}
	sc, err := plotter.NewScatter(marks)
	if err != nil {
		t.Fatal(err)
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: la.Color, Radius: 3, Shape: draw.CircleGlyph{}}
	p.Add(poly, la, lb, sc)
	p.Legend.Add("train", la, sc)
	p.Legend.Add("test", lb)
	return p
}

// heatPlot is a V×V heatmap with a translucent overlay image.
func heatPlot(v int) func(t testing.TB) *plot.Plot {
	return func(t testing.TB) *plot.Plot {
		p := newPlot()
		img := image.NewRGBA(image.Rect(0, 0, v, v))
		marks := image.NewNRGBA(image.Rect(0, 0, v, v))
		for y := range v {
			for x := range v {
				img.Set(x, y, color.RGBA{R: uint8(255 * x / v), G: uint8(255 * y / v), B: 128, A: 255})
				if (x+y)%7 == 0 {
					marks.Set(x, y, color.NRGBA{A: 100})
				}
			}
		}
		r := float64(v) - 0.5
		p.Add(plotter.NewImage(img, -0.5, -0.5, r, r), plotter.NewImage(marks, -0.5, -0.5, r, r))
		return p
	}
}

// render draws p on a 640×400 px (480×300 pt) Canvas and returns the PDF.
func render(t testing.TB, p *plot.Plot) []byte {
	t.Helper()
	c := New(480, 300)
	c.SetTitle("A figure − test")
	p.Draw(draw.New(c))
	var b bytes.Buffer
	n, err := c.WriteTo(&b)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(b.Len()) {
		t.Fatalf("WriteTo returned %d, wrote %d bytes", n, b.Len())
	}
	return b.Bytes()
}

// checkStructure checks the header, that every cross-reference offset points at its
// "N 0 obj" and that startxref points at the table.
func checkStructure(t *testing.T, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatal("missing header or EOF marker")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	at, _ := strconv.Atoi(string(m[1]))
	xref := regexp.MustCompile(`^xref\n0 (\d+)\n0000000000 65535 f \n`).FindSubmatch(pdf[at:])
	if xref == nil {
		t.Fatalf("startxref %d does not point at a cross-reference table", at)
	}
	n, _ := strconv.Atoi(string(xref[1]))
	entries := pdf[at+len(xref[0]):]
	for i := 1; i < n; i++ {
		e := string(entries[20*(i-1) : 20*i])
		if !strings.HasSuffix(e, " 00000 n \n") {
			t.Fatalf("bad xref entry %d: %q", i, e)
		}
		off, _ := strconv.Atoi(e[:10])
		if want := strconv.Itoa(i) + " 0 obj\n"; !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Fatalf("xref entry %d points at %q", i, pdf[off:min(len(pdf), off+12)])
		}
	}
	if !bytes.Contains(pdf, []byte("trailer\n<< /Size "+strconv.Itoa(n)+" ")) {
		t.Fatalf("trailer /Size is not %d", n)
	}
	for _, bad := range []string{"/CreationDate", "/ModDate", "/ID"} {
		if bytes.Contains(pdf, []byte(bad)) {
			t.Errorf("PDF has %s", bad)
		}
	}
}

func TestDocuments(t *testing.T) {
	tests := []struct {
		name    string
		plot    func(testing.TB) *plot.Plot
		maxSize int
		images  int // image XObjects, soft masks included
		smasks  int
	}{
		{"line", linePlot, 60 << 10, 0, 0},
		{"heatmap64", heatPlot(64), 60 << 10, 3, 1},
		{"heatmap8", heatPlot(8), 60 << 10, 3, 1},
	}
	// PDFCANVAS_OUT keeps the files, to look at them.
	dir := os.Getenv("PDFCANVAS_OUT")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf := render(t, tt.plot(t))
			t.Logf("%d bytes", len(pdf))
			checkStructure(t, pdf)
			if len(pdf) > tt.maxSize {
				t.Errorf("%d bytes, want at most %d", len(pdf), tt.maxSize)
			}
			if again := render(t, tt.plot(t)); !bytes.Equal(pdf, again) {
				t.Error("two renders differ")
			}
			if n := bytes.Count(pdf, []byte("/Subtype /Image")); n != tt.images {
				t.Errorf("%d images, want %d", n, tt.images)
			}
			if n := bytes.Count(pdf, []byte("/Interpolate false")); n != tt.images {
				t.Errorf("%d images with /Interpolate false, want %d", n, tt.images)
			}
			if n := bytes.Count(pdf, []byte("/SMask ")); n != tt.smasks {
				t.Errorf("%d soft masks, want %d", n, tt.smasks)
			}
			file := filepath.Join(dir, tt.name+".pdf")
			if err := os.WriteFile(file, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			checkText(t, file)
			checkFonts(t, file)
		})
	}
}

// checkText checks with pdftotext, if installed, that the labels come out as text.
func checkText(t *testing.T, file string) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext not installed: text extraction not checked")
		return
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	for _, want := range []string{xLabel, yLabel} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdftotext output lacks %q:\n%s", want, out)
		}
	}
}

// checkFonts checks with pdffonts, if installed, that every font is an embedded subset.
func checkFonts(t *testing.T, file string) {
	t.Helper()
	if _, err := exec.LookPath("pdffonts"); err != nil {
		t.Log("pdffonts not installed: fonts not checked")
		return
	}
	out, err := exec.Command("pdffonts", file).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one font:\n%s", out)
	}
	f := strings.Fields(lines[2])
	// name, type (2 words), encoding, emb, sub, uni, object ID (2 words)
	if len(f) != 9 || !strings.Contains(f[0], "+LiberationSans") || f[4] != "yes" || f[5] != "yes" || f[6] != "yes" {
		t.Errorf("font is not an embedded subset with ToUnicode:\n%s", out)
	}
}

func TestRasterized(t *testing.T) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm not installed")
	}
	// A 2×2 image drawn over the whole page: its top-left pixel must come out top left.
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.NRGBA{R: 255, A: 255})
	img.Set(1, 0, color.NRGBA{G: 255, A: 255})
	img.Set(0, 1, color.NRGBA{B: 255, A: 255})
	img.Set(1, 1, color.NRGBA{R: 255, G: 255, B: 255, A: 255})
	c := New(72, 72)
	c.DrawImage(vg.Rectangle{Max: vg.Point{X: 72, Y: 72}}, img)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.pdf"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-r", "10", "-singlefile", filepath.Join(dir, "a.pdf"), filepath.Join(dir, "a")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	ppm, err := os.ReadFile(filepath.Join(dir, "a.ppm"))
	if err != nil {
		t.Fatal(err)
	}
	// P6\n10 10\n255\n then RGB
	parts := bytes.SplitN(ppm, []byte("\n"), 4)
	px := func(x, y int) [3]byte {
		i := 3 * (y*10 + x)
		return [3]byte(parts[3][i : i+3])
	}
	for _, tt := range []struct {
		x, y int
		want [3]byte
	}{{1, 1, [3]byte{255, 0, 0}}, {8, 1, [3]byte{0, 255, 0}}, {1, 8, [3]byte{0, 0, 255}}, {8, 8, [3]byte{255, 255, 255}}} {
		if got := px(tt.x, tt.y); got != tt.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		draw func(c *Canvas)
		want string
	}{
		{"pop without push", func(c *Canvas) { c.Pop() }, "Pop without Push"},
		{"face without font", func(c *Canvas) { c.FillString(font.Face{Font: font.Font{Size: 10}}, vg.Point{}, "x") }, "has no face"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(10, 10)
			tt.draw(c)
			_, err := c.WriteTo(&bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestNum(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{{0, "0"}, {-0.0001, "0"}, {1, "1"}, {-2.5, "-2.5"}, {1.23456, "1.235"}, {480, "480"}, {math.NaN(), "0"}}
	for _, tt := range tests {
		if got := num(tt.in); got != tt.want {
			t.Errorf("num(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTextString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a (b)", `(a \(b\))`},
		{"x − y", "<FEFF00780020221200200079>"},
	}
	for _, tt := range tests {
		if got := textString(tt.in); got != tt.want {
			t.Errorf("textString(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
