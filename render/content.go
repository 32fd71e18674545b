package render

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"maxgrok/compute"
	"maxgrok/render/mathml"
)

// ContentData is what the Markdown explanations see as their template data ({{.Config.Vocab}},
// {{.Phase "grokked"}} and so on). The README documents every field with an example.
type ContentData struct {
	Config      compute.Config    // the run's config
	FinalEpoch  int               // the last epoch
	Checkpoints int               // number of checkpoints
	Every       int               // epochs between checkpoints
	TrainSize   int               // training pairs
	ForcedSize  int               // training pairs forced by force_adjacent
	TestSize    int               // test pairs
	Final       *compute.Analysis // analyses at the final epoch
	Phases      []Phase           // the run's phases, in epoch order

	epochs   []int
	analyses []*compute.Analysis
}

// NewContentData returns the facts of run r that the explanations see.
func NewContentData(r *compute.Run) ContentData {
	c, last := r.Config, len(r.Analyses)-1
	return ContentData{
		Config: c, FinalEpoch: r.Epochs[last], Checkpoints: len(r.Epochs), Every: c.CheckpointEvery,
		TrainSize: c.TrainSize(), TestSize: c.Vocab*c.Vocab - c.TrainSize(), ForcedSize: c.ForcedPairs(),
		Final: r.Analyses[last], Phases: Phases(r), epochs: r.Epochs, analyses: r.Analyses,
	}
}

// Phase returns the phase with the given key, or a zero Phase with Epoch -1 when the run does
// not have it (test with {{if ge (.Phase "grokked").Epoch 0}}).
func (d ContentData) Phase(key string) (Phase, error) {
	for _, p := range d.Phases {
		if p.Key == key {
			return p, nil
		}
	}
	if !slices.Contains(phaseKeys, key) {
		return Phase{}, fmt.Errorf("unknown phase %q (the phases are %s)", key, strings.Join(phaseKeys, ", "))
	}
	return Phase{Key: key, Epoch: -1}, nil
}

// phaseKeys are the keys of the phases Phases finds, in epoch order for a typical run.
var phaseKeys = []string{"start", "early_peak", "plateau", "memorised", "grokked", "bound_peak", "final"}

// At returns the analyses of the checkpoint nearest to epoch (the earlier one on a tie).
func (d ContentData) At(epoch int) *compute.Analysis {
	return d.analyses[nearestIndex(d.epochs, epoch)]
}

// nearestIndex returns the index of the value of sorted xs nearest to x, the earlier on a tie.
func nearestIndex(xs []int, x int) int {
	i, _ := slices.BinarySearch(xs, x)
	switch {
	case i == 0:
		return 0
	case i == len(xs):
		return len(xs) - 1
	case xs[i]-x < x-xs[i-1]:
		return i
	}
	return i - 1
}

// contentFuncs are the template functions the Markdown can call.
var contentFuncs = texttemplate.FuncMap{
	// figure "qk" marks where figure qk goes.
	"figure": func(name string) string { return "\n<!--figure:" + name + "-->\n" },
	// epoch 1970 is a Markdown link that moves the slider: [epoch 1970](#epoch=1970).
	"epoch": func(e int) string { return fmt.Sprintf("[epoch %d](#epoch=%d)", e, e) },
	// pct 0.9912 is "99.1%".
	"pct": func(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" },
	// list [0 1 2 17] is "0, 1, 2 and 17".
	"list": func(xs []int) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = strconv.Itoa(x)
		}
		if len(s) < 2 {
			return strings.Join(s, "")
		}
		return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
	},
	// mul 64 64 is 4096.
	"mul": func(a, b int) int { return a * b },
	// sqrt 32 is "5.66".
	"sqrt": func(x int) string { return strconv.FormatFloat(math.Sqrt(float64(x)), 'f', 2, 64) },
	// analyses lists the names of the analyses other than the metrics, as code: `qk`, `ov`, ...
	"analyses": func() string {
		var names []string
		for i := range compute.Analyses {
			if !compute.Analyses[i].Metric {
				names = append(names, "`"+compute.Analyses[i].Name+"`")
			}
		}
		return strings.Join(names, ", ")
	},
	// num 0.000123 is "0.000123" (4 significant digits).
	"num": func(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) },
}

// headingRE finds the first "# Title" line of a Markdown file.
var headingRE = regexp.MustCompile(`(?m)^#[ \t]+(.+?)[ \t]*$`)

