package mathml

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

func render(t testing.TB, ext *Extension, src []byte, exts ...goldmark.Extender) string {
	t.Helper()
	md := goldmark.New(goldmark.WithExtensions(append(exts, ext)...))
	var buf bytes.Buffer
	if err := md.Convert(src, &buf); err != nil {
		t.Fatalf("goldmark Convert: %v", err)
	}
	return buf.String()
}

// TestMarkdownGolden renders testdata/*.md through goldmark with the
// extension and compares the HTML with testdata/*.md.golden.
func TestMarkdownGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.md"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.md: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			ext := New()
			got := render(t, ext, src)
			checkGolden(t, file+".golden", got)
			// The math in the output is well-formed XML.
			for _, m := range mathElements(got) {
				if err := wellFormed(m); err != nil {
					t.Errorf("not well-formed: %v\n%s", err, m)
				}
			}
			// Check and Err agree.
			if a, b := errText(Check(src)), errText(ext.Err()); a != b {
				t.Errorf("Check and Err disagree:\nCheck: %s\nErr:   %s", a, b)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// mathElements returns the <math>...</math> substrings of html.
func mathElements(html string) []string {
	var out []string
	for {
		i := strings.Index(html, "<math")
		if i < 0 {
			return out
		}
		j := strings.Index(html[i:], "</math>")
		if j < 0 {
			return append(out, html[i:])
		}
		out = append(out, html[i:i+j+len("</math>")])
		html = html[i+j+len("</math>"):]
	}
}

func TestMarkdownClean(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "markdown.md"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(src); err != nil {
		t.Errorf("Check(markdown.md) = %v, want nil", err)
	}
	ext := New()
	html := render(t, ext, src)
	if err := ext.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
	for _, want := range []string{
		"<code>$x$</code>",                                             // code span untouched
		"<code>a $ b</code>",                                           // code span untouched
		"price = $5 + $x$\n</code></pre>",                              // fenced code untouched
		"$$ indented code $$\n</code></pre>",                           // indented code untouched
		"it costs $5, or $10 on weekends; $20,000 and $x$ are literal", // currency and \$
		"a lone $ sign is too",
		"and $5</li>",
		`<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(html, "mathml-error") {
		t.Errorf("clean document rendered an error marker")
	}
}

func TestCheckErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"inline", "Para one.\n\nLet $\\foo$ be.\n", `mathml: line 3: unsupported command \foo`},
		{"inline later line of tex", "a\n\nfirst $a +\nb + \\foo$ end\n", `mathml: line 4: unsupported command \foo`},
		{"display inline", "x\n\ntext $$\\frac{a}$$ text\n", `mathml: line 3: missing argument for \frac`},
		{"block", "# T\n\n$$\nx\n\\bar\n$$\n", `mathml: line 5: missing argument for \bar`},
		{"block one line", "\n\n$$x^$$\n", `mathml: line 3: missing argument for ^`},
		{"block braces", "$$\n\\frac{a}{b\n$$\n", `mathml: line 2: unbalanced braces: unclosed { in argument of \frac`},
		{"unclosed dollar", "text\n\nlet $x be\n", `mathml: line 3: unclosed $`},
		{"next dollar cannot close", "let $x and $y$\n", `mathml: line 1: unclosed $`},
		{"unclosed display inline", "a $$x\ny\n", `mathml: line 1: unclosed $$`},
		{"unclosed block blank line", "$$\nx\n\nmore\n", `mathml: line 1: unclosed $$`},
		{"unclosed block at end", "text\n\n$$\nx", `mathml: line 3: unclosed $$`},
		{"unclosed block container", "> $$\n> x\n\nafter\n", `mathml: line 1: unclosed $$`},
		{"trailing text", "$$\nx\n$$ tail\n", `mathml: line 3: unexpected text after closing $$`},
		{"list item", "- one\n- item $x^$\n", `mathml: line 2: missing argument for ^`},
		{"blockquote", "> a\n> b $\\foo$\n", `mathml: line 2: unsupported command \foo`},
		{"heading", "# Title $\\frac$\n", `mathml: line 1: missing argument for \frac`},
		{"crlf", "a\r\n\r\n$\\foo$\r\n", `mathml: line 3: unsupported command \foo`},
		{"dollar in math", "$x \\$ y$ and $$a $ b$$\n", `mathml: line 1: unsupported character "$"`},
		{"several", "$\\foo$\n\n$$\n\\bar\n$$\n\ntext $x_$\n",
			"mathml: line 1: unsupported command \\foo\n" +
				"mathml: line 4: missing argument for \\bar\n" +
				"mathml: line 7: missing argument for _"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]byte(tc.src))
			if errText(err) != tc.want {
				t.Errorf("Check(%q):\n got: %s\nwant: %s", tc.src, errText(err), tc.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("Check error does not wrap an *Error")
			}
			ext := New()
			html := render(t, ext, []byte(tc.src))
			if errText(ext.Err()) != tc.want {
				t.Errorf("Err() after rendering %q:\n got: %s\nwant: %s", tc.src, errText(ext.Err()), tc.want)
			}
			if !strings.Contains(html, `class="mathml-error"`) {
				t.Errorf("no error marker in %s", html)
			}
		})
	}
}

func TestCheckNoMath(t *testing.T) {
	for _, src := range []string{
		"",
		"costs $5 and $10.\n",
		"$20,000 and $30,000\n",
		"costs $5 and $x$ is math\n",
		"a $ b and c $\n",
		"ends with $",
		"\\$HOME and \\$x\\$\n",
		"`$HOME` and `$x`\n",
		"``a ` $b``\n",
		"```\n$\\foo$\n```\n",
		"~~~\n$$\n~~~\n",
		"    $\\foo$\n",
		"<div>\n$\\foo\n</div>\n",
		"<http://example.com/$x> and [a]($y)\n",
		"$x$ and $$y$$\n\n$$\nz\n$$\n",
	} {
		if err := Check([]byte(src)); err != nil {
			t.Errorf("Check(%q) = %v, want nil", src, err)
		}
	}
}

func TestErrReset(t *testing.T) {
	ext := New()
	render(t, ext, []byte("$\\foo$\n"))
	render(t, ext, []byte("ok\n\n$x^$\n"))
	want := "mathml: line 1: unsupported command \\foo\nmathml: line 3: missing argument for ^"
	if got := errText(ext.Err()); got != want {
		t.Errorf("Err() = %s, want %s", got, want)
	}
	ext.Reset()
	if err := ext.Err(); err != nil {
		t.Errorf("Err() after Reset = %v", err)
	}
	render(t, ext, []byte("$x$\n"))
	if err := ext.Err(); err != nil {
		t.Errorf("Err() after clean doc = %v", err)
	}
}

func TestGFMTable(t *testing.T) {
	src := "| a | b |\n|---|---|\n| $x^2$ | $\\alpha$ |\n| $\\foo$ | c |\n"
	ext := New()
	html := render(t, ext, []byte(src), extension.GFM)
	if !strings.Contains(html, "<td><math") {
		t.Errorf("no math in table cells:\n%s", html)
	}
	if got, want := errText(ext.Err()), `mathml: line 4: unsupported command \foo`; got != want {
		t.Errorf("Err() = %s, want %s", got, want)
	}
}

func TestMathNodes(t *testing.T) {
	src := []byte("a $x$ b $$y$$\n\n$$\nz\n$$\n")
	md := goldmark.New(goldmark.WithExtensions(New()))
	doc := md.Parser().Parse(textReader(src))
	var got []string
	for p := doc.FirstChild(); p != nil; p = p.NextSibling() {
		if b, ok := p.(*MathBlock); ok {
			got = append(got, "block:"+strings.TrimSpace(b.TeX))
			continue
		}
		for c := p.FirstChild(); c != nil; c = c.NextSibling() {
			if m, ok := c.(*Math); ok {
				kind := "inline:"
				if m.Display {
					kind = "display:"
				}
				got = append(got, kind+m.TeX)
			}
		}
	}
	want := "inline:x display:y block:z"
	if strings.Join(got, " ") != want {
		t.Errorf("nodes = %q, want %q", strings.Join(got, " "), want)
	}
}

func textReader(src []byte) text.Reader { return text.NewReader(src) }

func TestCheckConcurrent(t *testing.T) {
	src := []byte("a $x$\n\n$$\n\\foo\n$$\n")
	const want = `mathml: line 4: unsupported command \foo`
	done := make(chan string)
	for range 8 {
		go func() {
			for range 20 {
				if got := errText(Check(src)); got != want {
					done <- got
					return
				}
			}
			done <- want
		}()
	}
	for range 8 {
		if got := <-done; got != want {
			t.Errorf("Check = %s, want %s", got, want)
		}
	}
}
