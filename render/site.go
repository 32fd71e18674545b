package render

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"

	"maxgrok/compute"
)

// Options say what to build and where.
type Options struct {
	Content   fs.FS // Markdown explanations (*.md)
	Templates fs.FS // index.html, style.css, slider.js, app.js
	PDF       bool  // also write figures/*.pdf
	// AssetPrefix, when set, is the relative URL of the folder holding a shared assets/ (e.g.
	// "../../" for a sweep's run report): the page links its style and script there, and Site
	// does not write them.
	AssetPrefix string
	// Up, when set, is the relative URL of a page the report belongs to (a sweep's page): the
	// report links back to it.
	Up string
	// NoAnalyses says the site will not have data/analyses.safetensors: the page does not link it.
	NoAnalyses bool
	GIF        bool // also write figures/*.gif (Animations)
}

// Site renders every file of the report of run r in memory, keyed by its slash-separated path
// (docs/formats.md, "The site"), except the run store's files: data/metrics.csv and
// data/analyses.safetensors.
func Site(r *compute.Run, o Options) (map[string][]byte, error) {
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
		if m := f.Multiples; m != nil {
			files["figures/"+f.Name+"-phases.svg"] = m.SVG
			if o.PDF {
				files["figures/"+f.Name+"-phases.pdf"] = m.PDF
			}
		}
	}
	var gifNames []string
	if o.GIF {
		gifs, infos, err := Animations(r)
		if err != nil {
			return nil, err
		}
		maps.Copy(files, gifs)
		for _, in := range infos {
			gifNames = append(gifNames, in.Name)
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
	script, err := PayloadScript(payload)
	if err != nil {
		return nil, err
	}
	assets := Assets{
		CSS: o.AssetPrefix + "assets/style.css", Slider: o.AssetPrefix + "assets/slider.js", JS: o.AssetPrefix + "assets/app.js",
		Payload: "data/payload.gz.js",
	}
	files[assets.Payload] = script
	for _, a := range []struct{ src, dst string }{{"style.css", assets.CSS}, {"slider.js", assets.Slider}, {"app.js", assets.JS}} {
		if o.AssetPrefix != "" {
			break
		}
		b, err := fs.ReadFile(o.Templates, a.src)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		files[a.dst] = b
	}
	var page bytes.Buffer
	pd := PageData{
		Title: fmt.Sprintf("Grokking max(a, b): a %d-token, %d-epoch run", r.Config.Vocab, r.Config.Epochs),
		Run:   r, Sections: sections, Figures: figs, Phases: data.Phases, FinalEpoch: data.FinalEpoch, Assets: assets, Up: o.Up, NoAnalyses: o.NoAnalyses,
		GIFs: gifNames,
	}
	if err := RenderPage(&page, o.Templates, pd); err != nil {
		return nil, fmt.Errorf("page: %w", err)
	}
	files["index.html"] = page.Bytes()
	files["data/config.json"] = r.Config.MarshalIndent()
	files[".nojekyll"] = []byte{}
	return files, nil
}

// MaxPayloadBytes bounds the slider's payload before compression (GitHub Pages refuses files
// over 100 MB).
const MaxPayloadBytes = 95 << 20
