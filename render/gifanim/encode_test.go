package gifanim

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// blocks: a few flat colours, one square moving each frame (fewer colours than the palette).
func blocks(i int) (image.Image, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			c := color.RGBA{R: 255, G: 255, B: 255, A: 255}
			if y > 40 {
				c = color.RGBA{R: 20, G: 20, B: 20, A: 255}
			}
			if x >= i%56 && x < i%56+8 && y >= 10 && y < 18 {
				c = color.RGBA{R: 200, G: 30, B: 30, A: 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img, nil
}

// gradient: far more colours than the palette, shifting each frame, as NRGBA with some alpha.
func gradient(i int) (image.Image, error) {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(6*x + i), G: uint8(8 * y), B: uint8(3*(x+y) + 2*i), A: uint8(255 - (x*y)%64)})
		}
	}
	return img, nil
}

// stillImage is the same frame every time, a generic image.Image.
type stillImage struct{ *image.Uniform }

func (stillImage) Bounds() image.Rectangle { return image.Rect(0, 0, 5, 3) }

func stillFrames(int) (image.Image, error) {
	return stillImage{image.NewUniform(color.Gray{Y: 100})}, nil
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		frame  func(int) (image.Image, error)
		opts   Options
		colors int // palette size, 0 if not checked
	}{
		{"blocks", 60, blocks, Options{}, 3},
		{"blocks full frames", 60, blocks, Options{FullFrames: true, Delay: 10, LastDelay: 200}, 3},
		{"gradient", 20, gradient, Options{LoopCount: -1}, 255},
		{"gradient 16 colours", 20, gradient, Options{MaxColors: 16, LoopCount: 3}, 16},
		{"gradient full frames", 20, gradient, Options{FullFrames: true}, 256},
		{"still", 5, stillFrames, Options{Delays: []int{1, 2, 3, 4, 5}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Encode(&b, tt.n, tt.frame, tt.opts); err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			if err := Encode(&again, tt.n, tt.frame, tt.opts); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), again.Bytes()) {
				t.Error("two encodings differ")
			}
			g, err := gif.DecodeAll(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if len(g.Image) != tt.n {
				t.Fatalf("%d frames, want %d", len(g.Image), tt.n)
			}
			if g.LoopCount != tt.opts.LoopCount {
				t.Errorf("LoopCount %d, want %d", g.LoopCount, tt.opts.LoopCount)
			}
			limit := 255
			if tt.opts.FullFrames {
				limit = 256
			}
			k := tt.opts.MaxColors
			if k == 0 {
				k = limit
			}
			pal, err := BuildPalette(tt.n, tt.frame, k)
			if err != nil {
				t.Fatal(err)
			}
			if tt.colors != 0 && len(pal) != tt.colors {
				t.Errorf("%d colours, want %d", len(pal), tt.colors)
			}
			src0, _ := tt.frame(0)
			size := src0.Bounds().Size()
			if g.Config.Width != size.X || g.Config.Height != size.Y {
				t.Errorf("size %d×%d, want %v", g.Config.Width, g.Config.Height, size)
			}
			screen := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
			for i, fr := range g.Image {
				want := tt.opts.Delay
				if want == 0 {
					want = DefaultDelay
				}
				if tt.opts.Delays != nil {
					want = tt.opts.Delays[i]
				}
				if i == tt.n-1 && tt.opts.LastDelay > 0 {
					want = tt.opts.LastDelay
				}
				if g.Delay[i] != want {
					t.Errorf("frame %d: delay %d, want %d", i, g.Delay[i], want)
				}
				if g.Disposal[i] != gif.DisposalNone {
					t.Errorf("frame %d: disposal %d", i, g.Disposal[i])
				}
				if len(fr.Palette) > 256 {
					t.Fatalf("frame %d: %d colours", i, len(fr.Palette))
				}
				if (i == 0 || tt.opts.FullFrames) && fr.Bounds() != screen.Bounds() {
					t.Errorf("frame %d: bounds %v, want the whole screen", i, fr.Bounds())
				}
				// Draw the frame over the previous ones, as a viewer does with disposal "none".
				for y := fr.Rect.Min.Y; y < fr.Rect.Max.Y; y++ {
					for x := fr.Rect.Min.X; x < fr.Rect.Max.X; x++ {
						if c := fr.Palette[fr.ColorIndexAt(x, y)]; alpha(c) != 0 {
							screen.Set(x, y, c)
						}
					}
				}
				src, _ := tt.frame(i)
				px := make([]rgb, size.X*size.Y)
				pixels(px, src)
				for j, p := range px {
					got := screen.RGBAAt(j%size.X, j/size.X)
					if want := pal[nearest(pal, p)]; got != want {
						t.Fatalf("frame %d, pixel %d: %v for %06x, want %v", i, j, got, uint32(p), want)
					}
				}
			}
		})
	}
}

