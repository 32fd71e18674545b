// Package publish installs a generated site into its folder so that the folder holds either the
// whole previous site or the whole new one, and never touches files it did not write.
//
// A site folder may hold foreign files (a CNAME, a README): the files the program wrote are
// listed in the folder's manifest, ManifestFile, and only those are ever replaced or deleted. A
// foreign file where the new site would write one is refused, naming it.
//
// Install writes the new site into a stage folder inside the site folder (so that every rename
// stays on one file system, whatever is mounted where), writes a journal, moves each old file
// into the stage and each new file out of it, and removes the journal: that removal is the
// switch. A failure before it (a file that cannot be renamed, say) moves everything back; a
// process killed before it leaves the journal, and the next Prepare or Install of the folder
// moves everything back then. Readers of the folder during a switch may see a mix; nothing else
// does. Builds into one folder wait for each other (an advisory lock on the folder). A Builder
// leaves in place the files whose bytes a rebuild does not change (a deterministic site rebuilt
// writes and moves only what differs); a rollback keeps them, as the old site's.
package publish

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"maxgrok/internal/atomicfile"
	"maxgrok/internal/flock"
)

// ManifestFile lists, one slash-separated path a line, the files of the site that the program
// wrote.
const ManifestFile = ".maxgrok-manifest"

const (
	journalFile = ".maxgrok-switch" // present while a switch is under way: the stage's name, then the new files
	stagePrefix = ".maxgrok-stage-" // stage folders, inside the site folder
)

// A CollisionError names foreign files (not in the manifest) where the site would write.
type CollisionError struct {
	Dir   string
	Files []string
}

func (e *CollisionError) Error() string {
	list := e.Files
	more := ""
	if len(list) > 5 {
		list, more = list[:5], fmt.Sprintf(" and %d more", len(e.Files)-5)
	}
	return fmt.Sprintf("%s holds files this program did not write where the site goes (%s%s); move them away or choose another -out", e.Dir, strings.Join(list, ", "), more)
}

