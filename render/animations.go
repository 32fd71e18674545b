package render

// Animated GIFs (-gif): the slider's figures over the checkpoints, and one combined panel, for
// slides. Frames are rasterized with gifanim.Rasterize (gonum's vgimg) and encoded with
// gifanim: one palette for all frames, built from a sample of them, no dithering.

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"maxgrok/compute"
	"maxgrok/render/gifanim"
	"maxgrok/render/svgcanvas"
)

// The animations' budget and pacing.
const (
	MaxGIFBytes     = 4 << 20 // each GIF at most
	MinGIFFrames    = 50      // frames kept, at least, when not every checkpoint fits
	gifDPI          = 72      // one figure unit (CSS px of the SVG) is one pixel
	gifHeader       = 24.0    // the strip above the figure holding the epoch
	gifHeaderFont   = 14.0
	gifLoopSeconds  = 15  // the time to play the frames, whatever their number
	gifFirstDelay   = 100 // hundredths of a second on the first frame
	gifLastDelay    = 300 // and on the last, before looping
	gifPaletteEvery = 10  // the palette is built from every gifPaletteEvery-th frame
	// combined panel: the QK line, the loss and the accuracy side by side
	trainingGIF                    = "training"
	trainingPanelW, trainingPanelH = 430.0, 300.0
)

// gifRow is one GIF: its file stem, its size in figure units, its palette size, and how to draw
// the frame of checkpoint i into c.
type gifRow struct {
	name      string
	w, h      float64
	maxColors int
	// ramp adds the colour map, drawn over a whole frame, to the frames the palette is built
	// from, so that the palette spans the colour bar (whose few pixels would otherwise lose
	// their colours to the heatmap's and the text's).
	ramp bool
	draw func(c draw.Canvas, i int) error
}

// AnimationInfo describes one written GIF (for the log and the tests).
type AnimationInfo struct {
	Name          string // file stem: figures/<Name>.gif
	Frames        int    // frames in the GIF
	Every         int    // every Every-th checkpoint (and the last)
	Width, Height int    // pixels
	Bytes         int
}

// Animations renders the GIFs of run r (whose Analyses are set): figures/NAME.gif for each
// figure of figureTable marked gif, and figures/training.gif. Each is at most MaxGIFBytes: every
// checkpoint if that fits, else every k-th (and the last) with k as small as fits and at least
// MinGIFFrames frames. Frames are rendered on up to GOMAXPROCS goroutines, each a function of
// the run only, so the bytes do not depend on GOMAXPROCS. The map is keyed by the file's path
// in the site.
func Animations(r *compute.Run) (map[string][]byte, []AnimationInfo, error) {
	specs, err := figureSpecs(r)
	if err != nil {
		return nil, nil, fmt.Errorf("animations: %w", err)
	}
	rows, err := gifRows(r, specs)
	if err != nil {
		return nil, nil, fmt.Errorf("animations: %w", err)
	}
	files := map[string][]byte{}
	var infos []AnimationInfo
	for _, g := range rows {
		b, info, err := g.encode(r.Epochs)
		if err != nil {
			return nil, nil, fmt.Errorf("animation %s: %w", g.name, err)
		}
		files["figures/"+g.name+".gif"] = b
		infos = append(infos, info)
	}
	return files, infos, nil
}

// gifRows returns the GIFs to make: the figures marked gif, then the combined panel.
func gifRows(r *compute.Run, specs []*figSpec) ([]gifRow, error) {
	in, err := newFigInput(r)
	if err != nil {
		return nil, err
	}
	byName := map[string]*figSpec{}
	for _, s := range specs {
		byName[s.name] = s
	}
	var out []gifRow
	for _, row := range figureTable() {
		if !row.gif {
			continue
		}
		s := byName[row.name]
		g := gifRow{name: row.name, w: s.w, h: s.h + gifHeader, maxColors: 64, ramp: s.kind == kindHeatmap}
		g.draw = func(c draw.Canvas, i int) error {
			gifEpoch(c, r.Epochs[i])
			fig := draw.Crop(c, 0, 0, 0, -gifHeader)
			return in.frameAt(row, s, i, fig)
		}
		out = append(out, g)
	}
	// the combined panel
	var parts []figureRow
	for _, row := range figureTable() {
		if row.name == "qk" || row.name == "loss" || row.name == "accuracy" {
			parts = append(parts, row)
		}
	}
	out = append(out, gifRow{
		name: trainingGIF, w: float64(len(parts)) * trainingPanelW, h: trainingPanelH + gifHeader, maxColors: 64,
		draw: func(c draw.Canvas, i int) error {
			gifEpoch(c, r.Epochs[i])
			for k, row := range parts {
				cell := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
					Min: vg.Point{X: c.Min.X + vg.Length(float64(k)*trainingPanelW), Y: c.Min.Y},
					Max: vg.Point{X: c.Min.X + vg.Length(float64(k+1)*trainingPanelW), Y: c.Max.Y - gifHeader},
				}}
				if err := in.frameAt(row, byName[row.name], i, cell); err != nil {
					return err
				}
			}
			return nil
		},
	})
	return out, nil
}

