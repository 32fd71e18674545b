package runstore

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"maxgrok/compute"
	"maxgrok/internal/inputfile"
	"maxgrok/torchfile"
)

// The layouts of PyTorch users' checkpoints that LoadRun finds (README, "Point -load at what
// you have"):
//
//	a run folder      config.json, metrics.csv, checkpoints/epoch-NNNNN.{safetensors,pt,pth}
//	a Lightning folder  NAME-epoch=E-step=S.ckpt (the weights after E+1 epochs), and gbmi's
//	                  final NAME.pth, in the folder or in its trained-models/
//	wandb artifacts   artifacts/model-RUNID:vK/model.ckpt, one folder per checkpoint
var (
	runCheckpointRE = regexp.MustCompile(`^epoch-(\d{5,})\.(safetensors|pt|pth)$`)
	lightningRE     = regexp.MustCompile(`^(.+)-epoch=(\d+)-step=(\d+)\.ckpt$`)
)

// checkpointFile is one checkpoint of a folder being loaded.
type checkpointFile struct {
	path  string
	epoch int
	// lightning: the file is a Lightning checkpoint (a dict with state_dict), whose epoch and
	// global_step must agree with the name's (step < 0: take the epoch from the file).
	lightning bool
	step      int
	final     bool // gbmi's NAME.pth: {"model": state_dict}
}

// checkDuplicates refuses two checkpoint files of one epoch (epoch-00010 beside epoch-000010,
// or .pt beside .safetensors), before any is read.
func checkDuplicates(files []checkpointFile) error {
	seen := map[int]string{}
	for _, f := range files {
		if f.final {
			continue
		}
		if other, ok := seen[f.epoch]; ok {
			return fmt.Errorf("checkpoint %s: epoch %d again (also %s)", f.path, f.epoch, filepath.Base(other))
		}
		seen[f.epoch] = f.path
	}
	return nil
}

// torchSource is a state dict read from a torch.save file, as a compute.TensorSource; prefix is
// the LightningModule's attribute path of the model ("model."), "" for a bare state dict.
type torchSource struct {
	tensors map[string]*torchfile.Tensor
	prefix  string
}

func (s torchSource) Shape(name string) ([]int, bool) {
	t, ok := s.tensors[s.prefix+name]
	if !ok {
		return nil, false
	}
	return slices.Clone(t.Shape), true
}

func (s torchSource) Float64s(name string) ([]float64, []int, error) {
	t, ok := s.tensors[s.prefix+name]
	if !ok {
		return nil, nil, fmt.Errorf("no tensor %q", name)
	}
	if t.Data == nil && t.Len() > 0 {
		return nil, nil, fmt.Errorf("tensor %q: dtype %s, expected a floating-point tensor", name, t.Dtype)
	}
	return t.Data, slices.Clone(t.Shape), nil
}