// Prepare makes dir ready to receive a site before any work is done: it creates dir if needed,
// checks that it is a writable folder, finishes an interrupted switch (moving the old site
// back), removes stages left by killed builds, and refuses foreign files in dir under any of
// the names in owned (files, or folders whose every file the site may write). Errors say which
// folder and what is wrong.
func Prepare(dir string, owned []string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	probe, err := os.CreateTemp(dir, stagePrefix+"probe-")
	if err != nil {
		return fmt.Errorf("%s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	unlock, old, err := open(dir)
	if err != nil {
		return err
	}
	defer unlock()
	removeLegacyStages(dir)
	var foreign []string
	for _, name := range owned {
		filepath.WalkDir(filepath.Join(dir, filepath.FromSlash(name)), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			rel, _ := filepath.Rel(dir, p)
			if rel = filepath.ToSlash(rel); !old[rel] {
				foreign = append(foreign, rel)
			}
			return nil
		})
	}
	if len(foreign) > 0 {
		slices.Sort(foreign)
		return &CollisionError{Dir: dir, Files: foreign}
	}
	return nil
}

// Install replaces the site in dir by files (slash-separated relative paths to contents),
// writes the new manifest, and deletes the files of the old manifest that the new site lacks.
// See the package documentation for what a failure leaves.
func Install(dir string, files map[string][]byte) error {
	return install(dir, files, nil)
}

// install is Install with a hook called after every rename of the switch (for tests): an error
// from it fails the switch there.
func install(dir string, files map[string][]byte, step func() error) error {
	names := make([]string, 0, len(files))
	for name := range files {
		if !fs.ValidPath(name) || name == ManifestFile || name == journalFile || strings.HasPrefix(name, stagePrefix) {
			return fmt.Errorf("publish: invalid site file name %q", name)
		}
		names = append(names, name)
	}
	slices.Sort(names)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	unlock, old, err := open(dir)
	if err != nil {
		return err
	}
	defer unlock()
	var foreign []string
	for _, name := range names {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); err == nil && !old[name] {
			foreign = append(foreign, name)
		}
	}
	if len(foreign) > 0 {
		return &CollisionError{Dir: dir, Files: foreign}
	}

	stage, err := os.MkdirTemp(dir, stagePrefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(stage)
	for _, name := range names {
		if err := writeFile(filepath.Join(stage, "new", filepath.FromSlash(name)), files[name]); err != nil {
			return err
		}
	}
	return commit(dir, stage, old, names, nil, step)
}

// commit installs the files names (sorted), written into stage/new but for those in same
// (already in dir with their new bytes), over the site of dir whose manifest was old: the new
// manifest, the journal, the switch, and the old files the new site lacks removed. The caller
// holds dir's lock and removes stage.
func commit(dir, stage string, old map[string]bool, names []string, same map[string]bool, step func() error) error {
	manifest := []byte(strings.Join(names, "\n") + "\n")
	if err := writeFile(filepath.Join(stage, "new", ManifestFile), manifest); err != nil {
		return err
	}
	journal := filepath.Base(stage) + "\n" + string(manifest)
	if err := atomicfile.WriteFile(filepath.Join(dir, journalFile), []byte(journal)); err != nil {
		return err
	}
	if err := switchFiles(dir, stage, old, append(names, ManifestFile), same, step); err != nil {
		if rerr := rollBack(dir, stage, append(names, ManifestFile)); rerr != nil {
			return fmt.Errorf("%w; moving the old site back also failed: %v (the next build retries)", err, rerr)
		}
		os.Remove(filepath.Join(dir, journalFile))
		return err
	}
	if err := os.Remove(filepath.Join(dir, journalFile)); err != nil { // the switch
		return err
	}
	removeEmptyDirs(dir, old, names)
	return nil
}

// open locks the site folder dir, finishes an interrupted switch, and returns the files of its
// manifest.
func open(dir string) (unlock func(), old map[string]bool, err error) {
	if unlock, err = flock.LockDir(dir); err != nil {
		return nil, nil, err
	}
	if err = recoverSwitch(dir); err == nil {
		old, err = readManifest(dir)
	}
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return unlock, old, nil
}

// switchFiles moves the old site's files (old, and its manifest) into stage/old, then the new
// ones (names) from stage/new into dir, leaving in place the files in same (old files that
// already hold their new bytes: a rollback keeps them, as old files).
func switchFiles(dir, stage string, old map[string]bool, names []string, same map[string]bool, step func() error) error {
	oldNames := []string{ManifestFile}
	for name := range old {
		if !same[name] {
			oldNames = append(oldNames, name)
		}
	}
	slices.Sort(oldNames)
	for _, name := range oldNames {
		src := filepath.Join(dir, filepath.FromSlash(name))
		if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := rename(src, filepath.Join(stage, "old", filepath.FromSlash(name))); err != nil {
			return err
		}
		if step != nil {
			if err := step(); err != nil {
				return err
			}
		}
	}
	for _, name := range names {
		if same[name] {
			continue
		}
		if err := rename(filepath.Join(stage, "new", filepath.FromSlash(name)), filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			return err
		}
		if step != nil {
			if err := step(); err != nil {
				return err
			}
		}
	}
	return nil
}

// rollBack undoes a switch into dir that used stage: new files (names) that were moved in and
// are not the old site's go, and the old site's files come back from stage/old.
func rollBack(dir, stage string, names []string) error {
	oldDir := filepath.Join(stage, "old")
	var errs []error
	// The old manifest says which of the new names were also old ones; it is in stage/old if
	// the switch got that far, else still in dir.
	old, err := readManifestFile(filepath.Join(oldDir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		old, err = readManifestFile(filepath.Join(dir, ManifestFile))
		if errors.Is(err, fs.ErrNotExist) {
			old, err = map[string]bool{}, nil
		}
	}
	if err != nil {
		return err
	}
	for _, name := range names {
		if name == ManifestFile || old[name] {
			continue // restored below, or never moved out
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(name))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	filepath.WalkDir(oldDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(oldDir, p)
		if err := rename(p, filepath.Join(dir, rel)); err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	return errors.Join(errs...)
}

// recoverSwitch finishes a switch interrupted by a killed process (the old site comes back),
// then removes stage folders no switch needs.
func recoverSwitch(dir string) error {
	j, err := os.ReadFile(filepath.Join(dir, journalFile))
	switch {
	case err == nil:
		stageName, list, _ := strings.Cut(string(j), "\n")
		if !strings.HasPrefix(stageName, stagePrefix) || strings.ContainsAny(stageName, `/\`) {
			return fmt.Errorf("%s: malformed journal %s; delete it after checking the site", dir, journalFile)
		}
		var names []string
		for _, n := range strings.Split(list, "\n") {
			if n != "" && fs.ValidPath(n) {
				names = append(names, n)
			}
		}
		if err := rollBack(dir, filepath.Join(dir, stageName), names); err != nil {
			return fmt.Errorf("%s: recovering an interrupted site switch: %w", dir, err)
		}
		if err := os.Remove(filepath.Join(dir, journalFile)); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		// Stages, and the temporary file of a journal whose writing was interrupted.
		if strings.HasPrefix(e.Name(), stagePrefix) || strings.HasPrefix(e.Name(), "."+journalFile+".tmp") {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

// removeLegacyStages removes the stage folders that versions before this package left beside
// the site folder (.NAME.build-*) when they were killed during a build.
func removeLegacyStages(dir string) {
	clean := filepath.Clean(dir)
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(clean), "."+globEscape(filepath.Base(clean))+".build-*"))
	for _, m := range matches {
		if st, err := os.Lstat(m); err == nil && st.IsDir() {
			os.RemoveAll(m)
		}
	}
}

// globEscape escapes the pattern characters of a file name for filepath.Glob.
func globEscape(name string) string {
	var b strings.Builder
	for _, r := range name {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// readManifest returns the set of files dir's manifest lists (empty if there is none).
func readManifest(dir string) (map[string]bool, error) {
	m, err := readManifestFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	return m, err
}

func readManifestFile(p string) (map[string]bool, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		// Only local paths: a manifest edited to name ../x cannot make us delete it.
		if n := sc.Text(); n != "" && fs.ValidPath(n) && n != ManifestFile {
			m[n] = true
		}
	}
	return m, sc.Err()
}

// removeEmptyDirs removes the folders of old files that the new site no longer has, when they
// are left empty.
func removeEmptyDirs(dir string, old map[string]bool, names []string) {
	keep := map[string]bool{}
	for _, n := range names {
		for d := path.Dir(n); d != "."; d = path.Dir(d) {
			keep[d] = true
		}
	}
	var dirs []string
	for n := range old {
		for d := path.Dir(n); d != "." && !keep[d]; d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	slices.Sort(dirs)
	for _, d := range slices.Backward(slices.Compact(dirs)) {
		os.Remove(filepath.Join(dir, filepath.FromSlash(d))) // fails, as it should, unless empty
	}
}

func rename(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.Rename(src, dst)
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}