// frameAt draws figure row at checkpoint i into c: the animated kinds built at that checkpoint
// (on the whole run's scale), the series kinds as they are with a marker at its epoch.
func (in *figInput) frameAt(row figureRow, s *figSpec, i int, c draw.Canvas) error {
	if s.kind != kindSeries {
		at := *in
		at.at = in.run.Analyses[i]
		_, err := row.build(&at).draw(c)
		return err
	}
	rect, err := s.draw(c)
	if err != nil {
		return err
	}
	fr := s.frame
	x := rect.Min.X + vg.Length((float64(in.run.Epochs[i])-fr.XMin)/(fr.XMax-fr.XMin))*(rect.Max.X-rect.Min.X)
	c.StrokeLine2(draw.LineStyle{Color: svgcanvas.Foreground, Width: 1.2, Dashes: []vg.Length{4, 3}}, x, rect.Min.Y, x, rect.Max.Y)
	return nil
}

// gifEpoch writes "epoch N" in the header strip at the top of c.
func gifEpoch(c draw.Canvas, epoch int) {
	sty := text.Style{Color: svgcanvas.Foreground, Font: font.From(sansFont, gifHeaderFont), XAlign: draw.XLeft, YAlign: draw.YTop, Handler: textHandler}
	c.FillText(sty, vg.Point{X: c.Min.X + 10, Y: c.Max.Y - 5}, fmt.Sprintf("epoch %d", epoch))
}

// frames returns the checkpoint indices of the frames taking every k-th checkpoint, and the
// last.
func gifFrames(T, k int) []int {
	var idx []int
	for i := 0; i < T; i += k {
		idx = append(idx, i)
	}
	if idx[len(idx)-1] != T-1 {
		idx = append(idx, T-1)
	}
	return idx
}

// encode renders and encodes the GIF: every checkpoint first, then, while the GIF is too
// large, every k-th with k grown in proportion to the excess (at least MinGIFFrames frames).
func (g gifRow) encode(epochs []int) ([]byte, AnimationInfo, error) {
	T := len(epochs)
	wpx, hpx := int(math.Round(g.w*gifDPI/72)), int(math.Round(g.h*gifDPI/72))
	maxK := max(1, (T-1)/(MinGIFFrames-1))
	for k := 1; ; {
		idx := gifFrames(T, k)
		b, err := g.encodeFrames(idx, wpx, hpx)
		if err != nil {
			return nil, AnimationInfo{}, err
		}
		info := AnimationInfo{Name: g.name, Frames: len(idx), Every: k, Width: wpx, Height: hpx, Bytes: len(b)}
		if len(b) <= MaxGIFBytes {
			return b, info, nil
		}
		if k >= maxK {
			return nil, info, fmt.Errorf("%d bytes with %d frames, over the limit of %d", len(b), len(idx), MaxGIFBytes)
		}
		k = min(maxK, max(k+1, int(math.Ceil(float64(k)*float64(len(b))/MaxGIFBytes*1.05))))
	}
}

// encodeFrames encodes the frames of checkpoints idx at wpx×hpx pixels.
func (g gifRow) encodeFrames(idx []int, wpx, hpx int) ([]byte, error) {
	render := func(j int) (image.Image, error) {
		return gifanim.Rasterize(wpx, hpx, gifDPI, func(c draw.Canvas) error { return g.draw(c, idx[j]) })
	}
	var sample []int
	for j := 0; j < len(idx); j += gifPaletteEvery {
		sample = append(sample, j)
	}
	if sample[len(sample)-1] != len(idx)-1 {
		sample = append(sample, len(idx)-1)
	}
	next, stop := renderAhead(len(sample), func(j int) (image.Image, error) { return render(sample[j]) })
	n := len(sample)
	if g.ramp {
		n++
	}
	pal, err := gifanim.BuildPalette(n, func(j int) (image.Image, error) {
		if j == len(sample) {
			return rampImage(wpx, hpx), nil
		}
		return next(j)
	}, g.maxColors)
	stop()
	if err != nil {
		return nil, err
	}
	delays := make([]int, len(idx))
	for j := range delays {
		delays[j] = max(2, int(math.Round(gifLoopSeconds*100/float64(len(idx)))))
	}
	delays[0] = gifFirstDelay
	next, stop = renderAhead(len(idx), render)
	defer stop()
	var b bytes.Buffer
	err = gifanim.Encode(&b, len(idx), next, gifanim.Options{Palette: pal, Delays: delays, LastDelay: gifLastDelay})
	return b.Bytes(), err
}

// rampImage is a w×h image of the diverging colour map, from -1 at the left to 1 at the right.
func rampImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		c := Diverging(-1 + 2*(float64(x)+0.5)/float64(w))
		for y := range h {
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// renderAhead renders frames 0 to n-1 on up to GOMAXPROCS goroutines, a few frames ahead of
// the caller, who must ask for them in order with next; stop ends the rendering early and
// waits for it.
func renderAhead(n int, render func(i int) (image.Image, error)) (next func(i int) (image.Image, error), stop func()) {
	type result struct {
		img image.Image
		err error
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	results := make([]chan result, n)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	ahead := make(chan struct{}, workers+1) // frames rendered or rendering, not yet taken
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			select {
			case ahead <- struct{}{}:
			case <-done:
				return
			}
			wg.Go(func() {
				img, err := render(i)
				results[i] <- result{img, err}
			})
		}
	})
	next = func(i int) (image.Image, error) {
		r := <-results[i]
		<-ahead
		return r.img, r.err
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(done) // the dispatcher stops; the frames in flight finish into their buffers
			wg.Wait()
		})
	}
	return next, stop
}
