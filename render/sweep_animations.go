package render

// The sweep page's GIF (-gif), for slides: with a phase diagram, figures/phases.gif, the
// diagram at each slider epoch; without one, figures/curves.gif, every run's test accuracy with
// a moving epoch marker. They are encoded as the run report's GIFs are (animations.go): at most
// MaxGIFBytes, every slider epoch if that fits, else every k-th (and the last) keeping at least
// MinGIFFrames, one palette without dithering, looping forever.

import (
	"fmt"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"maxgrok/render/svgcanvas"
)

// sweepAnimations renders the sweep's GIF from its figures figs (as sweepFigures returns them),
// keyed by the file's path in the site; none for a sweep without checkpoints. Each frame is a
// function of d and its epoch only, so the bytes do not depend on GOMAXPROCS.
func sweepAnimations(d SweepData, figs []sweepFig) (map[string][]byte, []AnimationInfo, error) {
	epochs := unionEpochs(d.Runs)
	if len(epochs) == 0 {
		return nil, nil, nil
	}
	var row gifRow
	for _, f := range figs {
		switch {
		case f.grid != nil:
			row = phasesGIF(f.grid, epochs)
		case f.name == "curves" && row.draw == nil:
			row = curvesGIF(f, epochs)
		}
	}
	if row.draw == nil {
		return nil, nil, nil
	}
	b, info, err := row.encode(epochs)
	if err != nil {
		return nil, nil, fmt.Errorf("animation %s: %w", row.name, err)
	}
	return map[string][]byte{"figures/" + row.name + ".gif": b}, []AnimationInfo{info}, nil
}

// phasesGIF is the phase diagram over the epochs: at each, every run coloured by its phase so
// far (phaseSoFar), each cell labelled with the median grokked epoch reached by then and its
// test accuracy at that epoch as the page's slider shows it. The legend lists every phase any
// frame shows, so that it stays put.
func phasesGIF(g *phaseGrid, epochs []int) gifRow {
	legend := g.legendOver(epochs, nil)
	return gifRow{name: "phases", w: g.w, h: g.h + gifHeader, maxColors: 64, draw: func(c draw.Canvas, i int) error {
		gifEpoch(c, epochs[i])
		v := g.viewAt(epochs[i])
		v.legend = legend
		_, err := g.draw(v)(draw.Crop(c, 0, 0, 0, -gifHeader))
		return err
	}}
}

// curvesGIF is the curves figure f with a dashed marker at each epoch.
func curvesGIF(f sweepFig, epochs []int) gifRow {
	return gifRow{name: f.name, w: f.frame.Width, h: f.frame.Height + gifHeader, maxColors: 64, draw: func(c draw.Canvas, i int) error {
		gifEpoch(c, epochs[i])
		rect, err := f.draw(draw.Crop(c, 0, 0, 0, -gifHeader))
		if err != nil {
			return err
		}
		fr := f.frame
		x := rect.Min.X + vg.Length((float64(epochs[i])-fr.XMin)/(fr.XMax-fr.XMin))*(rect.Max.X-rect.Min.X)
		c.StrokeLine2(draw.LineStyle{Color: svgcanvas.Foreground, Width: 1.2, Dashes: []vg.Length{4, 3}}, x, rect.Min.Y, x, rect.Max.Y)
		return nil
	}}
}