// readTorch reads the torch.save file path (a regular file, at most MaxCheckpointBytes).
func readTorch(path string) (torchfile.Value, error) {
	f, st, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st.Size() > MaxCheckpointBytes {
		return nil, fmt.Errorf("%s: %d bytes, the limit for a checkpoint is %d", path, st.Size(), int64(MaxCheckpointBytes))
	}
	v, err := torchfile.Read(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// torchStateDict returns the model's state dict in the torch.save file of cf, with the prefix of
// its keys, and for a Lightning checkpoint the epoch it holds (the weights after that many
// epochs), cross-checked with the name.
func torchStateDict(cf checkpointFile) (torchSource, int, error) {
	v, err := readTorch(cf.path)
	if err != nil {
		return torchSource{}, 0, err
	}
	epoch := cf.epoch
	switch {
	case cf.lightning:
		d, ok := v.(*torchfile.Dict)
		if !ok {
			return torchSource{}, 0, fmt.Errorf("checkpoint %s: expected a Lightning checkpoint (a dict with state_dict), got %T", cf.path, v)
		}
		e, okE := intOf(d, "epoch")
		s, okS := intOf(d, "global_step")
		if !okE || !okS || e < 0 || s < 0 {
			return torchSource{}, 0, fmt.Errorf("checkpoint %s: expected integer epoch and global_step entries", cf.path)
		}
		if cf.step >= 0 && (e+1 != cf.epoch || s != cf.step) {
			return torchSource{}, 0, fmt.Errorf("checkpoint %s: holds epoch=%d step=%d, its name says epoch=%d step=%d", cf.path, e, s, cf.epoch-1, cf.step)
		}
		if s%(e+1) != 0 {
			return torchSource{}, 0, fmt.Errorf("checkpoint %s: global_step %d is not a whole number of steps per epoch for %d epochs", cf.path, s, e+1)
		}
		epoch = e + 1
		if v, ok = d.Get("state_dict"); !ok {
			return torchSource{}, 0, fmt.Errorf("checkpoint %s: no state_dict", cf.path)
		}
	case cf.final:
		d, ok := v.(*torchfile.Dict)
		if ok {
			if m, ok := d.Get("model"); ok {
				v = m
			}
		}
	}
	_, tensors, err := torchfile.StateDict(v)
	if err != nil {
		return torchSource{}, 0, fmt.Errorf("checkpoint %s: %w", cf.path, err)
	}
	prefix := ""
	for name := range tensors {
		if p, ok := strings.CutSuffix(name, "embed.W_E"); ok && !strings.HasSuffix(p, "pos_") && (prefix == "" || len(p) < len(prefix)) {
			prefix = p
		}
	}
	return torchSource{tensors, prefix}, epoch, nil
}

func intOf(d *torchfile.Dict, key string) (int, bool) {
	v, ok := d.Get(key)
	if !ok {
		return 0, false
	}
	i, ok := v.(int64)
	return int(i), ok
}

// dimsFromShapes returns the model sizes that the tensors' shapes give (W_E [V+1, d], W_pos
// [n+1, d], W_Q [1, d, h]).
func dimsFromShapes(src compute.TensorSource, path string) (compute.Dims, error) {
	e, ok1 := src.Shape("embed.W_E")
	p, ok2 := src.Shape("pos_embed.W_pos")
	q, ok3 := src.Shape("blocks.0.attn.W_Q")
	if !ok1 || !ok2 || !ok3 || len(e) != 2 || len(p) != 2 || len(q) != 3 || e[0] < 3 || p[0] < 2 {
		return compute.Dims{}, fmt.Errorf("checkpoint %s: expected tensors embed.W_E [V+1, d], pos_embed.W_pos [n+1, d] and blocks.0.attn.W_Q [1, d, h] to read the model's sizes from", path)
	}
	return compute.Dims{V: e[0] - 1, N: p[0] - 1, D: e[1], H: q[2]}, nil
}

// findCheckpoints lists the checkpoints of dir in any of the layouts, and whether dir is a run
// folder (with its checkpoints/ subfolder).
func findCheckpoints(dir string) ([]checkpointFile, bool, error) {
	if st, err := os.Stat(filepath.Join(dir, CheckpointsDir)); err == nil && st.IsDir() {
		cdir := filepath.Join(dir, CheckpointsDir)
		entries, err := os.ReadDir(cdir)
		if err != nil {
			return nil, true, fmt.Errorf("run %s: %w", dir, err)
		}
		var out []checkpointFile
		for _, e := range entries {
			if m := runCheckpointRE.FindStringSubmatch(e.Name()); m != nil {
				epoch, err := strconv.Atoi(m[1])
				if err != nil {
					return nil, true, fmt.Errorf("checkpoint %s: epoch %s is too large", filepath.Join(cdir, e.Name()), m[1])
				}
				out = append(out, checkpointFile{path: filepath.Join(cdir, e.Name()), epoch: epoch})
			}
		}
		if len(out) == 0 {
			return nil, true, fmt.Errorf("run %s: no %s/epoch-NNNNN.safetensors (or .pt, .pth) files", dir, CheckpointsDir)
		}
		return out, true, checkDuplicates(out)
	}
	var out []checkpointFile
	for _, sub := range []string{".", "trained-models"} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		var finals []string
		names := map[string]bool{}
		for _, e := range entries {
			path := filepath.Join(dir, sub, e.Name())
			if m := lightningRE.FindStringSubmatch(e.Name()); m != nil && !e.IsDir() {
				ep, err1 := strconv.Atoi(m[2])
				st, err2 := strconv.Atoi(m[3])
				if err1 != nil || err2 != nil {
					return nil, false, fmt.Errorf("checkpoint %s: epoch or step too large", path)
				}
				out = append(out, checkpointFile{path: path, epoch: ep + 1, lightning: true, step: st})
				names[m[1]] = true
			} else if strings.HasSuffix(e.Name(), ".pth") && !e.IsDir() {
				finals = append(finals, e.Name())
			}
		}
		for _, f := range finals {
			if names[strings.TrimSuffix(f, ".pth")] {
				out = append(out, checkpointFile{path: filepath.Join(dir, sub, f), epoch: -1, final: true})
			}
		}
	}
	if len(out) > 0 {
		return out, false, checkDuplicates(out)
	}
	// wandb: artifacts/model-RUNID:vK/model.ckpt (or the version folders themselves), whatever
	// the folders are named (model-RUNID-vK on Windows).
	for _, sub := range []string{"artifacts", "."} {
		entries, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, e := range entries {
			path := filepath.Join(dir, sub, e.Name(), "model.ckpt")
			if st, err := os.Stat(path); e.IsDir() && err == nil && st.Mode().IsRegular() {
				out = append(out, checkpointFile{path: path, epoch: -1, lightning: true, step: -1})
			}
		}
		if len(out) > 0 {
			return out, false, nil
		}
	}
	return nil, false, fmt.Errorf("run %s: no checkpoints found: expected a run folder (%s, %s/epoch-NNNNN.safetensors, .pt or .pth), Lightning checkpoints (NAME-epoch=E-step=S.ckpt) or wandb artifacts (artifacts/model-RUNID:vK/model.ckpt)", dir, ConfigFile, CheckpointsDir)
}
