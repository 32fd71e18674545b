package render

// Small multiples: a figure at each of the run's phases, in a grid of panels on the scale of the
// whole run, with one colour bar or legend for all of them. In SVG each panel is a
// <g class="panel"> holding its title (<text class="panel-title">) and its drawing.

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"maxgrok/render/svgcanvas"
)

// multiplesPhases are the phases that get a panel, by key (bound_peak, a property of the
// certificate rather than of training, does not).
var multiplesPhases = []string{"start", "early_peak", "plateau", "memorised", "grokked", "final"}

const (
	multiplesColumns   = 3    // panels per row, at most
	panelTitleHeight   = 20.0 // the title strip above each panel
	panelTitleFontSize = 12.0
	classPanel         = "panel"
	classPanelTitle    = "panel-title"
)

// figKey is what the panels of a figure's small multiples share, drawn once right of them: the
// colour bar or the legend. width is its width; draw draws it in c beside span, the union of
// the panels' plot areas.
type figKey struct {
	width func() vg.Length
	draw  func(c draw.Canvas, span vg.Rectangle)
}

// multiplesPanel is one panel to draw: the checkpoint index, its epoch and its label.
type multiplesPanel struct {
	index int
	Panel
}

// multiplesPanels returns the panels for the phases of a run with checkpoints at epochs: one
// per distinct epoch of the phases of multiplesPhases, in epoch order, labelled with the phases
// at that epoch ("memorised, grokked · epoch 1940").
func multiplesPanels(phases []Phase, epochs []int) []multiplesPanel {
	var out []multiplesPanel
	var names [][]string
	for _, p := range phases {
		if !slices.Contains(multiplesPhases, p.Key) {
			continue
		}
		name := strings.ReplaceAll(p.Key, "_", " ")
		if n := len(out); n > 0 && out[n-1].Epoch == p.Epoch {
			names[n-1] = append(names[n-1], name)
			continue
		}
		out = append(out, multiplesPanel{index: nearestIndex(epochs, p.Epoch), Panel: Panel{Epoch: p.Epoch}})
		names = append(names, []string{name})
	}
	for i := range out {
		out[i].Label = fmt.Sprintf("%s · epoch %d", strings.Join(names[i], ", "), out[i].Epoch)
	}
	return out
}

// multiplesSpec is a figure's small multiples before drawing: one figSpec per panel.
type multiplesSpec struct {
	title  string
	panels []multiplesPanel
	specs  []*figSpec
}

// multiples returns the small multiples of the figure of row at panels: the figure built at
// each panel's checkpoint (its ranges are the whole run's whichever checkpoint it shows).
func (in *figInput) multiples(row figureRow, panels []multiplesPanel) *multiplesSpec {
	m := &multiplesSpec{panels: panels}
	for _, p := range panels {
		at := *in
		at.at = in.run.Analyses[p.index]
		s := row.build(&at)
		m.specs = append(m.specs, s)
		m.title = s.title
	}
	return m
}

// size returns the grid's columns and rows and the size of the whole drawing.
func (m *multiplesSpec) size() (cols, rows int, w, h float64) {
	s := m.specs[0]
	cols = min(multiplesColumns, len(m.specs))
	rows = (len(m.specs) + cols - 1) / cols
	w = float64(cols) * s.pw
	if s.key != nil {
		w += math.Ceil(float64(s.key.width())) // whole px, for the page's <img width>
	}
	h = float64(rows) * (s.ph + panelTitleHeight)
	return cols, rows, w, h
}

// render draws the small multiples (and their PDF with withPDF), their images encoded through
// images, which the figure they belong to shares.
func (m *multiplesSpec) render(withPDF bool, images *svgcanvas.ImageCache) (*Multiples, error) {
	if len(m.specs) == 0 {
		return nil, nil
	}
	_, _, w, h := m.size()
	out := &Multiples{Width: w, Height: h}
	for _, p := range m.panels {
		out.Panels = append(out.Panels, p.Panel)
	}
	title := m.title + " — at the run's phases: " + strings.Join(func() []string {
		var s []string
		for _, p := range m.panels {
			s = append(s, p.Label)
		}
		return s
	}(), "; ")
	sc := svgcanvas.New(w, h, svgcanvas.Options{FontFamily: fontFamily, FontSize: tickFontSize, Images: images})
	if _, err := m.draw(draw.New(sc)); err != nil {
		return nil, err
	}
	out.SVG = sc.Bytes(title)
	if withPDF {
		var err error
		if out.PDF, err = drawPDF(w, h, title, m.draw); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// draw draws the grid on c, which must be of the size m.size gives, and returns the union of
// the panels' plot areas.
func (m *multiplesSpec) draw(c draw.Canvas) (vg.Rectangle, error) {
	cols, _, _, _ := m.size()
	sc := svgcanvas.Of(c.Canvas)
	titleStyle := text.Style{Color: svgcanvas.Foreground, Font: font.From(sansFont, panelTitleFontSize),
		XAlign: draw.XCenter, YAlign: draw.YTop, Handler: classedText(classPanelTitle)}
	var span vg.Rectangle
	for i, s := range m.specs {
		col, row := i%cols, i/cols
		cell := vg.Rectangle{
			Min: vg.Point{X: c.Min.X + vg.Length(float64(col)*s.pw), Y: c.Max.Y - vg.Length(float64(row+1)*(s.ph+panelTitleHeight))},
		}
		cell.Max = vg.Point{X: cell.Min.X + vg.Length(s.pw), Y: cell.Min.Y + vg.Length(s.ph+panelTitleHeight)}
		if sc != nil {
			sc.OpenGroup(classPanel)
		}
		pc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: cell.Min, Max: vg.Point{X: cell.Max.X, Y: cell.Max.Y - panelTitleHeight}}}
		rect, err := s.panel(pc)
		if err != nil {
			return span, fmt.Errorf("panel %s: %w", m.panels[i].Label, err)
		}
		// the title centred over the plot area, in the strip above the panel
		c.FillText(titleStyle, vg.Point{X: (rect.Min.X + rect.Max.X) / 2, Y: cell.Max.Y - 3}, m.panels[i].Label)
		if sc != nil {
			sc.CloseGroup()
		}
		if i == 0 {
			span = rect
		} else {
			span.Min = vg.Point{X: min(span.Min.X, rect.Min.X), Y: min(span.Min.Y, rect.Min.Y)}
			span.Max = vg.Point{X: max(span.Max.X, rect.Max.X), Y: max(span.Max.Y, rect.Max.Y)}
		}
	}
	if k := m.specs[0].key; k != nil {
		kc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: c.Min.X + vg.Length(float64(cols)*m.specs[0].pw), Y: c.Min.Y}, Max: c.Max,
		}}
		k.draw(kc, span)
	}
	return span, nil
}
