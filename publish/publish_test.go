package publish

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"maxgrok/internal/filetree"
)

var (
	siteA = map[string][]byte{"index.html": []byte("A"), "data/x.csv": []byte("ax"), "figures/a.svg": []byte("only in A")}
	siteB = map[string][]byte{"index.html": []byte("B"), "data/x.csv": []byte("bx"), "data/y.bin": []byte("only in B")}
	owned = []string{"index.html", "data", "figures"}
)

// tree returns dir's files but the ones this package keeps for itself.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filetree.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, b := range files {
		out[name] = string(b)
	}
	return out
}

// want is the tree of a site folder holding site and the foreign files.
func want(site map[string][]byte, foreign map[string]string) map[string]string {
	out := map[string]string{}
	for name, b := range site {
		out[name] = string(b)
	}
	for name, b := range foreign {
		out[name] = b
	}
	out[ManifestFile] = manifestOf(site)
	return out
}

func manifestOf(site map[string][]byte) string {
	var names []string
	for name := range site {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, "\n") + "\n"
}

func same(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// TestInstall checks a first build, a rebuild that keeps foreign files and deletes what the new
// site lacks, and that foreign files where the site goes are refused.
func TestInstall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := Prepare(dir, owned); err != nil {
		t.Fatal(err)
	}
	if err := Install(dir, siteA); err != nil {
		t.Fatal(err)
	}
	same(t, "first build", tree(t, dir), want(siteA, nil))
	os.WriteFile(filepath.Join(dir, "CNAME"), []byte("example.org"), 0o644)
	if err := Install(dir, siteB); err != nil {
		t.Fatal(err)
	}
	same(t, "rebuild", tree(t, dir), want(siteB, map[string]string{"CNAME": "example.org"}))
	if _, err := os.Stat(filepath.Join(dir, "figures")); err == nil {
		t.Error("the emptied figures/ folder was left behind")
	}

	foreign := filepath.Join(t.TempDir(), "theirs")
	os.MkdirAll(filepath.Join(foreign, "data"), 0o755)
	os.WriteFile(filepath.Join(foreign, "index.html"), []byte("theirs"), 0o644)
	os.WriteFile(filepath.Join(foreign, "data", "x.csv"), []byte("theirs"), 0o644)
	os.WriteFile(filepath.Join(foreign, "README"), []byte("theirs"), 0o644)
	for _, f := range []func() error{
		func() error { return Prepare(foreign, owned) },
		func() error { return Install(foreign, siteA) },
	} {
		var ce *CollisionError
		if err := f(); !errors.As(err, &ce) || !strings.Contains(err.Error(), "data/x.csv, index.html") {
			t.Errorf("a folder of someone else's files: error %v, want a CollisionError naming data/x.csv and index.html", err)
		}
	}
	if got := tree(t, foreign); got["index.html"] != "theirs" || got["data/x.csv"] != "theirs" {
		t.Errorf("their files were touched: %v", got)
	}
}

// TestLegacyStages checks that Prepare removes the stage folders older versions left beside the
// site folder when killed, and nothing else there.
func TestLegacyStages(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "public")
	for _, d := range []string{".public.build-123", ".public.build-abc/data", ".other.build-1", "public-notes"} {
		os.MkdirAll(filepath.Join(parent, d), 0o755)
	}
	if err := Prepare(dir, owned); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(parent)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if fmt.Sprint(left) != "[.other.build-1 public public-notes]" {
		t.Errorf("left beside the site: %v", left)
	}
}

// TestJournalLeftover checks that the temporary file of a journal whose writing was killed is
// removed by the next Prepare, and that the site is untouched.
func TestJournalLeftover(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := Install(dir, siteA); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "."+journalFile+".tmp12345"), []byte(".maxgrok-stage-1\nindex"), 0o644)
	if err := Prepare(dir, owned); err != nil {
		t.Fatal(err)
	}
	same(t, "after a killed journal write", tree(t, dir), want(siteA, nil))
}

// TestPrepareRefuses checks the folders a site cannot go into.
func TestPrepareRefuses(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	if err := Prepare(file, owned); err == nil {
		t.Error("Prepare accepted a regular file")
	}
	if err := Prepare(filepath.Join(file, "sub"), owned); err == nil {
		t.Error("Prepare accepted a folder under a regular file")
	}
}

// TestFailedSwitch fails the switch after every one of its renames in turn: each time the
// folder must hold the whole old site, foreign files included.
func TestFailedSwitch(t *testing.T) {
	for k := 1; ; k++ {
		dir := filepath.Join(t.TempDir(), "out")
		if err := Install(dir, siteA); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "CNAME"), []byte("c"), 0o644)
		n := 0
		err := install(dir, siteB, func() error {
			if n++; n == k {
				return errors.New("injected")
			}
			return nil
		})
		if err == nil {
			if k < 4 {
				t.Fatalf("the switch had only %d renames", k-1)
			}
			same(t, "no failure", tree(t, dir), want(siteB, map[string]string{"CNAME": "c"}))
			break
		}
		same(t, fmt.Sprintf("failure after rename %d", k), tree(t, dir), want(siteA, map[string]string{"CNAME": "c"}))
	}
}

// TestKilledSwitch kills a process (os.Exit, which runs no deferred cleanup, as kill -9) after
// every rename of a switch in turn; the next Prepare must restore the whole old site and clean
// the stage away.
func TestKilledSwitch(t *testing.T) {
	if k := os.Getenv("PUBLISH_KILL_AT"); k != "" {
		at, _ := strconv.Atoi(k)
		n := 0
		install(os.Getenv("PUBLISH_DIR"), siteB, func() error {
			if n++; n == at {
				os.Exit(9)
			}
			return nil
		})
		os.Exit(0)
	}
	for k := 1; k <= 9; k++ {
		dir := filepath.Join(t.TempDir(), "out")
		if err := Install(dir, siteA); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledSwitch$")
		cmd.Env = append(os.Environ(), "PUBLISH_KILL_AT="+strconv.Itoa(k), "PUBLISH_DIR="+dir)
		err := cmd.Run()
		var ee *exec.ExitError
		killed := errors.As(err, &ee) && ee.ExitCode() == 9
		if err != nil && !killed {
			t.Fatalf("child: %v", err)
		}
		if err := Prepare(dir, owned); err != nil {
			t.Fatalf("recovery after a kill at rename %d: %v", k, err)
		}
		if !killed {
			same(t, "a whole switch", tree(t, dir), want(siteB, nil))
			continue
		}
		same(t, fmt.Sprintf("killed after rename %d, then recovered", k), tree(t, dir), want(siteA, nil))
	}
}
