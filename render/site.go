package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"maxgrok/compute"
)

// ManifestFile lists, one path a line, the files of the site that the program wrote; only these
// are ever replaced or deleted, so foreign files (a CNAME, say) survive every rebuild.
const ManifestFile = ".maxgrok-manifest"

// Options say what to build and where.
type Options struct {
	Out       string // the site folder
	Content   fs.FS  // Markdown explanations (*.md)
	Templates fs.FS  // index.html, style.css, app.js
	PDF       bool   // also write figures/*.pdf
}

// Build renders run r into the site folder o.Out and returns the path of its
// index.html. Everything is first written to a fresh folder beside o.Out; only when all of it
// succeeded are the files moved in, so a failure leaves the previous site as it was.
func Build(r *compute.Run, o Options) (string, error) {
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return "", err
	}
	stage, err := os.MkdirTemp(filepath.Dir(filepath.Clean(o.Out)), "."+filepath.Base(o.Out)+".build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stage)
	// The export is the largest file and needs nothing else: write it while the rest renders.
	const export = "data/analyses.safetensors"
	if err := os.MkdirAll(filepath.Join(stage, "data"), 0o755); err != nil {
		return "", err
	}
	exported := make(chan error, 1)
	go func() {
		exported <- compute.WriteAnalyses(filepath.Join(stage, filepath.FromSlash(export)), r.Analyses, compute.DimsOf(r.Config))
	}()
	files, err := siteFiles(r, o)
	if exportErr := <-exported; err == nil && exportErr != nil {
		err = fmt.Errorf("%s: %w", export, exportErr)
	}
	if err != nil {
		return "", err
	}
	names := []string{export}
	for name, data := range files {
		names = append(names, name)
		if err := writeFile(filepath.Join(stage, name), data); err != nil {
			return "", err
		}
	}
	slices.Sort(names)
	if err := writeFile(filepath.Join(stage, ManifestFile), []byte(strings.Join(names, "\n")+"\n")); err != nil {
		return "", err
	}
	if err := install(stage, o.Out, names); err != nil {
		return "", err
	}
	return filepath.Join(o.Out, "index.html"), nil
}

// siteFiles renders every file of the site in memory, keyed by its slash-separated path.
func siteFiles(r *compute.Run, o Options) (map[string][]byte, error) {
	files := map[string][]byte{}
	figs, err := Figures(r, o.PDF)
	if err != nil {
		return nil, fmt.Errorf("figures: %w", err)
	}
	for _, f := range figs {
		files["figures/"+f.Name+".svg"] = f.SVG
		if o.PDF {
			files["figures/"+f.Name+".pdf"] = f.PDF
		}
	}
	data := NewContentData(r)
	sections, err := RenderContent(o.Content, data)
	if err != nil {
		return nil, err
	}
	payload, err := EncodePayload(r, figs)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	gz, br, err := PayloadScripts(payload)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	assets := Assets{CSS: "assets/style.css", JS: "assets/app.js", PayloadGzip: "data/payload.gz.js", PayloadBrotli: "data/payload.br.js"}
	files[assets.PayloadGzip] = gz
	files[assets.PayloadBrotli] = br
	for _, a := range []struct{ src, dst string }{{"style.css", assets.CSS}, {"app.js", assets.JS}} {
		b, err := fs.ReadFile(o.Templates, a.src)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		files[a.dst] = b
	}
	var page bytes.Buffer
	pd := PageData{
		Title: fmt.Sprintf("Grokking max(a, b): a %d-token, %d-epoch run", r.Config.Vocab, r.Config.Epochs),
		Run:   r, Sections: sections, Figures: figs, Phases: data.Phases, FinalEpoch: data.FinalEpoch, Assets: assets,
	}
	if err := RenderPage(&page, o.Templates, pd); err != nil {
		return nil, fmt.Errorf("page: %w", err)
	}
	files["index.html"] = page.Bytes()
	files["data/config.json"] = r.Config.MarshalIndent()
	files["data/metrics.csv"] = compute.MarshalMetrics(r.Metrics)
	files[".nojekyll"] = []byte{}
	return files, nil
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// install moves the staged files into out, then deletes the files of out's previous manifest
// that the new site no longer has. Files not in either manifest are never touched.
func install(stage, out string, names []string) error {
	old, err := os.ReadFile(filepath.Join(out, ManifestFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, name := range append(names, ManifestFile) {
		dst := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(stage, filepath.FromSlash(name)), dst); err != nil {
			return err
		}
	}
	for _, name := range strings.Split(string(old), "\n") {
		if name == "" || slices.Contains(names, name) || !filepath.IsLocal(name) {
			continue
		}
		os.Remove(filepath.Join(out, filepath.FromSlash(name)))
	}
	return nil
}
