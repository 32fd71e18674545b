package render

import (
	"bytes"
	"image/gif"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"maxgrok/compute"
)

// gifNames are the GIFs Animations writes, in order.
var gifNames = []string{"qk", "ov_centered", "margin", "accuracy", "training"}

// checkAnimations decodes every GIF and checks its frames, size and looping; wantFrames is the
// frame count every GIF must have (0: at least min(MinGIFFrames, checkpoints)).
func checkAnimations(t *testing.T, r *compute.Run, files map[string][]byte, infos []AnimationInfo, wantFrames int) {
	t.Helper()
	var names []string
	for _, in := range infos {
		names = append(names, in.Name)
	}
	if !slices.Equal(names, gifNames) || len(files) != len(gifNames) {
		t.Fatalf("GIFs %q (%d files), want %q", names, len(files), gifNames)
	}
	for _, in := range infos {
		b := files["figures/"+in.Name+".gif"]
		if len(b) != in.Bytes || len(b) > MaxGIFBytes {
			t.Errorf("%s: %d bytes (info %d), the limit is %d", in.Name, len(b), in.Bytes, MaxGIFBytes)
		}
		g, err := gif.DecodeAll(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", in.Name, err)
		}
		if len(g.Image) != in.Frames {
			t.Errorf("%s: %d frames, info says %d", in.Name, len(g.Image), in.Frames)
		}
		if wantFrames > 0 && len(g.Image) != wantFrames {
			t.Errorf("%s: %d frames, want %d", in.Name, len(g.Image), wantFrames)
		}
		if n := min(MinGIFFrames, len(r.Epochs)); len(g.Image) < n {
			t.Errorf("%s: %d frames, want at least %d", in.Name, len(g.Image), n)
		}
		if g.LoopCount != 0 {
			t.Errorf("%s: LoopCount %d, want 0 (forever)", in.Name, g.LoopCount)
		}
		if g.Config.Width != in.Width || g.Config.Height != in.Height || in.Width < 300 || in.Height < 200 {
			t.Errorf("%s: %dx%d px, info %dx%d", in.Name, g.Config.Width, g.Config.Height, in.Width, in.Height)
		}
		var total int
		for _, d := range g.Delay {
			total += d
		}
		if total < 1000 || total > 3000 {
			t.Errorf("%s: plays for %d hundredths of a second", in.Name, total)
		}
		t.Logf("%-12s %4d frames (every %d) %4dx%-4d px %8d B", in.Name, in.Frames, in.Every, in.Width, in.Height, in.Bytes)
	}
}

func TestAnimations(t *testing.T) {
	r := figSyntheticRun(8, 21) // 6 checkpoints
	files, infos, err := Animations(r)
	if err != nil {
		t.Fatal(err)
	}
	checkAnimations(t, r, files, infos, len(r.Epochs))
	// the frames are rendered in parallel: the bytes must not depend on how many at once
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	again, _, err := Animations(r)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if !bytes.Equal(b, again[name]) {
			t.Errorf("%s differs between renderings with GOMAXPROCS %d and 1", name, runtime.GOMAXPROCS(0))
		}
	}
}

func TestAnimationsReference(t *testing.T) {
	if testing.Short() {
		t.Skip("the default run's GIFs take several seconds")
	}
	r := figReference(t)
	start := time.Now()
	files, infos, err := Animations(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rendered in %v", time.Since(start).Round(time.Millisecond))
	checkAnimations(t, r, files, infos, 0)
	if dir := os.Getenv("FIGURES_OUT"); dir != "" { // for looking at them
		for name, b := range files {
			os.WriteFile(filepath.Join(dir, strings.TrimPrefix(name, "figures/")), b, 0o644)
		}
	}
}
