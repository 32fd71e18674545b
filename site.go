package main

import (
	"crypto/sha256"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"maxgrok/compute"
	"maxgrok/render"
)

// builtin holds the built-in explanations (content/) and the page's templates (templates/).
//
//go:embed content/*.md templates/*
var builtin embed.FS

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
	dir := os.DirFS(o.content)
	if err := render.CheckContent(dir, c); err != nil {
		return nil, usagef("flag -content %s: %v", o.content, err)
	}
	return dir, nil
}

// buildSite writes the report for r, with the explanations of content, into o.out and returns
// the path of its index.html.
func buildSite(o *options, r *compute.Run, content fs.FS) (string, error) {
	templates, _ := fs.Sub(builtin, "templates")
	// Builds into the same site wait for each other (see compute.Lock).
	abs, _ := filepath.Abs(o.out)
	unlock, err := compute.Lock(filepath.Join(o.runs, ".locks", fmt.Sprintf("site-%x.lock", sha256.Sum256([]byte(abs)))))
	if err != nil {
		return "", err
	}
	defer unlock()
	index, err := render.Build(r, render.Options{Out: o.out, Content: content, Templates: templates, PDF: o.pdf})
	if err != nil {
		return "", fmt.Errorf("writing the site: %w", err)
	}
	return index, nil
}
