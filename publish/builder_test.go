package publish

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuilder(t *testing.T) {
	dir := t.TempDir()
	if err := Install(dir, map[string][]byte{"index.html": []byte("old"), "gone/a.txt": []byte("a")}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "CNAME"), []byte("mine"), 0o644)
	for _, tc := range []struct {
		name   string
		files  []string
		commit bool
		err    string
		want   map[string]string // files afterwards ("" : absent)
	}{
		{"abort keeps the old site", []string{"index.html", "runs/x/index.html"}, false, "",
			map[string]string{"index.html": "old", "gone/a.txt": "a", "runs/x/index.html": "", "CNAME": "mine"}},
		{"commit switches", []string{"index.html", "runs/x/index.html"}, true, "",
			map[string]string{"index.html": "new index.html", "gone/a.txt": "", "runs/x/index.html": "new runs/x/index.html", "CNAME": "mine"}},
		{"a foreign file is refused", []string{"CNAME"}, false, "holds files this program did not write", nil},
		{"twice", []string{"a", "a"}, false, "site file a added twice", nil},
		{"invalid", []string{"../a"}, false, `invalid site file name "../a"`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Begin(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Abort()
			for _, f := range tc.files {
				if err = b.Add(f, []byte("new "+f)); err != nil {
					break
				}
			}
			if tc.err != "" {
				var ce *CollisionError
				if err == nil || !strings.Contains(err.Error(), tc.err) && !errors.As(err, &ce) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.commit {
				if err := b.Commit(); err != nil {
					t.Fatal(err)
				}
			} else {
				b.Abort()
			}
			for name, want := range tc.want {
				got, err := os.ReadFile(filepath.Join(dir, name))
				if want == "" && err == nil || want != "" && string(got) != want {
					t.Errorf("%s: %q (%v), want %q", name, got, err, want)
				}
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), stagePrefix) {
					t.Errorf("a stage folder is left: %s", e.Name())
				}
			}
		})
	}
}

// TestBuilderAddFrom checks AddFrom: the file is what its writer writes once committed, a name
// added twice is refused, and a writer's error is returned and leaves the previous site.
// TestBuilderAddFromRefused checks its other refusals.
func TestBuilderAddFrom(t *testing.T) {
	dir := t.TempDir()
	if err := Install(dir, map[string][]byte{"data/x.bin": []byte("old")}); err != nil {
		t.Fatal(err)
	}
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	failed := errors.New("the writer failed")
	for _, tc := range []struct {
		name  string
		write func(io.Writer) error
		added bool // the name is Added first
		err   string
		want  string // data/x.bin afterwards
	}{
		{"written and committed", write(strings.Repeat("new ", 100000)), false, "", strings.Repeat("new ", 100000)},
		{"the writer fails", func(w io.Writer) error { write("half")(w); return failed }, false, "the writer failed", "old"},
		{"added twice", write("new"), true, "added twice", "old"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == "old" { // each case starts from the old site
				if err := Install(dir, map[string][]byte{"data/x.bin": []byte("old")}); err != nil {
					t.Fatal(err)
				}
			}
			b, err := Begin(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Abort()
			if tc.added {
				if err := b.Add("data/x.bin", []byte("first")); err != nil {
					t.Fatal(err)
				}
			}
			err = b.AddFrom("data/x.bin", tc.write)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				b.Abort()
			} else if err != nil {
				t.Fatal(err)
			} else if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "data", "x.bin"))
			if err != nil || string(got) != tc.want {
				t.Fatalf("data/x.bin: %d bytes (%v), want %d", len(got), err, len(tc.want))
			}
			if stages, _ := filepath.Glob(filepath.Join(dir, stagePrefix+"*")); len(stages) > 0 {
				t.Errorf("stages left: %v", stages)
			}
		})
	}
}

