package render

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"html"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"maxgrok/compute"
)

// templatesDir is the project's templates/ folder.
var templatesDir = filepath.Join("..", "templates")

// pageData returns the page data of run r with its figures, sections that place some of them
// (the others are left for RenderPage to append) and two phases.
func pageData(r *compute.Run, figs []Figure) PageData {
	last := len(r.Epochs) - 1
	var phases []Phase
	if last >= 2 {
		phases = []Phase{
			{Key: "memorised", Name: "Memorised", Epoch: r.Epochs[last/4], Description: "Train accuracy reaches 1."},
			{Key: "grokked", Name: "Grokked", Epoch: r.Epochs[3*last/4], Description: "Test accuracy reaches 1."},
		}
	}
	return PageData{
		Title: "Grokking max(a, b): a test run",
		Run:   r,
		Sections: []Section{
			{ID: "intro", Title: "Introduction", HTML: template.HTML("<p>A model learns max(a, b).</p>\n<!--figure:loss-->\n<p>Then the circuits:</p>\n<!--figure:qk-->\n<!--figure:ov-->")},
			{ID: "margin", Title: "The margin", HTML: template.HTML("<p>Every input.</p>\n<!--figure:margin-->\n<p>And the accuracy <code>&lt;</code>.</p><!-- figure:accuracy -->")},
		},
		Figures: figs, Phases: phases, FinalEpoch: r.Epochs[last],
		Assets: Assets{CSS: "assets/style.css", Slider: "assets/slider.js", JS: "assets/app.js", Payload: "data/payload.gz.js"},
	}
}

func renderTestPage(t *testing.T, d PageData) string {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderPage(&buf, os.DirFS(templatesDir), d); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// htmlVoid are the elements without an end tag.
var htmlVoid = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// checkWellFormed tokenises page as HTML (encoding/xml in its lenient HTML mode) and checks
// that every element is closed in order, except the void ones and self-closing SVG elements.
func checkWellFormed(t *testing.T, page string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(strings.TrimPrefix(page, "<!doctype html>")))
	d.Strict, d.Entity = false, xml.HTMLEntity
	var stack []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if !htmlVoid[tok.Name.Local] {
				stack = append(stack, tok.Name.Local)
			}
		case xml.EndElement:
			if htmlVoid[tok.Name.Local] {
				continue
			}
			if len(stack) == 0 || stack[len(stack)-1] != tok.Name.Local {
				t.Fatalf("page: </%s> closes %v (line %d)", tok.Name.Local, stack, func() int { l, _ := d.InputPos(); return l }())
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Fatalf("page: unclosed elements %v", stack)
	}
}

var (
	urlAttrRE  = regexp.MustCompile(`\s(?:src|href|xlink:href|action|poster|data-payload-[a-z]+)="([^"]*)"`)
	scriptRE2  = regexp.MustCompile(`<script\b[^>]*>`)
	epochRE    = regexp.MustCompile(`id="epoch"[^>]*>([^<]*)<`)
	figureIDRE = regexp.MustCompile(`<figure class="fig" id="fig-([a-z0-9_]+)"`)
)

func TestRenderPage(t *testing.T) {
	r := slidingRun(16, 2000, 50)
	figs := payloadFigures(t, r)
	page := renderTestPage(t, pageData(r, figs))
	checkWellFormed(t, page)

	if m := epochRE.FindStringSubmatch(page); m == nil || m[1] != "2000" {
		t.Errorf(`#epoch holds %q, want the final epoch "2000"`, m)
	}
	if strings.Count(page, `id="epoch"`) != 1 {
		t.Error(`want exactly one id="epoch"`)
	}
	if strings.Contains(page, "<!--figure:") || strings.Contains(page, "<!-- figure:") {
		t.Error("a figure marker is left in the page")
	}
	// every figure once: the placed ones in their sections, in order, then the others
	var got []string
	for _, m := range figureIDRE.FindAllStringSubmatch(page, -1) {
		got = append(got, m[1])
	}
	want := []string{"loss", "qk", "ov", "margin", "accuracy"}
	for _, f := range figs {
		if !strings.Contains(strings.Join(want, " "), f.Name) {
			want = append(want, f.Name)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("figures in the page: %v, want %v", got, want)
	}
	if i, j := strings.Index(page, `id="fig-margin"`), strings.Index(page, `id="more-figures"`); i < 0 || j < i {
		t.Error("the unplaced figures are not appended after the sections")
	}
	// each figure inlines its SVG (the final epoch) with its title as the heading
	for _, f := range figs {
		if !strings.Contains(page, string(f.SVG[:200])) {
			t.Errorf("figure %s: SVG not inlined", f.Name)
		}
		if !strings.Contains(html.UnescapeString(page), ">"+f.Title+"</a></figcaption>") {
			t.Errorf("figure %s: no heading with its title", f.Name)
		}
		if !strings.Contains(page, `href="figures/`+f.Name+`.svg" download`) {
			t.Errorf("figure %s: no download link", f.Name)
		}
		// the small multiples, inside the figure, for the figures that change over training
		block := page[strings.Index(page, `id="fig-`+f.Name+`"`):]
		block = block[:strings.Index(block, "</figure>")]
		img := `<img src="figures/` + f.Name + `-phases.svg"`
		if m := f.Multiples; m != nil {
			if !strings.Contains(block, `<details class="multiples"`) || !strings.Contains(block, img) ||
				!strings.Contains(block, fmt.Sprintf(`width="%g" height="%g"`, m.Width, m.Height)) {
				t.Errorf("figure %s: no small multiples (%s, its size) in its block", f.Name, img)
			}
		} else if strings.Contains(block, "multiples") {
			t.Errorf("figure %s (%s) has small multiples", f.Name, f.Kind)
		}
	}
	// relative links only; nothing from the network
	for _, m := range urlAttrRE.FindAllStringSubmatch(page, -1) {
		u := m[1]
		if strings.HasPrefix(u, "data:image/png;base64,") || u == "data:," {
			continue
		}
		if u == "" || strings.Contains(u, ":") || strings.HasPrefix(u, "/") || strings.Contains(u, "\\") {
			t.Errorf("link %q is not relative", u)
		}
	}
	// two scripts in the page, slider.js before app.js; the payload script is inserted by app.js
	checkScripts(t, page, "assets/slider.js", "assets/app.js")
	for _, s := range []string{`data-payload="data/payload.gz.js"`, `<link rel="stylesheet" href="assets/style.css">`, "<noscript>", `type="range"`, `<label class="slider" for="slider">`, `data-epoch="500"`} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %s", s)
		}
	}
	if strings.Contains(page, "payload.gz.js\"></script>") {
		t.Error("the page loads a payload script itself")
	}
}

