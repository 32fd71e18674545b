package svgcanvas

import (
	"math"
	"testing"
)

func TestSimplify(t *testing.T) {
	var pts [][2]float64
	for i := range 1000 {
		x := float64(i) / 2
		pts = append(pts, [2]float64{x, 100 + 40*math.Sin(x/30)})
	}
	pts[500][1] += 20 // a spike survives
	got := Simplify(pts, SimplifyTolerance)
	if len(got) > 200 || got[0] != pts[0] || got[len(got)-1] != pts[len(pts)-1] {
		t.Errorf("simplified to %d points", len(got))
	}
	found := false
	for _, p := range got {
		found = found || p == pts[500]
	}
	if !found {
		t.Error("spike dropped")
	}
	// every dropped point is within the tolerance of the kept polyline
	for _, p := range pts {
		best := math.Inf(1)
		for i := 0; i+1 < len(got); i++ {
			best = math.Min(best, segDist(p, got[i], got[i+1]))
		}
		if best > SimplifyTolerance+1e-9 {
			t.Fatalf("point %v is %g from the simplified line", p, best)
		}
	}
}

func segDist(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	px, py := p[0]-a[0], p[1]-a[1]
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, (px*dx+py*dy)/l2))
	}
	return math.Hypot(px-t*dx, py-t*dy)
}
