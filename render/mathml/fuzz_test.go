package mathml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
)

// FuzzConvert checks that Convert never panics, that what it returns is
// one well-formed XML element, deterministic, and that errors are
// *Error values with a line inside the input.
func FuzzConvert(f *testing.F) {
	for _, tc := range goldenTests {
		f.Add(tc.tex, false)
	}
	f.Add(`\left( \frac{a}{b} \right)^2`, true)
	f.Add("\\text{ a  {b} }\n\\sum\\limits_{i}", true)
	f.Fuzz(func(t *testing.T, tex string, display bool) {
		out, err := Convert(tex, display)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if lines := strings.Count(tex, "\n") + 1; e.Line < 1 || e.Line > lines {
				t.Fatalf("error line %d outside 1..%d: %v", e.Line, lines, err)
			}
			if out != "" {
				t.Fatalf("output %q with error %v", out, err)
			}
			return
		}
		if err := wellFormed(out); err != nil {
			t.Fatalf("Convert(%q) is not well-formed XML: %v\n%s", tex, err, out)
		}
		if again, _ := Convert(tex, display); again != out {
			t.Fatalf("Convert(%q) is not deterministic", tex)
		}
		if _, err := Convert(tex, !display); err != nil {
			t.Fatalf("Convert(%q) fails only with display=%v: %v", tex, !display, err)
		}
		// The annotation holds the TeX source, escaped correctly.
		want := strings.ReplaceAll(strings.TrimSpace(tex), "\r\n", "\n")
		want = strings.ReplaceAll(want, "\r", "\n")
		if got := annotation(t, out); got != want {
			t.Fatalf("annotation of Convert(%q) = %q, want %q", tex, got, want)
		}
	})
}

// FuzzMarkdown renders Markdown through goldmark with the extension. It
// checks that nothing panics, that every <math> element in the HTML is
// well-formed XML, that Check and Extension.Err report the same errors,
// and that error lines lie inside the source.
func FuzzMarkdown(f *testing.F) {
	f.Add([]byte("Let $x^2$ and $$\\frac{a}{b}$$.\n\n$$\n\\sum_i x_i\n$$\n"))
	f.Add([]byte("costs $5 and `$x$` and \\$y\\$ and $\\foo$\n"))
	f.Add([]byte("> $$\n> x\n\n- $a\n  b$\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		ext := New()
		md := goldmark.New(goldmark.WithExtensions(ext))
		var buf bytes.Buffer
		if err := md.Convert(src, &buf); err != nil {
			t.Fatalf("goldmark Convert: %v", err)
		}
		for _, m := range mathElements(buf.String()) {
			if err := wellFormed(m); err != nil {
				t.Fatalf("not well-formed: %v\n%s", err, m)
			}
		}
		checkErr := Check(src)
		if checkErr == nil && strings.Contains(buf.String(), `class="mathml-error"`) {
			t.Fatalf("error marker without an error:\n%s", buf.String())
		}
		if checkErr != nil && !strings.Contains(buf.String(), `class="mathml-error"`) {
			t.Fatalf("error %v without an error marker:\n%s", checkErr, buf.String())
		}
		if a, b := errText(checkErr), errText(ext.Err()); a != b {
			t.Fatalf("Check and Err disagree:\nCheck: %s\nErr:   %s", a, b)
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		if j, ok := checkErr.(interface{ Unwrap() []error }); ok {
			for _, err := range j.Unwrap() {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %T is not an *Error: %v", err, err)
				}
				if e.Line < 1 || e.Line > lines {
					t.Fatalf("error line %d outside 1..%d: %v", e.Line, lines, err)
				}
			}
		}
	})
}

// annotation returns the text of the <annotation> element in out.
func annotation(t *testing.T, out string) string {
	var v struct {
		Semantics struct {
			Annotation string `xml:"annotation"`
		} `xml:"semantics"`
	}
	if err := xml.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("unmarshal %s: %v", out, err)
	}
	return v.Semantics.Annotation
}