// RenderContent renders every .md file of dir, in name order, into sections: each file is a
// text/template executed with data, then Markdown (CommonMark, GFM tables, raw HTML allowed) with
// $...$ and $$...$$ math rendered to MathML. Errors name the file and, for templates and math,
// the line.
func RenderContent(dir fs.FS, data ContentData) ([]Section, error) {
	names, err := fs.Glob(dir, "*.md")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("content: no .md files")
	}
	slices.Sort(names)
	var out []Section
	files := map[string]string{} // section ID -> file
	for _, name := range names {
		s, err := renderFile(dir, name, data)
		if err != nil {
			return nil, err
		}
		if other, ok := files[s.ID]; ok {
			return nil, fmt.Errorf("content %s: its anchor #%s is also %s's (anchors come from the file names)", name, s.ID, other)
		}
		files[s.ID] = name
		out = append(out, s)
	}
	return out, checkPlacements(out, files)
}

// checkPlacements refuses {{figure NAME}} of a figure that does not exist or that is placed
// twice, naming the file.
func checkPlacements(sections []Section, files map[string]string) error {
	known := map[string]bool{}
	for _, row := range figureTable() {
		known[row.name] = true
	}
	placed := map[string]string{}
	for _, s := range sections {
		for _, m := range figureMarker.FindAllStringSubmatch(string(s.HTML), -1) {
			name, file := m[1], files[s.ID]
			switch {
			case !known[name]:
				names := make([]string, 0, len(known))
				for _, row := range figureTable() {
					names = append(names, row.name)
				}
				return fmt.Errorf("content %s: figure %q does not exist (the figures are %s)", file, name, strings.Join(names, ", "))
			case placed[name] != "":
				return fmt.Errorf("content %s: figure %q is placed a second time (also in %s)", file, name, placed[name])
			}
			placed[name] = file
		}
	}
	return nil
}

func renderFile(dir fs.FS, name string, data ContentData) (Section, error) {
	src, err := fs.ReadFile(dir, name)
	if err != nil {
		return Section{}, fmt.Errorf("content %s: %w", name, err)
	}
	if !utf8.Valid(src) {
		bad := 0
		for bad < len(src) {
			r, n := utf8.DecodeRune(src[bad:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			bad += n
		}
		return Section{}, fmt.Errorf("content %s: line %d: invalid UTF-8 (expected UTF-8 text)", name, 1+bytes.Count(src[:bad], []byte("\n")))
	}
	tmpl, err := texttemplate.New(name).Funcs(contentFuncs).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return Section{}, fmt.Errorf("content %w", err)
	}
	var md bytes.Buffer
	if err := tmpl.Execute(&md, data); err != nil {
		return Section{}, fmt.Errorf("content %w", err)
	}
	text := md.Bytes()
	m := headingRE.FindSubmatchIndex(text)
	if m == nil {
		return Section{}, fmt.Errorf("content %s: expected a first-level heading (# Title)", name)
	}
	title := string(text[m[2]:m[3]])
	body := append(append([]byte{}, text[:m[0]]...), text[m[1]:]...)
	// Math errors report lines of the executed template; they are the file's lines as long as
	// the template actions above them produce single lines, which is how content is written.
	ext := mathml.New()
	gm := goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, ext),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	var out bytes.Buffer
	if err := gm.Convert(body, &out); err != nil {
		return Section{}, fmt.Errorf("content %s: %w", name, err)
	}
	if err := ext.Err(); err != nil {
		return Section{}, fmt.Errorf("content %s: %w", name, oneLine(adjustLine(err, bytes.Count(text[:m[1]], []byte("\n")))))
	}
	return Section{ID: sectionID(name), Title: title, HTML: template.HTML(out.String())}, nil
}

// oneLine joins the errors of err (errors.Join's, one a line) into one line, so that a
// message keeps to the program's one-line form.
func oneLine(err error) error {
	if !strings.Contains(err.Error(), "\n") {
		return err
	}
	return joinedError{strings.ReplaceAll(err.Error(), "\n", "; "), err}
}

// joinedError is err with its message on one line.
type joinedError struct {
	msg string
	err error
}

func (e joinedError) Error() string { return e.msg }
func (e joinedError) Unwrap() error { return e.err }

// adjustLine shifts the line number of a math error by the lines removed above the body.
func adjustLine(err error, removed int) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok && removed > 0 {
		var errs []error
		for _, e := range j.Unwrap() {
			errs = append(errs, adjustLine(e, removed))
		}
		return errors.Join(errs...)
	}
	var me *mathml.Error
	if removed == 0 || !errors.As(err, &me) {
		return err
	}
	c := *me
	c.Line += removed
	return &c
}

