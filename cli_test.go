package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"maxgrok/compute"
	"maxgrok/internal/filetree"
	"maxgrok/publish"
	"maxgrok/render"
	"maxgrok/runstore"
)

// runCLI runs the program with args in dir and returns the exit status, stdout and stderr.
func runCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, false)
	return code, stdout.String(), stderr.String()
}

// TestBadInput checks that every kind of bad input exits 2 with one line naming the flag or
// file, the field and what was expected, before any training (no run folder appears).
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("bad.json", `{"lr": -1}`)
	write("unknown.json", `{"lr": 0.01, "momentum": 0.9}`)
	write("truncated.safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":")
	write("huge.safetensors", "\xff\xff\xff\xff\xff\xff\xff\x7f{}")
	os.MkdirAll(filepath.Join(dir, "emptyrun"), 0o755)
	os.MkdirAll(filepath.Join(dir, "configrun"), 0o755)
	write("configrun/config.json", "{}")
	// Things that are not regular files, or too large, hang or fill memory if read as files.
	for _, fifo := range []string{"fifo.json", "fifo.safetensors", "fifocontent/a.md"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, fifo)), 0o755)
		if err := syscall.Mkfifo(filepath.Join(dir, fifo), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, "zerocontent"), 0o755)
	os.Symlink("/dev/zero", filepath.Join(dir, "zerocontent", "a.md"))
	os.Symlink("/dev/zero", filepath.Join(dir, "zero.safetensors"))
	write("afile", "")
	home := t.TempDir()
	os.Symlink(home, filepath.Join(dir, "homelink"))
	os.Symlink(".", filepath.Join(dir, "self"))
	os.MkdirAll(filepath.Join(dir, "runs.real"), 0o755)
	os.Symlink("runs.real", filepath.Join(dir, "runslink"))
	os.MkdirAll(filepath.Join(dir, "theirs"), 0o755)
	write("theirs/index.html", "someone else's page")
	os.MkdirAll(filepath.Join(dir, "badcontent"), 0o755)
	write("badcontent/a.md", "# A\n\n{{figure \"nope\"}}\n")
	os.MkdirAll(filepath.Join(dir, "twice"), 0o755)
	write("twice/a.md", "# A\n\n{{figure \"qk\"}} {{figure \"qk\"}}\n")
	for name, text := range map[string]string{
		"sameanchor/01-x.md": "# A\n", "sameanchor/02-x.md": "# B\n",
		"badutf8/a.md":  "# A\n\nok\n\xff\xfe\n",
		"badphase/a.md": "# A\n\n{{(.Phase \"nope\").Epoch}}\n",
		"twomath/a.md":  "# A\n\n$\\foo$ and $\\bar{x} \\baz$\n",
	} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		write(name, text)
	}
	evil, err := os.ReadFile(filepath.Join("torchfile", "testdata", "evil_os_system.pt"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "evilrun", "checkpoints"), 0o755)
	write("evilrun/checkpoints/epoch-00000.pt", string(evil))
	os.MkdirAll(filepath.Join(dir, "cutrun", "checkpoints"), 0o755)
	good, err := os.ReadFile(filepath.Join("runstore", "testdata", "torch", "runfolder", "checkpoints", "epoch-00000.pt"))
	if err != nil {
		t.Fatal(err)
	}
	write("cutrun/checkpoints/epoch-00000.pt", string(good[:len(good)-100]))
	t.Setenv("HOME", home)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-lr", "NaN"}, `maxgrok: flag -lr: expected a positive finite number, got NaN`},
		{[]string{"-lr", "abc"}, `invalid value "abc" for flag -lr`},
		{[]string{"-vocab", "1"}, `maxgrok: flag -vocab: expected an integer in [2, 1024], got 1`},
		{[]string{"-optimizer", "SGD"}, `maxgrok: flag -optimizer: expected "AdamW" or "Adam", got "SGD"`},
		{[]string{"-force-adjacent", "0,64"}, `maxgrok: flag -force-adjacent: expected distances in [0, vocab-1 = 63], got 64`},
		{[]string{"-betas", "0.9"}, `invalid value "0.9" for flag -betas: expected two numbers beta1,beta2`},
		{[]string{"-force", "maybe"}, `maxgrok: flag -force: expected auto, train or load, got "maybe"`},
		{[]string{"-config", "bad.json"}, `maxgrok: config bad.json: field "lr": expected a positive finite number, got -1`},
		{[]string{"-config", "unknown.json"}, `maxgrok: config unknown.json: line 1: unknown key "momentum"`},
		{[]string{"-config", "missing.json"}, `maxgrok: config: open missing.json: no such file or directory`},
		{[]string{"-init", "truncated.safetensors"}, `maxgrok: init truncated.safetensors: safetensors: `},
		{[]string{"-init", "huge.safetensors"}, `maxgrok: init huge.safetensors: safetensors: `},
		{[]string{"-load", "emptyrun"}, `maxgrok: run emptyrun: no checkpoints found: expected a run folder`},
		{[]string{"-load", "configrun", "-lr", "0.1"}, `maxgrok: flag -load cannot be combined with -lr (the loaded run has its own config)`},
		{[]string{"-load", "configrun"}, `maxgrok: run configrun: no checkpoints found`},
		{[]string{"-load", "emptyrun", "-init", "truncated.safetensors"}, `maxgrok: flag -load cannot be combined with -init`},
		{[]string{"-load", "configrun", "-config", "bad.json"}, `maxgrok: flag -load cannot be combined with -config`},
		{[]string{"-out", "."}, `maxgrok: flag -out: "." is the current folder`},
		{[]string{"-out", "/"}, `maxgrok: flag -out: "/" is the file system root`},
		{[]string{"-out", "runs/site"}, `maxgrok: flag -out: "runs/site" is inside the run cache "runs"`},
		{[]string{"-force", "load"}, `maxgrok: flag -force load: no complete cached run for this config`},
		{[]string{"extra"}, `maxgrok: unexpected argument "extra"`},
		{[]string{"-config", "fifo.json"}, `maxgrok: config: open fifo.json: not a regular file (a named pipe)`},
		{[]string{"-init", "fifo.safetensors"}, `maxgrok: init: open fifo.safetensors: not a regular file (a named pipe)`},
		{[]string{"-init", "zero.safetensors"}, `maxgrok: init: open zero.safetensors: not a regular file (a device)`},
		{[]string{"-content", "fifocontent"}, `not a regular file (a named pipe)`},
		{[]string{"-content", "zerocontent"}, `not a regular file (a device)`},
		{[]string{"-content", "badcontent"}, `maxgrok: flag -content badcontent: content a.md: figure "nope" does not exist (the figures are qk, `},
		{[]string{"-content", "twice"}, `maxgrok: flag -content twice: content a.md: figure "qk" is placed a second time (also in a.md)`},
		{[]string{"-content", "sameanchor"}, `maxgrok: flag -content sameanchor: content 02-x.md: its anchor #x is also 01-x.md's`},
		{[]string{"-content", "badutf8"}, `maxgrok: flag -content badutf8: content a.md: line 4: invalid UTF-8`},
		{[]string{"-content", "badphase"}, `unknown phase "nope" (the phases are start, early_peak, plateau, memorised, grokked, bound_peak, final)`},
		{[]string{"-content", "twomath"}, `line 3: unsupported command \foo; `},
		{[]string{"-load", "evilrun"}, `maxgrok: evilrun/checkpoints/epoch-00000.pt: torchfile: evil_os_system/data.pkl: offset 79: pickle: refusing to call posix.system`},
		{[]string{"-load", "cutrun"}, `maxgrok: cutrun/checkpoints/epoch-00000.pt: torchfile: `},
		{[]string{"-out", "homelink"}, `maxgrok: flag -out: "homelink" is the home folder`},
		{[]string{"-out", "self"}, `maxgrok: flag -out: "self" is the current folder`},
		{[]string{"-out", "self/."}, `maxgrok: flag -out: "self/." is the current folder`},
		{[]string{"-runs", "runslink", "-out", "runs.real/site"}, `maxgrok: flag -out: "runs.real/site" is inside the run cache "runslink"`},
		{[]string{"-out", "afile"}, `maxgrok: flag -out: afile is not a folder`},
		{[]string{"-out", "afile/site"}, `maxgrok: flag -out: mkdir afile: not a directory`},
		{[]string{"-out", "theirs"}, `maxgrok: flag -out: theirs holds files this program did not write where the site goes (index.html)`},
		{[]string{"-vocab", "1024"}, `maxgrok: config too large: its 301 checkpoints and analyses need about 7399 MiB of memory (limit 4096 MiB); raise checkpoint_every or lower vocab`},
		{[]string{"-vocab", "600"}, `maxgrok: config too large: data/analyses.safetensors would be 1244 MiB (limit 1024 MiB); raise checkpoint_every or lower vocab`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, dir, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and stderr containing %q", code, stdout, stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "runs")); err == nil {
				t.Errorf("a run folder was created for bad input")
			}
		})
	}
}

