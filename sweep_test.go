package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"maxgrok/compute"
	"maxgrok/internal/filetree"
	"maxgrok/runstore"
	"maxgrok/sweep"
)

// smallSweep is a 4-run sweep of vocab 16 that trains in well under a second.
var smallSweep = []string{"-vocab", "16", "-force-adjacent", "0,1", "-training-ratio", "0.3", "-epochs", "300", "-checkpoint-every", "20",
	"-sweep", "weight_decay=0.3,1", "-sweep", "model_seed=1..2"}

func TestSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "somerun"), 0o755)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-sweep", "lr=0,1"}, "maxgrok: flag -sweep lr=0,1: lr 0: expected a positive finite number, got 0\n"},
		{[]string{"-sweep", "lr=0.1", "-sweep", "lr=0.2"}, "maxgrok: flag -sweep lr=0.2: lr is swept twice\n"},
		{[]string{"-sweep", "model_seed=5..2"}, "maxgrok: flag -sweep model_seed=5..2: empty range 5..2 (A..B needs A <= B)\n"},
		{[]string{"-sweep", "lr="}, "maxgrok: flag -sweep lr=: no values\n"},
		{[]string{"-sweep", "momentum=1"}, `maxgrok: flag -sweep momentum=1: unknown config key "momentum" (keys: vocab, seq_len, d_model, d_head, n_heads, n_layers, include_biases, use_end_of_sequence, use_log1p, seed, model_seed, force_adjacent, training_ratio, optimizer, lr, betas, weight_decay, eps, epochs, checkpoint_every, batch_size)` + "\n"},
		{[]string{"-sweep", "vocab=4"}, "maxgrok: flag -sweep vocab=4: vocab 4: field \"force_adjacent\": expected distances in [0, vocab-1 = 3], got 17\n"},
		{[]string{"-sweep", "seed=1..3", "-shard", "0/2"}, "maxgrok: flag -shard 0/2: expected 1 <= K <= N, got K 0 and N 2\n"},
		{[]string{"-sweep", "seed=1..3", "-shard", "3/2"}, "maxgrok: flag -shard 3/2: expected 1 <= K <= N, got K 3 and N 2\n"},
		{[]string{"-shard", "1/2"}, "maxgrok: flag -shard needs -sweep (it selects runs of a sweep)\n"},
		{[]string{"-sweep", "seed=1..3", "-jobs", "0"}, "maxgrok: flag -jobs: expected at least 1, got 0\n"},
		{[]string{"-sweep", "seed=1..3", "-load", "somerun"}, "maxgrok: flag -sweep cannot be combined with -load (a sweep trains or loads its runs from the run cache)\n"},
		{[]string{"-sweep", "seed=1..101", "-sweep", "model_seed=1..100"}, "maxgrok: flag -sweep: the sweep has more than 10000 runs (the limit, so that it finishes and its page stays readable); split it into several sweeps or use fewer values\n"},
		{[]string{"-sweep", "vocab=64,1024"}, "maxgrok: flag -sweep: run vocab=1024: config too large: its 301 checkpoints and analyses need about 7399 MiB of memory (limit 4096 MiB); raise checkpoint_every or lower vocab\n"},
		{[]string{"-sweep", "seed=1,2", "-out", "."}, `maxgrok: flag -out: "." is the current folder; give a folder of its own, e.g. public` + "\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, dir, tc.args...)
			if code != 2 || stderr != tc.want || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and stderr %q", code, stdout, stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "runs")); err == nil {
				t.Error("a run folder was written")
				os.RemoveAll(filepath.Join(dir, "runs"))
			}
		})
	}
}