// sectionID turns "02-the-model.md" into "the-model".
func sectionID(name string) string {
	base := strings.TrimSuffix(path.Base(name), ".md")
	if i := strings.IndexByte(base, '-'); i > 0 && strings.Trim(base[:i], "0123456789") == "" {
		base = base[i+1:]
	}
	return strings.ToLower(base)
}

// Phases computes the run's notable epochs from its metrics (runMetrics: test accuracy at
// checkpoints, train accuracy at every epoch) and analyses, each snapped to a checkpoint:
//
//	start       epoch 0
//	early_peak  the highest test accuracy before it falls by 5 points or more (the model starts
//	            to memorise)
//	plateau     the lowest test accuracy between early_peak and grokking
//	memorised   train accuracy first reaches 1.0
//	grokked     test accuracy first reaches 0.99
//	bound_peak  the certified bound's highest value
//	final       the last epoch
//
// Phases the run does not have are left out.
func Phases(r *compute.Run) []Phase {
	as, m := r.Analyses, runMetrics(r)
	testAcc := m.TestAcc
	T := len(as)
	var out []Phase
	add := func(key, name string, i int, desc string) {
		out = append(out, Phase{Key: key, Name: name, Epoch: r.Epochs[i], Description: desc})
	}
	add("start", "Start", 0, "The initial, random model.")
	grok := slices.IndexFunc(testAcc, func(acc float64) bool { return acc >= 0.99 })
	end := T
	if grok >= 0 {
		end = grok
	}
	peak := -1
	best := math.Inf(-1)
	for i := 0; i < end; i++ {
		if testAcc[i] > best {
			best = testAcc[i]
			peak = i
		}
		if peak >= 0 && testAcc[i] <= best-0.05 {
			break
		}
	}
	dropped := false
	for i := peak + 1; i < end && peak >= 0; i++ {
		if testAcc[i] <= best-0.05 {
			dropped = true
		}
	}
	if dropped {
		add("early_peak", "Early peak", peak, fmt.Sprintf("Test accuracy peaks at %.1f%% before memorisation sets in.", 100*testAcc[peak]))
		low := peak
		for i := peak; i < end; i++ {
			if testAcc[i] < testAcc[low] {
				low = i
			}
		}
		add("plateau", "Plateau", low, fmt.Sprintf("Test accuracy bottoms out at %.1f%% while the model memorises.", 100*testAcc[low]))
	}
	if e := slices.IndexFunc(m.EpochTrainAcc, func(acc float64) bool { return acc >= 1 }); e >= 0 {
		add("memorised", "Train 100%", nearestAtOrAfter(r.Epochs, e), fmt.Sprintf("Train accuracy first reaches 100%% at epoch %d.", e))
	}
	if grok >= 0 {
		add("grokked", "Grokked", grok, fmt.Sprintf("Test accuracy first reaches 99%% (%.2f%%).", 100*testAcc[grok]))
	}
	bp := 0
	for i, a := range as {
		if a.CubicBound > as[bp].CubicBound {
			bp = i
		}
	}
	if as[bp].CubicBound > 0 {
		add("bound_peak", "Bound peak", bp, fmt.Sprintf("The certified bound peaks at %.1f%%.", 100*as[bp].CubicBound))
	}
	add("final", "Final", T-1, fmt.Sprintf("The trained model: test accuracy %.2f%%.", 100*testAcc[T-1]))
	slices.SortStableFunc(out, func(a, b Phase) int { return a.Epoch - b.Epoch })
	return out
}

// nearestAtOrAfter returns the index of the first checkpoint epoch >= e (the last if none).
func nearestAtOrAfter(epochs []int, e int) int {
	i, _ := slices.BinarySearch(epochs, e)
	return min(i, len(epochs)-1)
}

// CheckContent renders the Markdown of dir with stand-in data of config c (zero analyses at a
// single checkpoint), so that a template or math error in a user's -content folder is
// reported before any training starts.
func CheckContent(dir fs.FS, c compute.Config) error {
	m := compute.DimsOf(c)
	a := compute.NewAnalysis(m)
	data := ContentData{Config: c, FinalEpoch: c.Epochs, Checkpoints: 1, Every: c.CheckpointEvery, Final: a,
		epochs: []int{0}, analyses: []*compute.Analysis{a}}
	for _, key := range []string{"start", "early_peak", "plateau", "memorised", "grokked", "bound_peak", "final"} {
		data.Phases = append(data.Phases, Phase{Key: key, Name: key})
	}
	_, err := RenderContent(dir, data)
	return err
}