func alpha(c color.Color) uint32 { _, _, _, a := c.RGBA(); return a }

// nearest is the brute-force nearest palette colour.
func nearest(pal color.Palette, c rgb) int {
	best, bd := 0, math.MaxInt
	for i, p := range pal {
		q := p.(color.RGBA)
		d := sq(int(q.R)-c.ch(0)) + sq(int(q.G)-c.ch(1)) + sq(int(q.B)-c.ch(2))
		if d < bd {
			best, bd = i, d
		}
	}
	return best
}

func sq(x int) int { return x * x }

func TestPalette(t *testing.T) {
	hist := map[rgb]uint64{0xffffff: 1000, 0x000000: 500, 0x1f3fc8: 300}
	for i := range 2000 {
		hist[rgb(i*2654435761)&0xffffff] += 1
	}
	for _, k := range []int{1, 2, 16, 255} {
		t.Run(strconv.Itoa(k), func(t *testing.T) {
			a, b := medianCut(hist, k), medianCut(hist, k)
			if len(a) == 0 || len(a) > k {
				t.Fatalf("%d colours, want 1 to %d", len(a), k)
			}
			if !slicesEqual(a, b) {
				t.Error("not deterministic")
			}
			if k >= 16 {
				for _, c := range []rgb{0xffffff, 0x000000, 0x1f3fc8} {
					if nearestRGB(a, c) != c {
						t.Errorf("dominant colour %06x is not in the palette", uint32(c))
					}
				}
			}
		})
	}
}

func nearestRGB(pal []rgb, c rgb) rgb {
	p := make(color.Palette, len(pal))
	for i, q := range pal {
		p[i] = q.color()
	}
	return pal[nearest(p, c)]
}

