package main

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"maxgrok/compute"
	"maxgrok/internal/inputfile"
	"maxgrok/publish"
	"maxgrok/render"
	"maxgrok/runstore"
)

// builtin holds the built-in explanations (content/) and the page's templates (templates/).
//
//go:embed content/*.md templates/*
var builtin embed.FS

// siteOwned are the names in the site folder that a build may write: a file there that an
// earlier build did not write is refused rather than overwritten.
var siteOwned = []string{"index.html", ".nojekyll", "assets", "data", "figures"}

// maxContentBytes bounds one -content Markdown file.
const maxContentBytes = 4 << 20

// contentDir returns the explanations to render: -content's folder or the built-in ones. A
// user's folder is checked with stand-in data of config c, so that its errors stop the program
// before any training.
func contentDir(o *options, c compute.Config) (fs.FS, error) {
	if o.content == "" {
		return fs.Sub(builtin, "content")
	}
	st, err := os.Stat(o.content)
	if err != nil {
		return nil, usagef("flag -content: %v", err)
	}
	if !st.IsDir() {
		return nil, usagef("flag -content: %s is not a folder", o.content)
	}
	dir := boundedFS{dir: o.content, fsys: os.DirFS(o.content)}
	if err := render.CheckContent(dir, c); err != nil {
		return nil, usagef("flag -content %s: %v", o.content, err)
	}
	return dir, nil
}

// boundedFS is a folder of the user's whose files are opened as inputfile does: only regular
// files (a FIFO or a link to a device is refused), each at most maxContentBytes.
type boundedFS struct {
	dir  string
	fsys fs.FS
}

func (b boundedFS) Open(name string) (fs.File, error) {
	if name == "." {
		return b.fsys.Open(name)
	}
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	f, st, err := inputfile.Open(filepath.Join(b.dir, filepath.FromSlash(name)))
	if err != nil {
		return nil, err
	}
	if st.Size() > maxContentBytes {
		f.Close()
		return nil, fmt.Errorf("%s: %d bytes, the limit for a content file is %d", name, st.Size(), maxContentBytes)
	}
	return limitedFile{f, io.LimitReader(f, maxContentBytes)}, nil
}

// limitedFile reads at most maxContentBytes, even from a file that grows.
type limitedFile struct {
	*os.File
	r io.Reader
}

func (l limitedFile) Read(p []byte) (int, error) { return l.r.Read(p) }

// checkSize refuses configs whose run would not fit in memory or whose site would not fit on a
// web host, with the estimate and what to change.
func checkSize(c compute.Config) error {
	const hint = "raise checkpoint_every or lower vocab"
	mib := func(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
	if b := compute.EstimateMemoryBytes(c); b > compute.MaxMemoryBytes {
		return fmt.Errorf("config too large: its %d checkpoints and analyses need about %s of memory (limit %s); %s", c.NumCheckpoints(), mib(b), mib(compute.MaxMemoryBytes), hint)
	}
	if b := runstore.EstimateExportBytes(c); b > runstore.MaxExportBytes {
		return fmt.Errorf("config too large: data/analyses.safetensors would be %s (limit %s); %s", mib(b), mib(runstore.MaxExportBytes), hint)
	}
	if b := render.EstimatePayloadBytes(c); b > render.MaxPayloadBytes {
		return fmt.Errorf("config too large: the slider's payload would be about %s (limit %s for a web host); %s", mib(b), mib(render.MaxPayloadBytes), hint)
	}
	return nil
}

// buildSite writes the report for r, with the explanations of content, into o.out and returns
// the path of its index.html. The site switches all at once (package publish).
func buildSite(o *options, r *compute.Run, content fs.FS) (string, error) {
	templates, _ := fs.Sub(builtin, "templates")
	site, err := publish.Begin(o.out)
	if err != nil {
		return "", fmt.Errorf("writing the site: %w", err)
	}
	defer site.Abort() // after Commit, nothing
	// The export is the largest file and needs nothing else: it streams into the site's stage
	// while the rest renders, never whole in memory (15 MB for the default run).
	exported := make(chan error, 1)
	go func() {
		exported <- site.AddFrom("data/analyses.safetensors", func(w io.Writer) error {
			return runstore.WriteAnalyses(w, r.Analyses, compute.DimsOf(r.Config))
		})
	}()
	files, err := render.Site(r, render.Options{Content: content, Templates: templates, PDF: o.pdf, GIF: o.gif})
	if exportErr := <-exported; err == nil {
		err = exportErr
	}
	if err != nil {
		return "", fmt.Errorf("writing the site: %w", err)
	}
	files["data/metrics.csv"] = runstore.MarshalMetrics(r.Metrics)
	if err := site.AddAll(files); err != nil {
		return "", fmt.Errorf("writing the site: %w", err)
	}
	if err := site.Commit(); err != nil {
		return "", fmt.Errorf("writing the site: %w", err)
	}
	return filepath.Join(o.out, "index.html"), nil
}