// TestBuilderAddFromRefused checks that AddFrom refuses what Add refuses (an invalid name, a
// foreign file in the way) without calling the writer.
func TestBuilderAddFromRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "CNAME"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, file, err string }{
		{"invalid", "../x", "invalid site file name"},
		{"the manifest", ManifestFile, "invalid site file name"},
		{"a foreign file", "CNAME", "CNAME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Begin(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Abort()
			called := false
			err = b.AddFrom(tc.file, func(io.Writer) error { called = true; return nil })
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
			if called {
				t.Error("the writer was called")
			}
		})
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "CNAME")); string(got) != "mine" {
		t.Errorf("CNAME is %q", got)
	}
}

// TestBuilderUnchanged rebuilds a site with a Builder where some files keep their bytes: those
// stay where they are (the same inode), the others switch, and a switch failed after any of its
// renames leaves the whole old site, foreign files included.
func TestBuilderUnchanged(t *testing.T) {
	old := map[string][]byte{"index.html": []byte("page"), "data/a.bin": []byte("aaaa"), "data/b.bin": []byte("b"), "gone.txt": []byte("g")}
	next := map[string][]byte{"index.html": []byte("page"), "data/a.bin": []byte("aaaa"), "data/b.bin": []byte("B2"), "new/c.txt": []byte("c")}
	build := func(dir string, site map[string][]byte, step func() error) error {
		b, err := Begin(dir)
		if err != nil {
			return err
		}
		defer b.Abort()
		b.step = step
		if err := b.AddAll(site); err != nil {
			return err
		}
		return b.Commit()
	}
	for k := 1; ; k++ {
		dir := filepath.Join(t.TempDir(), "out")
		if err := build(dir, old, nil); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "CNAME"), []byte("c"), 0o644)
		before := map[string]os.FileInfo{}
		for _, name := range []string{"index.html", "data/a.bin"} {
			st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
			if err != nil {
				t.Fatal(err)
			}
			before[name] = st
		}
		n := 0
		err := build(dir, next, func() error {
			if n++; n == k {
				return errors.New("injected")
			}
			return nil
		})
		if err != nil {
			same(t, fmt.Sprintf("failure after rename %d", k), tree(t, dir), want(old, map[string]string{"CNAME": "c"}))
			continue
		}
		same(t, "the rebuild", tree(t, dir), want(next, map[string]string{"CNAME": "c"}))
		for name, st := range before {
			now, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
			if err != nil || !os.SameFile(st, now) {
				t.Errorf("%s was replaced though its bytes did not change", name)
			}
		}
		// the switch moved out b.bin, gone.txt and the manifest, and moved in b.bin, c.txt and
		// the manifest: six renames, none for the unchanged files
		if k != 7 {
			t.Errorf("the switch took %d renames, want 6", k-1)
		}
		break
	}
}

// TestBuilderAddFromCompares rebuilds a site file through AddFrom over an old one, written in
// chunks: the same bytes leave the old file in place (the same inode); any difference (in a
// chunk, longer, shorter, empty) installs exactly the new bytes.
func TestBuilderAddFromCompares(t *testing.T) {
	old := strings.Repeat("0123456789", 1000) // 10 000 bytes
	for _, tc := range []struct {
		name, data string
		kept       bool
	}{
		{"the same bytes", old, true},
		{"a byte differs in the middle", old[:5003] + "x" + old[5004:], false},
		{"a byte differs at the end", old[:9999] + "x", false},
		{"longer", old + "more", false},
		{"shorter", old[:7777], false},
		{"empty", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := Install(dir, map[string][]byte{"data/x.bin": []byte(old)}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "data", "x.bin")
			before, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Begin(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Abort()
			err = b.AddFrom("data/x.bin", func(w io.Writer) error {
				for s := tc.data; len(s) > 0; {
					n := min(len(s), 997) // chunks that straddle the difference
					if _, err := io.WriteString(w, s[:n]); err != nil {
						return err
					}
					s = s[n:]
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != tc.data {
				t.Fatalf("data/x.bin: %d bytes (%v), want %d", len(got), err, len(tc.data))
			}
			after, _ := os.Stat(path)
			if kept := os.SameFile(before, after); kept != tc.kept {
				t.Errorf("the old file kept: %v, want %v", kept, tc.kept)
			}
			if after.Mode().Perm() != 0o644 {
				t.Errorf("mode %v", after.Mode())
			}
		})
	}
}