func slicesEqual(a, b []rgb) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestErrors(t *testing.T) {
	odd := func(i int) (image.Image, error) {
		if i == 1 {
			return image.NewRGBA(image.Rect(0, 0, 3, 3)), nil
		}
		return image.NewRGBA(image.Rect(0, 0, 4, 4)), nil
	}
	failing := func(i int) (image.Image, error) { return nil, errors.New("boom") }
	tests := []struct {
		name  string
		n     int
		frame func(int) (image.Image, error)
		opts  Options
		want  string
	}{
		{"no frames", 0, blocks, Options{}, "0 frames"},
		{"sizes differ", 2, odd, Options{}, "frame 1: size"},
		{"frame error", 2, failing, Options{}, "frame 0: boom"},
		{"delays", 2, blocks, Options{Delays: []int{1}}, "1 delays for 2 frames"},
		{"negative delay", 2, blocks, Options{Delay: -3}, "delay -3"},
		{"palette too big", 2, blocks, Options{Palette: make(color.Palette, 256)}, "palette of 256"},
		{"loop count", 2, blocks, Options{LoopCount: -2}, "LoopCount"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Encode(&bytes.Buffer{}, tt.n, tt.frame, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// curvePlot is a 640×400 accuracy-style figure at checkpoint i of 301: the curve so far, a
// marker at its end and a label with the epoch.
func curvePlot(i int) func(c draw.Canvas) error {
	return func(c draw.Canvas) error {
		p := plot.New()
		sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
		p.Title.TextStyle.Font = font.From(sans, 12)
		p.Title.Text = "epoch " + strconv.Itoa(10*i) + " · accuracy − baseline"
		p.X.Label.Text, p.Y.Label.Text = "epoch", "accuracy"
		for _, ax := range []*plot.Axis{&p.X, &p.Y} {
			ax.Label.TextStyle.Font = font.From(sans, 12)
			ax.Tick.Label.Font = font.From(sans, 10)
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 3000, 0, 1
		pts := make(plotter.XYs, i+1)
		for k := range pts {
			x := float64(10 * k)
			pts[k] = plotter.XY{X: x, Y: 1 / (1 + math.Exp(-(x-1500)/200))}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = color.RGBA{R: 30, G: 60, B: 200, A: 255}
		l.Width = 1.5
		m, err := plotter.NewScatter(pts[i:])
		if err != nil {
			return err
		}
		m.GlyphStyle = draw.GlyphStyle{Color: color.RGBA{R: 200, G: 40, B: 30, A: 255}, Radius: vg.Length(4), Shape: draw.CircleGlyph{}}
		p.Add(plotter.NewGrid(), l, m)
		p.Draw(c)
		return nil
	}
}

// heatPlot is a 640×400 figure with a 64×64 heatmap that changes everywhere at each of the
// 301 checkpoints.
func heatPlot(i int) func(c draw.Canvas) error {
	return func(c draw.Canvas) error {
		p := plot.New()
		sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
		p.X.Label.Text, p.Y.Label.Text = "input token", "output token"
		for _, ax := range []*plot.Axis{&p.X, &p.Y} {
			ax.Label.TextStyle.Font = font.From(sans, 12)
			ax.Tick.Label.Font = font.From(sans, 10)
		}
		img := image.NewRGBA(image.Rect(0, 0, 64, 64))
		t := float64(i) / 300
		for y := range 64 {
			for x := range 64 {
				v := math.Tanh(3 * t * math.Sin(float64(x*y)/97+6*t) * math.Cos(float64(x-y)/11)) // -1..1
				r, g, b := 255.0, 255.0, 255.0
				if v > 0 {
					g, b = 255*(1-v), 255*(1-0.8*v)
				} else {
					r, g = 255*(1+v), 255*(1+0.6*v)
				}
				img.SetRGBA(x, y, color.RGBA{R: uint8(r), G: uint8(g), B: uint8(b), A: 255})
			}
		}
		p.Add(plotter.NewImage(img, -0.5, -0.5, 63.5, 63.5))
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.5, 63.5, -0.5, 63.5
		p.Draw(draw.Crop(c, 0, -240, 0, 0))
		return nil
	}
}

func TestSize(t *testing.T) {
	if testing.Short() {
		t.Skip("rasterizes 2×602 frames")
	}
	for _, tt := range []struct {
		name string
		plot func(i int) func(c draw.Canvas) error
		opts Options
	}{
		{"curve", curvePlot, Options{LastDelay: 200}},
		// A continuous colour map changing everywhere: about 25 KB a frame at 255 colours.
		{"heatmap", heatPlot, Options{LastDelay: 200, MaxColors: 64}},
	} {
		t.Run(tt.name, func(t *testing.T) { testSize(t, tt.name, tt.plot, tt.opts) })
	}
}

func testSize(t *testing.T, name string, plot func(i int) func(c draw.Canvas) error, opts Options) {
	const n = 301
	frame := func(i int) (image.Image, error) { return Rasterize(640, 400, 96, plot(i)) }
	var b bytes.Buffer
	if err := Encode(&b, n, frame, opts); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d frames of 640×400: %d bytes", n, b.Len())
	if dir := os.Getenv("GIFANIM_OUT"); dir != "" { // keep the file, to look at it
		if err := os.WriteFile(filepath.Join(dir, name+".gif"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b.Len() > 4<<20 {
		t.Errorf("%d bytes, want at most 4 MiB", b.Len())
	}
	g, err := gif.DecodeAll(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != n || g.LoopCount != 0 || g.Config.Width != 640 || g.Config.Height != 400 {
		t.Errorf("%d frames of %d×%d, loop count %d", len(g.Image), g.Config.Width, g.Config.Height, g.LoopCount)
	}
}

func TestRasterize(t *testing.T) {
	a, err := Rasterize(320, 200, 96, curvePlot(150))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Rasterize(320, 200, 96, curvePlot(150))
	if err != nil {
		t.Fatal(err)
	}
	if a.Bounds() != image.Rect(0, 0, 320, 200) {
		t.Errorf("bounds %v", a.Bounds())
	}
	if !bytes.Equal(a.Pix, b.Pix) {
		t.Error("two rasterizations differ")
	}
	if a.RGBAAt(0, 0) != (color.RGBA{R: 255, G: 255, B: 255, A: 255}) {
		t.Errorf("background %v, want white", a.RGBAAt(0, 0))
	}
	wantErr := errors.New("no")
	if _, err := Rasterize(10, 10, 96, func(draw.Canvas) error { return wantErr }); !errors.Is(err, wantErr) {
		t.Errorf("error %v, want %v wrapped", err, wantErr)
	}
	if _, err := Rasterize(0, 10, 96, curvePlot(1)); err == nil {
		t.Error("no error for a 0×10 image")
	}
}

func BenchmarkEncode(b *testing.B) {
	frames := make([]image.Image, 30)
	for i := range frames {
		img, err := Rasterize(640, 400, 96, curvePlot(10*i))
		if err != nil {
			b.Fatal(err)
		}
		frames[i] = img
	}
	b.ResetTimer()
	for b.Loop() {
		var w bytes.Buffer
		if err := EncodeAll(&w, frames, Options{}); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(w.Len()))
	}
}
