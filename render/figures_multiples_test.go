package render

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"maxgrok/compute"
)

func TestMultiplesPanels(t *testing.T) {
	epochs := []int{0, 10, 20, 30, 40, 50}
	ph := func(key string, e int) Phase { return Phase{Key: key, Epoch: e} }
	tests := []struct {
		name   string
		phases []Phase
		want   []string
	}{
		{"every phase", []Phase{ph("start", 0), ph("early_peak", 10), ph("plateau", 20), ph("memorised", 30), ph("grokked", 40), ph("final", 50)},
			[]string{"start · epoch 0", "early peak · epoch 10", "plateau · epoch 20", "memorised · epoch 30", "grokked · epoch 40", "final · epoch 50"}},
		{"shared epochs merge", []Phase{ph("start", 0), ph("memorised", 30), ph("grokked", 30), ph("bound_peak", 50), ph("final", 50)},
			[]string{"start · epoch 0", "memorised, grokked · epoch 30", "final · epoch 50"}},
		{"no bound peak", []Phase{ph("start", 0), ph("bound_peak", 20), ph("final", 50)},
			[]string{"start · epoch 0", "final · epoch 50"}},
		{"one checkpoint", []Phase{ph("start", 0), ph("final", 0)}, []string{"start, final · epoch 0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range multiplesPanels(tc.phases, epochs) {
				got = append(got, p.Label)
				if epochs[p.index] != p.Epoch {
					t.Errorf("%s: index %d is epoch %d", p.Label, p.index, epochs[p.index])
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("panels %q, want %q", got, tc.want)
			}
		})
	}
}

// multiplesTexts returns the texts of the elements of class class inside each <g class="panel">
// of root, and those outside every panel.
func multiplesTexts(root *figNode, class string) (inPanels [][]string, outside []string) {
	var walk func(n *figNode, panel int)
	walk = func(n *figNode, panel int) {
		if n.XMLName.Local == "g" && n.attr("class") == classPanel {
			inPanels = append(inPanels, nil)
			panel = len(inPanels) - 1
		}
		if n.XMLName.Local == "text" && n.attr("class") == class {
			if panel >= 0 {
				inPanels[panel] = append(inPanels[panel], n.Text)
			} else {
				outside = append(outside, n.Text)
			}
		}
		for i := range n.Children {
			walk(&n.Children[i], panel)
		}
	}
	walk(root, -1)
	return inPanels, outside
}

// checkMultiples checks the small multiples of every figure of figs: which figures have them,
// one panel group per phase epoch titled with its phases and epoch, and one scale for all the
// panels, the static figure's (the same y tick labels, or one colour bar with the same ticks).
func checkMultiples(t *testing.T, r *compute.Run, figs []Figure) {
	t.Helper()
	panels := multiplesPanels(Phases(r), r.Epochs)
	var titles []string
	for _, p := range panels {
		titles = append(titles, p.Label)
		if !strings.HasSuffix(p.Label, fmt.Sprintf(" · epoch %d", p.Epoch)) {
			t.Errorf("panel title %q does not end with its epoch %d", p.Label, p.Epoch)
		}
	}
	for i := 1; i < len(panels); i++ {
		if panels[i].Epoch <= panels[i-1].Epoch {
			t.Errorf("panel epochs %d then %d", panels[i-1].Epoch, panels[i].Epoch)
		}
	}
	for _, f := range figs {
		animated := f.Kind != kindSeries
		if (f.Multiples != nil) != animated {
			t.Errorf("%s (%s): small multiples %t, want %t", f.Name, f.Kind, f.Multiples != nil, animated)
		}
		m := f.Multiples
		if m == nil {
			continue
		}
		name := f.Name + "-phases"
		root := figParseSVG(t, name, m.SVG)
		w, h := figViewBox(t, name, root)
		if w != m.Width || h != m.Height {
			t.Errorf("%s: viewBox %gx%g, Multiples %gx%g", name, w, h, m.Width, m.Height)
		}
		if len(m.Panels) != len(panels) {
			t.Errorf("%s: %d panels, want %d", name, len(m.Panels), len(panels))
		}
		got, outside := multiplesTexts(root, classPanelTitle)
		var gotTitles []string
		for _, p := range got {
			gotTitles = append(gotTitles, strings.Join(p, "|"))
		}
		if !slices.Equal(gotTitles, titles) || len(outside) > 0 {
			t.Errorf("%s: panel titles %q (and %q outside the panels), want %q", name, gotTitles, outside, titles)
		}
		static := figParseSVG(t, f.Name, f.SVG)
		switch f.Kind {
		case kindHeatmap:
			_, want := multiplesTexts(static, classColorBarTick)
			inside, bar := multiplesTexts(root, classColorBarTick)
			if !slices.Equal(bar, want) {
				t.Errorf("%s: colour bar ticks %q, want the static figure's %q", name, bar, want)
			}
			for i, p := range inside {
				if len(p) > 0 {
					t.Errorf("%s: panel %d has its own colour bar %q", name, i, p)
				}
			}
			var bars int
			root.walk(nil, func(n *figNode, _ []string) {
				if n.XMLName.Local == "image" && n.attr("class") == classColorBar {
					bars++
				}
			})
			if bars != 1 {
				t.Errorf("%s: %d colour bars, want 1", name, bars)
			}
		default:
			_, want := multiplesTexts(static, classTickY)
			inside, _ := multiplesTexts(root, classTickY)
			for i, p := range inside {
				if !slices.Equal(p, want) {
					t.Errorf("%s: panel %d y ticks %q, want the static figure's %q", name, i, p, want)
				}
			}
		}
	}
}

func TestMultiples(t *testing.T) {
	tests := []struct {
		name string
		run  *compute.Run
	}{
		{"V8", figSyntheticRun(8, 11)},
		{"V13", figSyntheticRun(13, 12)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			figs := figMust(t, tc.run, true)
			checkMultiples(t, tc.run, figs)
			for _, f := range figs {
				if f.Multiples != nil {
					figCheckPDF(t, f.Name+"-phases", f.Multiples.PDF, tc.run.Config.Vocab, append([]string{"epoch 0"}, figPDFTexts[f.Name]...))
				}
			}
		})
	}
}
