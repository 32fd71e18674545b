package render

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strings"
)

// PageTemplate is the file of the templates folder that RenderPage executes. It must define a
// template "figure", which RenderPage executes for each figure with a FigureView.
const PageTemplate = "index.html"

// PageView is what index.html is executed with: PageData, plus the sections with their figure
// markers replaced and the figures no section refers to.
type PageView struct {
	PageData
	Checkpoints int           // number of checkpoints (slider positions)
	LastIndex   int           // Checkpoints - 1, the slider's maximum
	Sections    []SectionView // PageData.Sections, figures in place
	Unplaced    []template.HTML
}

// SectionView is a Section whose HTML has its <!--figure:NAME--> markers replaced by figures.
type SectionView struct {
	ID, Title string
	HTML      template.HTML
}

// FigureView is what the "figure" template is executed with.
type FigureView struct {
	Figure
	Inline template.HTML // the figure's SVG, ready to inline
	HasPDF bool
	HasGIF bool // figures/<Name>.gif was written
}

var figureMarker = regexp.MustCompile(`<!--\s*figure:([A-Za-z0-9_.-]+)\s*-->`)

// svgProlog matches what may precede the <svg> element of a standalone SVG file.
var svgProlog = regexp.MustCompile(`^(?s)\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?`)

// RenderPage executes the template index.html of tmpl (which also defines "figure") with d and
// writes the page to w. Each <!--figure:NAME--> marker in a section's HTML becomes the block of
// figure NAME (its title, its inline SVG at the final epoch and its download links); figures no
// marker names are appended after the sections, in the order of d.Figures. A marker naming no
// figure, or a figure named twice, is an error.
func RenderPage(w io.Writer, tmpl fs.FS, d PageData) error {
	src, err := fs.ReadFile(tmpl, PageTemplate)
	if err != nil {
		return fmt.Errorf("page: %w", err)
	}
	t, err := template.New(PageTemplate).Parse(string(src))
	if err != nil {
		return fmt.Errorf("page: %w", err)
	}
	if t.Lookup("figure") == nil {
		return fmt.Errorf("page: %s defines no \"figure\" template", PageTemplate)
	}
	blocks := map[string]template.HTML{}
	for _, f := range d.Figures {
		if _, dup := blocks[f.Name]; dup {
			return fmt.Errorf("page: two figures named %q", f.Name)
		}
		svg := svgProlog.ReplaceAllString(string(f.SVG), "")
		if !strings.HasPrefix(svg, "<svg") {
			return fmt.Errorf("page: figure %s: the SVG does not start with <svg", f.Name)
		}
		var buf bytes.Buffer
		fv := FigureView{Figure: f, Inline: template.HTML(svg), HasPDF: len(f.PDF) > 0, HasGIF: slices.Contains(d.GIFs, f.Name)}
		if err := t.ExecuteTemplate(&buf, "figure", fv); err != nil {
			return fmt.Errorf("page: figure %s: %w", f.Name, err)
		}
		blocks[f.Name] = template.HTML(buf.String())
	}
	v := PageView{PageData: d}
	if d.Run != nil {
		v.Checkpoints = len(d.Run.Epochs)
		v.LastIndex = max(0, v.Checkpoints-1)
	}
	placed := map[string]bool{}
	for _, s := range d.Sections {
		var missing error
		html := figureMarker.ReplaceAllStringFunc(string(s.HTML), func(m string) string {
			name := figureMarker.FindStringSubmatch(m)[1]
			b, ok := blocks[name]
			switch {
			case !ok:
				missing = fmt.Errorf("page: section %q refers to figure %q, which does not exist", s.ID, name)
			case placed[name]:
				missing = fmt.Errorf("page: section %q places figure %q a second time", s.ID, name)
			}
			placed[name] = true
			return string(b)
		})
		if missing != nil {
			return missing
		}
		v.Sections = append(v.Sections, SectionView{ID: s.ID, Title: s.Title, HTML: template.HTML(html)})
	}
	for _, f := range d.Figures {
		if !placed[f.Name] {
			v.Unplaced = append(v.Unplaced, blocks[f.Name])
		}
	}
	var out bytes.Buffer
	if err := t.Execute(&out, v); err != nil {
		return fmt.Errorf("page: %w", err)
	}
	_, err = w.Write(out.Bytes())
	return err
}
