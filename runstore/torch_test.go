package runstore

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"maxgrok/compute"
)

// TestLoadTorchLayouts loads the reference PyTorch run written by real torch.save in each of the
// layouts PyTorch users have (testdata/torch/gen.py made them): the epochs must be right
// (Lightning's 0-based epoch=E is the weights after E+1 epochs) and the weights, hence every
// analysis, exactly the reference run's safetensors checkpoints'.
func TestLoadTorchLayouts(t *testing.T) {
	every500 := []int{500, 1000, 1500, 2000, 2500, 3000}
	for _, tc := range []struct {
		dir    string
		epochs []int
	}{
		{"runfolder", append([]int{0}, every500...)},
		{"lightning", every500},
		{"lightning/trained-models", every500},
		{"wandb", every500},
		{"wandb/artifacts", every500},
		{"wandb with colons", every500}, // artifacts/model-abc123:vK, as wandb names them on Unix
	} {
		t.Run(tc.dir, func(t *testing.T) {
			dir := filepath.Join("testdata/torch", tc.dir)
			if tc.dir == "wandb with colons" {
				dir = colonArtifacts(t, "testdata/torch/wandb")
			}
			r, err := LoadRun(dir, compute.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Epochs, tc.epochs) {
				t.Fatalf("epochs %v, want %v", r.Epochs, tc.epochs)
			}
			if r.Config.Epochs != 3000 || r.Config.Vocab != 64 || r.Config.DModel != 32 {
				t.Errorf("config: epochs %d, vocab %d, d_model %d; want 3000, 64, 32", r.Config.Epochs, r.Config.Vocab, r.Config.DModel)
			}
			if r.Metrics != nil {
				t.Errorf("%d metric rows from a folder without metrics.csv", len(r.Metrics))
			}
			for i, e := range r.Epochs {
				if e%1000 != 0 && e != 1500 {
					continue // the reference checkpoints kept in compute/testdata
				}
				want, _, err := ReadCheckpoint(fmt.Sprintf("../compute/testdata/ref_epoch-%05d.safetensors", e), compute.DimsOf(r.Config))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(r.Checkpoints[i].Data, want.Data) {
					t.Errorf("epoch %d: the weights differ from the reference checkpoint's", e)
				}
				if a, b := compute.Analyze(r.Checkpoints[i], r.Config, compute.TrainMask(r.Config)), compute.Analyze(want, r.Config, compute.TrainMask(r.Config)); a.TestAcc != b.TestAcc || a.CubicBound != b.CubicBound {
					t.Errorf("epoch %d: analyses differ", e)
				}
			}
		})
	}
}

// colonArtifacts copies the wandb fixture folder src (artifacts/model-abc123-vK, wandb's
// Windows names) into a temporary folder with wandb's Unix names, artifacts/model-abc123:vK,
// and returns it. It skips the test where a file name cannot hold a colon.
func colonArtifacts(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(filepath.Join(src, "artifacts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := strings.Replace(e.Name(), "-v", ":v", 1)
		b, err := os.ReadFile(filepath.Join(src, "artifacts", e.Name(), "model.ckpt"))
		if err != nil {
			t.Fatal(err)
		}
		d := filepath.Join(dst, "artifacts", name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Skipf("no colons in file names here: %v", err)
		}
		if err := os.WriteFile(filepath.Join(d, "model.ckpt"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestLoadTorchBad checks that damaged or inconsistent torch files are refused naming the file.
func TestLoadTorchBad(t *testing.T) {
	copyDir := func(t *testing.T, src string) string {
		dst := t.TempDir()
		filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
			rel, _ := filepath.Rel(src, p)
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			b, _ := os.ReadFile(p)
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		})
		return dst
	}
	for _, tc := range []struct {
		name   string
		src    string
		damage func(dir string)
		want   string
	}{
		{"a renamed Lightning checkpoint", "lightning/trained-models", func(dir string) {
			os.Rename(filepath.Join(dir, "max2-epoch=499-step=500.ckpt"), filepath.Join(dir, "max2-epoch=599-step=600.ckpt"))
		}, "holds epoch=499 step=500, its name says epoch=599 step=600"},
		{"a truncated checkpoint", "runfolder", func(dir string) {
			p := filepath.Join(dir, "checkpoints", "epoch-01000.pt")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, "epoch-01000.pt: torchfile: "},
		{"the same epoch twice", "runfolder", func(dir string) {
			b, _ := os.ReadFile(filepath.Join(dir, "checkpoints", "epoch-01000.pt"))
			os.WriteFile(filepath.Join(dir, "checkpoints", "epoch-001000.pt"), b, 0o644)
		}, "epoch 1000 again"},
		{"a hostile pickle", "runfolder", func(dir string) {
			b, _ := os.ReadFile("../torchfile/testdata/evil_os_system.pt")
			os.WriteFile(filepath.Join(dir, "checkpoints", "epoch-01000.pt"), b, 0o644)
		}, "refusing to call"},
		{"nothing to load", "runfolder", func(dir string) {
			os.RemoveAll(filepath.Join(dir, "checkpoints"))
		}, "no checkpoints found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, filepath.Join("testdata/torch", tc.src))
			tc.damage(dir)
			_, err := LoadRun(dir, compute.DefaultConfig())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadRun error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