// TestMain lets the tests run the command itself as a subprocess: with MAXGROK_RUN_MAIN=1 the
// test binary is the program.
func TestMain(m *testing.M) {
	if os.Getenv("MAXGROK_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// command returns the program as a subprocess in dir.
func command(t *testing.T, dir string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "MAXGROK_RUN_MAIN=1"), env...)
	return cmd
}

// quickArgs is a small config whose run takes well under a second.
var quickArgs = []string{"-quiet", "-vocab", "16", "-d-model", "16", "-d-head", "16", "-force-adjacent", "0,1,2,5", "-lr", "0.005"}

// TestInterruptAndResume sends SIGINT to a long training part-way and checks that the rerun
// resumes and ends with the same run folder and site as an uninterrupted run.
func TestInterruptAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 30000 epochs twice")
	}
	args := slices.Concat(quickArgs, []string{"-epochs", "30000", "-checkpoint-every", "100"})
	whole, parts := t.TempDir(), t.TempDir()
	if out, err := command(t, whole, nil, args...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	cmd := command(t, parts, nil, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once a checkpoint part-way exists (generous bound: a minute).
	deadline := time.Now().Add(time.Minute)
	for {
		m, _ := filepath.Glob(filepath.Join(parts, "runs", "*", "checkpoints", "epoch-01000.safetensors"))
		if len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no checkpoint at epoch 1000 after a minute")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "interrupted") {
		t.Fatalf("interrupted run: %v, stderr %q; want exit 1 and a message", err, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(parts, "public")); err == nil {
		t.Fatal("an interrupted run wrote a site")
	}
	if out, err := command(t, parts, nil, args...).CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	diffTrees(t, whole, parts)
}

// diffTrees reports every file that differs between two folders.
func diffTrees(t *testing.T, a, b string) {
	t.Helper()
	ta, tb := tree(t, a), tree(t, b)
	if len(ta) == 0 {
		t.Fatalf("%s is empty", a)
	}
	for _, d := range filetree.Diff(ta, tb) {
		t.Error(d)
	}
}

// tree returns every file under dir (lock files aside) by relative path.
func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := filetree.Read(dir, ".lock")
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestConcurrentBuilds starts two builds of the same config at once: both succeed, and the
// cache and the site are valid afterwards.
func TestConcurrentBuilds(t *testing.T) {
	dir := t.TempDir()
	args := slices.Concat(quickArgs, []string{"-epochs", "300"})
	a, b := command(t, dir, nil, args...), command(t, dir, nil, args...)
	var outA, outB bytes.Buffer
	a.Stdout, a.Stderr, b.Stdout, b.Stderr = &outA, &outA, &outB, &outB
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	errA, errB := a.Wait(), b.Wait()
	if errA != nil || errB != nil {
		t.Fatalf("concurrent builds: %v (%s), %v (%s)", errA, outA.String(), errB, outB.String())
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "runs", "*", "metrics.csv"))
	if len(runs) != 1 {
		t.Fatalf("%d complete runs in the cache, want 1", len(runs))
	}
	if _, err := runstore.LoadRun(filepath.Dir(runs[0]), compute.DefaultConfig()); err != nil {
		t.Fatalf("the cached run does not load: %v", err)
	}
	checkManifest(t, filepath.Join(dir, "public"))
}

// checkManifest checks that every file of the site's manifest exists.
func checkManifest(t *testing.T, site string) {
	t.Helper()
	m, err := os.ReadFile(filepath.Join(site, publish.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Fields(string(m)) {
		if _, err := os.Stat(filepath.Join(site, name)); err != nil {
			t.Errorf("manifest lists %s: %v", name, err)
		}
	}
}

// TestDeterministicOutput builds the same config with GOMAXPROCS 1 and 2: the run folders and
// sites, PDFs and GIFs included, must be byte-identical.
func TestDeterministicOutput(t *testing.T) {
	args := slices.Concat(quickArgs, []string{"-epochs", "200", "-pdf", "-gif"})
	one, two := t.TempDir(), t.TempDir()
	if out, err := command(t, one, []string{"GOMAXPROCS=1"}, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if out, err := command(t, two, []string{"GOMAXPROCS=2"}, args...).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	diffTrees(t, one, two)
	// 9 figures and the small multiples of the 6 that change over training
	if pdfs, _ := filepath.Glob(filepath.Join(one, "public", "figures", "*.pdf")); len(pdfs) != 15 {
		t.Errorf("-pdf wrote %d PDFs, want 15", len(pdfs))
	}
	if gifs, _ := filepath.Glob(filepath.Join(one, "public", "figures", "*.gif")); len(gifs) != 5 {
		t.Errorf("-gif wrote %d GIFs, want 5", len(gifs))
	}
}

// TestDivergenceExit checks the command's side of divergence: exit 1, the epoch in the message,
// no site and no complete run.
func TestDivergenceExit(t *testing.T) {
	dir := t.TempDir()
	cmd := command(t, dir, nil, slices.Concat(quickArgs, []string{"-epochs", "50", "-lr", "1e300", "-weight-decay", "0"})...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "training diverged at epoch") {
		t.Fatalf("diverging run: %v, output %q; want exit 1 naming the epoch", err, out)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "runs", "*", "metrics.csv")); len(m) > 0 {
		t.Error("a diverged run was marked complete")
	}
	if _, err := os.Stat(filepath.Join(dir, "public")); err == nil {
		t.Error("a diverged run wrote a site")
	}
}

// TestBuiltinContent renders the built-in explanations with stand-in data.
func TestBuiltinContent(t *testing.T) {
	content, err := fs.Sub(builtin, "content")
	if err != nil {
		t.Fatal(err)
	}
	if err := render.CheckContent(content, compute.DefaultConfig()); err != nil {
		t.Fatal(err)
	}
}

// TestSiteRebuild checks the site's write rules: a foreign file survives a rebuild, files the
// program wrote earlier and no longer writes are removed, and a failed build (bad -content)
// leaves the previous site untouched.
func TestSiteRebuild(t *testing.T) {
	dir := t.TempDir()
	args := slices.Concat(quickArgs, []string{"-epochs", "100"})
	if code, _, stderr := runCLI(t, dir, args...); code != 0 {
		t.Fatalf("first build: exit %d: %s", code, stderr)
	}
	site := filepath.Join(dir, "public")
	os.WriteFile(filepath.Join(site, "CNAME"), []byte("example.org\n"), 0o644)
	os.WriteFile(filepath.Join(site, publish.ManifestFile), append(must(os.ReadFile(filepath.Join(site, publish.ManifestFile))), "figures/old.svg\n"...), 0o644)
	os.WriteFile(filepath.Join(site, "figures", "old.svg"), []byte("<svg/>"), 0o644)
	before := tree(t, site)

	bad := filepath.Join(dir, "bad-content")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "a.md"), []byte("# T\n\n$\\foo$\n"), 0o644)
	code, _, stderr := runCLI(t, dir, append(args, "-content", bad)...)
	if code != 2 || !strings.Contains(stderr, `mathml: line 3: unsupported command \foo`) {
		t.Fatalf("bad content: exit %d, stderr %q", code, stderr)
	}
	after := tree(t, site)
	if len(after) != len(before) {
		t.Fatalf("a failed build changed the site: %d files, was %d", len(after), len(before))
	}
	for name, data := range before {
		if !bytes.Equal(after[name], data) {
			t.Errorf("a failed build changed %s", name)
		}
	}

	if code, _, stderr := runCLI(t, dir, args...); code != 0 {
		t.Fatalf("rebuild: exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(site, "CNAME")); err != nil || string(b) != "example.org\n" {
		t.Errorf("CNAME after a rebuild: %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(site, "figures", "old.svg")); err == nil {
		t.Error("a file of the old manifest that the new site lacks was kept")
	}
	checkManifest(t, site)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestLoadDamagedRun checks that a run folder whose checkpoints hold NaN, disagree in shape or
// are truncated is refused with exit 2 and the file's name, before any site is written.
func TestLoadDamagedRun(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, dir, slices.Concat(quickArgs, []string{"-epochs", "30"})...); code != 0 {
		t.Fatalf("training: %s", stderr)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "runs", "*"))
	var good string
	for _, r := range runs {
		if _, err := os.Stat(filepath.Join(r, runstore.MetricsFile)); err == nil {
			good = r
		}
	}
	c, err := runstore.LoadConfigFile(filepath.Join(good, runstore.ConfigFile), compute.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ckpt := filepath.Join("checkpoints", runstore.CheckpointName(20))
	for _, tc := range []struct {
		name   string
		damage func(path string)
		want   string
	}{
		{"nan", func(path string) {
			p := compute.NewParams(compute.DimsOf(c))
			p.WU[5] = math.NaN()
			runstore.WriteCheckpoint(path, p, 20)
		}, `tensor "unembed.W_U": value 5 is NaN (expected finite numbers)`},
		{"shape", func(path string) {
			d := compute.DimsOf(c)
			d.D++
			runstore.WriteCheckpoint(path, compute.NewParams(d), 20)
		}, `tensor "embed.W_E": shape [17 17], expected [17 16]`},
		{"truncated", func(path string) {
			b, _ := os.ReadFile(path)
			os.WriteFile(path, b[:len(b)/2], 0o644)
		}, `epoch-00020.safetensors`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := filepath.Join(t.TempDir(), "run")
			os.CopyFS(run, os.DirFS(good))
			tc.damage(filepath.Join(run, ckpt))
			code, stdout, stderr := runCLI(t, dir, "-load", run, "-out", "site-"+tc.name)
			if code != 2 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "epoch-00020.safetensors") || stdout != "" {
				t.Errorf("exit %d, stderr %q; want exit 2 naming the file and %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "site-"+tc.name)); err == nil {
				t.Error("a site was written")
			}
		})
	}
}

// TestCustomContent builds the site from a user's Markdown: its sections replace the built-in
// ones, its template fields are filled, and the figures it does not place go at the end.
func TestCustomContent(t *testing.T) {
	dir := t.TempDir()
	content := filepath.Join(dir, "mine")
	os.MkdirAll(content, 0o755)
	os.WriteFile(filepath.Join(content, "01-only.md"), []byte("# My own notes\n\nVocab {{.Config.Vocab}}, final test accuracy {{pct .Final.TestAcc}}.\n\n{{figure \"margin\"}}\n"), 0o644)
	if code, _, stderr := runCLI(t, dir, slices.Concat(quickArgs, []string{"-epochs", "100", "-content", content})...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(dir, "public", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<section id="only">`, "My own notes", "Vocab 16, final test accuracy", `id="fig-margin"`, `<section id="more-figures">`, `id="fig-qk"`} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if bytes.Contains(page, []byte("The task and the model")) {
		t.Error("the built-in explanations are still there")
	}
}

// TestInitFromFile trains from -init with the reference's initial weights (float32, as PyTorch
// wrote them): the run is the seeded run, in a cache folder of its own.
func TestInitFromFile(t *testing.T) {
	dir := t.TempDir()
	init, err := filepath.Abs("compute/testdata/ref_epoch-00000.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-quiet", "-epochs", "20"}
	if code, _, stderr := runCLI(t, dir, args...); code != 0 {
		t.Fatalf("seeded run: %s", stderr)
	}
	if code, _, stderr := runCLI(t, dir, append(args, "-init", init, "-out", "public-init")...); code != 0 {
		t.Fatalf("run from -init: %s", stderr)
	}
	runs, _ := filepath.Glob(filepath.Join(dir, "runs", "*", runstore.MetricsFile))
	if len(runs) != 2 {
		t.Fatalf("%d complete runs, want 2 (the -init file is part of the cache key)", len(runs))
	}
	a, _ := os.ReadFile(runs[0])
	b, _ := os.ReadFile(runs[1])
	if !bytes.Equal(a, b) {
		t.Error("training from the reference's initial weights differs from the seeded run")
	}
}

// TestEdgeRuns builds runs at the edges of the schedule: no training at all (one checkpoint,
// the initial model) and a last epoch that is not a multiple of checkpoint_every.
func TestEdgeRuns(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		ckpts []string
	}{
		{[]string{"-epochs", "0"}, []string{"epoch-00000.safetensors"}},
		{[]string{"-epochs", "15", "-checkpoint-every", "10"}, []string{"epoch-00000.safetensors", "epoch-00010.safetensors", "epoch-00015.safetensors"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			dir := t.TempDir()
			if code, _, stderr := runCLI(t, dir, slices.Concat(quickArgs, tc.args)...); code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got, _ := filepath.Glob(filepath.Join(dir, "runs", "*", "checkpoints", "*.safetensors"))
			for i := range got {
				got[i] = filepath.Base(got[i])
			}
			if !slices.Equal(got, tc.ckpts) {
				t.Errorf("checkpoints %v, want %v", got, tc.ckpts)
			}
			checkManifest(t, filepath.Join(dir, "public"))
		})
	}
}

// TestLoadTorch renders the reference run from its Lightning checkpoints (real torch.save
// files, no config.json, no metrics.csv), with a config flag for what the files do not say, and
// refuses config flags for a folder that has its own config.json.
func TestLoadTorch(t *testing.T) {
	wd, _ := os.Getwd()
	lightning := filepath.Join(wd, "runstore", "testdata", "torch", "lightning")
	runfolder := filepath.Join(wd, "runstore", "testdata", "torch", "runfolder")
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, dir, "-quiet", "-load", lightning, "-weight-decay", "1")
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(stdout), "index.html") {
		t.Fatalf("-load a Lightning folder: exit %d, %s", code, stderr)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "public", "data", "config.json"))
	if err != nil || !strings.Contains(string(cfg), `"epochs": 3000`) || !strings.Contains(string(cfg), `"checkpoint_every": 500`) {
		t.Errorf("the loaded run's config: %s, %v", cfg, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "runs")); err == nil {
		t.Error("-load created a run cache")
	}
	os.WriteFile(filepath.Join(dir, "wd.json"), []byte(`{"weight_decay": 0.5}`), 0o644)
	if code, _, stderr := runCLI(t, dir, "-quiet", "-load", lightning, "-config", "wd.json", "-out", "site2"); code != 0 {
		t.Fatalf("-load a Lightning folder with -config: exit %d, %s", code, stderr)
	}
	if cfg, err := os.ReadFile(filepath.Join(dir, "site2", "data", "config.json")); err != nil || !strings.Contains(string(cfg), `"weight_decay": 0.5`) {
		t.Errorf("-config's weight decay for a folder without config.json: %s, %v", cfg, err)
	}
	code, _, stderr = runCLI(t, dir, "-quiet", "-load", runfolder, "-lr", "0.1")
	if code != 2 || !strings.Contains(stderr, "flag -load cannot be combined with -lr (the loaded run has its own config)") {
		t.Errorf("-load a folder with config.json and -lr: exit %d, %s", code, stderr)
	}
}

// TestImmutableSiteFile builds a site, makes its index.html immutable (chattr +i, so that it can
// be neither replaced nor moved), and builds another config into the same folder: the build
// fails (exit 1) and the folder still holds the whole first site.
func TestImmutableSiteFile(t *testing.T) {
	if _, err := exec.LookPath("chattr"); err != nil || os.Geteuid() != 0 {
		t.Skip("needs chattr and root")
	}
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, dir, slices.Concat(quickArgs, []string{"-epochs", "40"})...); code != 0 {
		t.Fatalf("first build: %s", stderr)
	}
	site := filepath.Join(dir, "public")
	before := tree(t, site)
	index := filepath.Join(site, "index.html")
	if out, err := exec.Command("chattr", "+i", index).CombinedOutput(); err != nil {
		t.Skipf("chattr +i does not work here: %v %s", err, out)
	}
	defer exec.Command("chattr", "-i", index).Run()
	code, _, stderr := runCLI(t, dir, slices.Concat(quickArgs, []string{"-epochs", "50"})...)
	if code != 1 || !strings.Contains(stderr, "writing the site") {
		t.Fatalf("a build over an immutable file: exit %d, %s; want exit 1", code, stderr)
	}
	if d := filetree.Diff(before, tree(t, site)); len(d) > 0 {
		t.Errorf("the failed build changed the site: %v", d)
	}
}

// TestKilledBuilds kills (SIGKILL) builds of a second site into a folder holding a first one,
// at times spread over the build; after each kill, the next build of the first config must
// find the folder whole (all of the first site, or all of the second, after recovering an
// interrupted switch) and leave it holding exactly the first site.
func TestKilledBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("40 builds")
	}
	dir := t.TempDir()
	a := slices.Concat(quickArgs, []string{"-epochs", "40"})
	b := slices.Concat(quickArgs, []string{"-epochs", "60"})
	for _, args := range [][]string{b, a} { // both cached; the site of a last
		if code, _, stderr := runCLI(t, dir, args...); code != 0 {
			t.Fatal(stderr)
		}
	}
	site := filepath.Join(dir, "public")
	siteA := tree(t, site)
	start := time.Now()
	if code, _, stderr := runCLI(t, dir, b...); code != 0 {
		t.Fatal(stderr)
	}
	siteB := tree(t, site)
	took := time.Since(start)
	if code, _, stderr := runCLI(t, dir, a...); code != 0 {
		t.Fatal(stderr)
	}
	for i := range 40 {
		cmd := command(t, dir, nil, b...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(took * time.Duration(i) / 30) // spread over about 1.3 builds
		cmd.Process.Kill()
		cmd.Wait()
		recovered := command(t, dir, nil, "-force", "load", "-quiet", "-epochs", "1")
		recovered.Run() // fails (no such cached run) after recovering the folder, before any work
		got := tree(t, site)
		if d1, d2 := filetree.Diff(got, siteA), filetree.Diff(got, siteB); len(d1) > 0 && len(d2) > 0 {
			t.Fatalf("kill %d (after %v): the site is neither whole: differs from the first in %v, from the second in %v", i, took*time.Duration(i)/30, d1, d2)
		}
		if code, _, stderr := runCLI(t, dir, a...); code != 0 {
			t.Fatal(stderr)
		}
	}
	if d := filetree.Diff(tree(t, site), siteA); len(d) > 0 {
		t.Errorf("after the kills: %v", d)
	}
}

// TestKilledTraining kills (SIGKILL) a training at moments spread over it, every other time a
// retraining (-force train) of a complete run, which rewrites its checkpoints in place, and
// checks that the next plain run ends with the run folder and the site of an uninterrupted run.
func TestKilledTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("about 20 trainings")
	}
	args := slices.Concat(quickArgs, []string{"-epochs", "400"})
	whole := t.TempDir()
	start := time.Now()
	if out, err := command(t, whole, nil, args...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	took := time.Since(start)
	midway := 0
	for i := range 12 {
		dir := t.TempDir()
		killed := args
		if i%2 == 1 { // a complete run first, whose checkpoints the killed retraining rewrites
			if out, err := command(t, dir, nil, args...).CombinedOutput(); err != nil {
				t.Fatalf("run %d: %v\n%s", i, err, out)
			}
			killed = slices.Concat(args, []string{"-force", "train"})
		}
		cmd := command(t, dir, nil, killed...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(took * time.Duration(i/2) / 10) // spread over the training, mostly
		cmd.Process.Kill()
		cmd.Wait()
		if m, _ := filepath.Glob(filepath.Join(dir, "runs", "*", runstore.MetricsFile)); len(m) == 0 {
			midway++ // the kill left the run incomplete (else it came before a retraining began, or during the site)
		}
		if out, err := command(t, dir, nil, args...).CombinedOutput(); err != nil {
			t.Fatalf("run %d after the kill: %v\n%s", i, err, out)
		}
		diffTrees(t, whole, dir)
	}
	t.Logf("%d of 12 kills left the run incomplete", midway)
}

// TestOutHomeWithoutHOME checks that with HOME unset the home folder is still found (from the
// user database) and refused as -out.
func TestOutHomeWithoutHOME(t *testing.T) {
	u, err := user.Current()
	if err != nil || u.HomeDir == "" {
		t.Skip("no user database entry")
	}
	t.Setenv("HOME", "")
	if err := checkOut(u.HomeDir, filepath.Join(t.TempDir(), "runs")); err == nil || !strings.Contains(err.Error(), "is the home folder") {
		t.Errorf("checkOut(%q) with HOME unset: %v, want the home folder refused", u.HomeDir, err)
	}
}