func TestRenderPageErrors(t *testing.T) {
	r := slidingRun(16, 2000, 50)
	figs := payloadFigures(t, r)
	d := pageData(r, figs)
	d.Sections = append(d.Sections, Section{ID: "x", Title: "X", HTML: "<!--figure:nope-->"})
	var buf bytes.Buffer
	err := RenderPage(&buf, os.DirFS(templatesDir), d)
	if want := `page: section "x" refers to figure "nope", which does not exist`; err == nil || err.Error() != want {
		t.Errorf("unknown figure: %v, want %q", err, want)
	}
	d = pageData(r, figs)
	d.Sections = append(d.Sections, Section{ID: "y", Title: "Y", HTML: "<!--figure:qk-->"})
	if err := RenderPage(&buf, os.DirFS(templatesDir), d); err == nil || !strings.Contains(err.Error(), "a second time") {
		t.Errorf("figure placed twice: %v", err)
	}
}

// checkScripts checks that page loads exactly the scripts srcs, deferred, in that order.
func checkScripts(t *testing.T, page string, srcs ...string) {
	t.Helper()
	var want []string
	for _, s := range srcs {
		want = append(want, `<script src="`+s+`" defer>`)
	}
	if got := scriptRE2.FindAllString(page, -1); !slices.Equal(got, want) {
		t.Errorf("scripts: %q, want %q", got, want)
	}
}

// readGzipped returns the template file name and its size gzipped (best compression).
func readGzipped(t *testing.T, name string) ([]byte, int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(templatesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	t.Logf("%s: %d bytes, %d gzipped", name, len(b), gz.Len())
	return b, gz.Len()
}

// TestAppJSSize bounds the report's scripts gzipped: app.js 16 KB, slider.js (shared with the
// sweep page) 4 KB; none of the assets reaches for the network.
func TestAppJSSize(t *testing.T) {
	limits := map[string]int{"app.js": 16 << 10, "slider.js": 4 << 10}
	for _, name := range []string{"app.js", "slider.js", "style.css", "index.html"} {
		b, gz := readGzipped(t, name)
		if limit, ok := limits[name]; ok && gz >= limit {
			t.Errorf("%s is %d bytes gzipped, over %d", name, gz, limit)
		}
		for _, bad := range []string{"http://", "https://", "fetch(", "import(", "XMLHttpRequest"} {
			if name != "index.html" && strings.Contains(strings.ReplaceAll(string(b), "http://www.w3.org/2000/svg", ""), bad) {
				t.Errorf("%s mentions %s", name, bad)
			}
		}
	}
}

// TestAppJSNoFigureNames checks that app.js names no figure of figureTable and no array of the
// payload: it reads which figure draws what from the payload header.
func TestAppJSNoFigureNames(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(templatesDir, "app.js"))
	if err != nil {
		t.Fatal(err)
	}
	js := string(b)
	names := []string{payloadTrainMask}
	for _, row := range figureTable() {
		names = append(names, row.name)
	}
	for _, s := range compute.Analyses {
		names = append(names, s.Name)
	}
	for _, name := range names {
		for _, quoted := range []string{"'" + name + "'", `"` + name + `"`, "." + name + " ", "." + name + ")", "." + name + ".", name + ":"} {
			if strings.Contains(js, quoted) {
				t.Errorf("app.js names %s (%s)", name, quoted)
			}
		}
	}
}

func TestRenderPageGIFs(t *testing.T) {
	r := slidingRun(8, 100, 50)
	figs := payloadFigures(t, r)
	tests := []struct {
		name string
		gifs []string
		want map[string]bool // link to figures/NAME.gif
	}{
		{"none", nil, map[string]bool{"qk": false, "training": false}},
		{"some", []string{"qk", "training"}, map[string]bool{"qk": true, "ov": false, "training": true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := pageData(r, figs)
			d.GIFs = tc.gifs
			page := renderTestPage(t, d)
			checkWellFormed(t, page)
			for name, want := range tc.want {
				if got := strings.Contains(page, `href="figures/`+name+`.gif"`); got != want {
					t.Errorf("link to %s.gif: %t, want %t", name, got, want)
				}
			}
		})
	}
}