func readSite(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := filetree.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameSite(t *testing.T, what string, a, b map[string][]byte) {
	t.Helper()
	if d := filetree.Diff(a, b); len(d) > 0 {
		t.Errorf("%s: the sites differ: %q", what, d[:min(len(d), 8)])
	}
}

// TestSweep runs a small sweep end to end: the site's layout, sweep.csv against each run's
// own metrics, the cache shared with single runs, -jobs, GOMAXPROCS and shards giving the same bytes
// (-pdf and -gif included).
func TestSweep(t *testing.T) {
	dir := t.TempDir()
	args := func(extra ...string) []string {
		return append(append([]string(nil), smallSweep...), append([]string{"-pdf", "-gif"}, extra...)...)
	}
	code, stdout, stderr := runCLI(t, dir, args("-jobs", "1", "-out", "site1", "-runs", "runs1")...)
	if code != 0 || stdout != "site1/index.html\n" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "maxgrok: run 4/4 weight_decay=1,model_seed=2: ") {
		t.Errorf("no progress line for the last run:\n%s", stderr)
	}
	site := readSite(t, filepath.Join(dir, "site1"))
	names := []string{"weight_decay=0.3,model_seed=1", "weight_decay=0.3,model_seed=2", "weight_decay=1,model_seed=1", "weight_decay=1,model_seed=2"}
	for _, n := range names {
		page := string(site["runs/"+n+"/index.html"])
		for _, want := range []string{`href="../../assets/style.css"`, `src="../../assets/slider.js"`, `src="../../assets/app.js"`, `<a href="../../index.html">`} {
			if !strings.Contains(page, want) {
				t.Errorf("runs/%s/index.html lacks %s", n, want)
			}
		}
		if strings.Index(page, `src="../../assets/slider.js"`) > strings.Index(page, `src="../../assets/app.js"`) {
			t.Errorf("runs/%s/index.html loads app.js before slider.js", n)
		}
		for name := range site {
			if strings.HasPrefix(name, "runs/"+n+"/assets/") {
				t.Errorf("runs/%s has its own assets (%s)", n, name)
			}
		}
		if _, ok := site["runs/"+n+"/data/analyses.safetensors"]; ok || strings.Contains(page, `href="data/analyses.safetensors"`) {
			t.Errorf("runs/%s has (or links) analyses.safetensors without -export", n)
		}
	}
	for _, f := range []string{"index.html", "assets/app.js", "assets/slider.js", "assets/sweep.js", "assets/style.css", "data/sweep.csv", "data/sweep.safetensors", "data/sweep.gz.js", "figures/curves.svg", "figures/grok_vs.svg", "figures/ecdf.svg",
		"figures/curves.pdf", "figures/grok_vs.pdf", "figures/ecdf.pdf", "figures/curves.gif"} {
		if _, ok := site[f]; !ok {
			t.Errorf("the site lacks %s", f)
		}
	}

	// sweep.csv against each run's own metrics, read back from the cache
	rows, err := csv.NewReader(bytes.NewReader(site["data/sweep.csv"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "weight_decay,model_seed,run,memorised_epoch,grokked_epoch,final_train_acc,final_test_acc,final_cubic_bound,phase" {
		t.Errorf("header %s", got)
	}
	o, err := parseFlags(args("-runs", filepath.Join(dir, "runs1")), os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d rows", len(rows))
	}
	for i, p := range o.sweep.grid.Points {
		row := rows[i+1]
		r, err := runstore.LoadCached(runstore.Cache{Dir: o.runs}.Folder(p.Config, nil), p.Config)
		if err != nil {
			t.Fatal(err)
		}
		mem, grok := "", ""
		for _, m := range r.Metrics {
			if m.TrainAcc == 1 {
				mem = strconv.Itoa(m.Epoch)
				break
			}
		}
		for _, e := range r.Epochs {
			if r.Metrics[e].TestAcc >= 0.99 {
				grok = strconv.Itoa(e)
				break
			}
		}
		last := r.Metrics[len(r.Metrics)-1]
		want := []string{p.Values[0], p.Values[1], "runs/" + names[i], mem, grok,
			strconv.FormatFloat(last.TrainAcc, 'g', -1, 64), strconv.FormatFloat(last.TestAcc, 'g', -1, 64)}
		if got := row[:7]; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d: %q, want %q", i, got, want)
		}
		m, _ := strconv.Atoi(mem)
		g, _ := strconv.Atoi(grok)
		if mem == "" {
			m = -1
		}
		if grok == "" {
			g = -1
		}
		if ph := string(sweep.PhaseOf(m, g, true)); row[8] != ph {
			t.Errorf("row %d: phase %s, want %s", i, row[8], ph)
		}
	}

	// a single run of one of the configs is the sweep's cache entry
	single := []string{"-vocab", "16", "-force-adjacent", "0,1", "-training-ratio", "0.3", "-epochs", "300", "-checkpoint-every", "20", "-weight-decay", "1", "-model-seed", "2", "-out", "single", "-runs", "runs1"}
	if code, _, stderr := runCLI(t, dir, single...); code != 0 || !strings.Contains(stderr, "using the cached run") {
		t.Errorf("single run: exit %d, stderr:\n%s", code, stderr)
	}

	// -jobs 3 and GOMAXPROCS 1, in a fresh cache: the same bytes
	procs := runtime.GOMAXPROCS(1)
	code, _, stderr = runCLI(t, dir, args("-jobs", "3", "-out", "site3", "-runs", "runs3", "-quiet")...)
	runtime.GOMAXPROCS(procs)
	if code != 0 || stderr != "" {
		t.Fatalf("-jobs 3: exit %d, stderr %q", code, stderr)
	}
	sameSite(t, "-jobs 1 and -jobs 3", site, readSite(t, filepath.Join(dir, "site3")))

	// two shards into one cache, then -force load
	for _, sh := range []string{"1/2", "2/2"} {
		code, stdout, stderr := runCLI(t, dir, args("-shard", sh, "-out", "nosite", "-runs", "shared")...)
		if code != 0 || stdout != "" || !strings.Contains(stderr, "shard "+sh+": 2 of the sweep's 4 runs are in shared; no site written") {
			t.Fatalf("shard %s: exit %d, stdout %q, stderr:\n%s", sh, code, stdout, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "nosite")); err == nil {
		t.Error("a shard wrote a site")
	}
	if code, _, stderr := runCLI(t, dir, args("-force", "load", "-out", "merged", "-runs", "shared", "-quiet")...); code != 0 {
		t.Fatalf("-force load: exit %d, stderr %q", code, stderr)
	}
	sameSite(t, "sharded then -force load, and unsharded", site, readSite(t, filepath.Join(dir, "merged")))
}

// TestSweepFaults: a diverging run is a result, a run that fails names its config and the page
// is written for the others (exit 1), and an interrupted sweep resumes from the cache.
func TestSweepFaults(t *testing.T) {
	dir := t.TempDir()
	base := []string{"-vocab", "16", "-force-adjacent", "0,1", "-training-ratio", "0.3", "-epochs", "100", "-checkpoint-every", "20", "-weight-decay", "0", "-optimizer", "Adam"}
	code, _, stderr := runCLI(t, dir, append(base, "-sweep", "lr=0.001,1e300", "-out", "site")...)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	csvText, _ := os.ReadFile(filepath.Join(dir, "site", "data", "sweep.csv"))
	lines := strings.Split(strings.TrimSpace(string(csvText)), "\n")
	if len(lines) != 3 || lines[2] != "1e+300,,,,,,,diverged" {
		t.Errorf("sweep.csv:\n%s", csvText)
	}
	if _, err := os.Stat(filepath.Join(dir, "site", "runs", "lr=1e+300")); err == nil {
		t.Error("the diverged run has a report folder")
	}

	// a run whose cache entry cannot be written fails; the others are on the page
	runs := filepath.Join(dir, "runs")
	c := compute.DefaultConfig()
	c.Vocab, c.ForceAdjacent, c.TrainingRatio, c.Epochs, c.CheckpointEvery, c.WeightDecay, c.Optimizer, c.LR = 16, []int{0, 1}, 0.3, 100, 20, 0, "Adam", 0.002
	if err := os.WriteFile(runstore.Cache{Dir: runs}.Folder(c, nil), []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, dir, append(base, "-sweep", "lr=0.001,0.002", "-out", "site2")...)
	if code != 1 || stdout != "site2/index.html\n" || !strings.Contains(stderr, "maxgrok: 1 of 2 runs failed (the page shows the others): run lr=0.002: ") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "site2", "runs", "lr=0.001", "index.html")); err != nil {
		t.Errorf("the good run's report: %v", err)
	}

	// Ctrl-C: every run stops, no site; the rerun finishes from the cache
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	wd, _ := os.Getwd()
	os.Chdir(dir)
	var out, errOut bytes.Buffer
	code = run(ctx, append(base, "-sweep", "model_seed=1..3", "-out", "site3"), &out, &errOut, false)
	os.Chdir(wd)
	if code != 1 || !strings.Contains(errOut.String(), "maxgrok: interrupted: the next run of this sweep resumes each run from its last checkpoint in runs") {
		t.Errorf("interrupted: exit %d, stderr:\n%s", code, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "site3", "index.html")); err == nil {
		t.Error("an interrupted sweep wrote its page")
	}
	if code, _, stderr := runCLI(t, dir, append(base, "-sweep", "model_seed=1..3", "-out", "site3", "-quiet")...); code != 0 {
		t.Errorf("rerun: exit %d, stderr:\n%s", code, stderr)
	}
}
