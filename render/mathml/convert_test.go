package mathml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maxgrok/internal/testref"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenTests lists one case per supported construct. Each is converted
// inline and in display mode and compared with testdata/NAME.golden.
var goldenTests = []struct {
	name, tex string
}{
	{"letters", `x y Z`},
	{"numbers", `12 + 3.14 - 0.5 = 14.64`},
	{"operators", `a+b-c=d<e>f, g.h/i * j; k: l! ?`},
	{"brackets", `(a)[b]|c| \{d\}`},
	{"sub", `x_i`},
	{"sup", `x^2`},
	{"subsup", `x_i^2 + y^2_j`},
	{"script_groups", `x_{i+1}^{2n}`},
	{"script_digit", `x^23`},
	{"script_command", `e^\alpha + x^\frac12 + y_\mathrm{max}`},
	{"script_empty_base", `^2 + {}_n^k`},
	{"nested_scripts", `e^{x_i^2}`},
	{"primes", `f'(x) + g''(x) + x'^2 + x_1'`},
	{"mathrm", `\mathrm{d}x + \mathrm{KL} + \mathrm{x_1}`},
	{"text", `x \text{ if } y \text{a  {b}\ c~d \$\{\}} \mbox{z}`},
	{"text_escaping", `a<b>c \text{<\&>"'}`},
	{"top", `\mathbf{x}^\top A`},
	{"cdot_times", `a \cdot b \times c`},
	{"bar", `\bar{x} + \bar x_i`},
	{"hat_tilde", `\hat{y} + \tilde{z} + \vec{v} + \dot{a} + \ddot{b}`},
	{"sqrt", `\sqrt{x^2 + 1} + \sqrt2`},
	{"root", `\sqrt[3]{x}`},
	{"frac", `\frac{a+b}{2} = \frac12`},
	{"frac_limits", `\frac{\sum_i x_i}{n}`},
	{"greek_lower", `\alpha \beta \gamma \delta \epsilon \varepsilon \zeta \eta \theta \vartheta \iota \kappa \lambda \mu \nu \xi \omicron \pi \varpi \rho \varrho \sigma \varsigma \tau \upsilon \phi \varphi \chi \psi \omega`},
	{"greek_upper", `\Gamma \Delta \Theta \Lambda \Xi \Pi \Sigma \Upsilon \Phi \Psi \Omega`},
	{"sum", `\sum_{i=1}^{n} x_i`},
	{"sum_sub_only", `\sum_i x_i + \sum^n y`},
	{"prod_int", `\prod_{j} b_j \int_0^1 f`},
	{"limits", `\sum\limits_i a + \sum\nolimits_j b + \int\limits_0^1 c`},
	{"max", `\max_{\theta \in \Theta} f(\theta)`},
	{"min_arg", `\min_x g + \arg\min_x g`},
	{"function_names", `\log x + \exp(x) + \log_2 n + \arg z + \sin\theta + \ln{y}`},
	{"operatorname", `\operatorname{softmax}(z) + \operatorname{f} x`},
	{"operatorname_star", `\operatorname*{arg\,max}_w L(w)`},
	{"relations", `a \le b \leq c \ge d \geq e \ne f \neq g \in h \approx i`},
	{"arrows", `f: X \to Y, x \mapsto y`},
	{"dots", `1, \ldots, n + \cdots + \infty`},
	{"pm_mid", `\pm x \mid y`},
	{"left_right", `\left( \frac{a}{b} \right)`},
	{"left_right_brackets", `\left[ x \right] + \left\{ y \right\} + \left| z \right| + \left. w \right|`},
	{"left_right_named", `\left\langle u, v \right\rangle + \left\lfloor x \right\rfloor + \left\| v \right\|`},
	{"spacing", `a\quad b\qquad c\,d\:e\;f\!g\ h`},
	{"mathbf", `\mathbf{W} \mathbf{x1} \mathbf{\Sigma} \mathbf{\alpha}`},
	{"mathbb_mathcal", `\mathbb{R}^n \mathbb{E} \mathcal{L} \mathcal{D}`},
	{"mathit", `\mathit{xy}`},
	{"escapes", `\$ \% \& \# \_ \|`},
	{"unicode", `α ≤ β`},
	{"symbols", `\forall \epsilon \exists \delta: \partial_x \nabla f \cup \emptyset`},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenTests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			fmt.Fprintf(&b, "%% %s\n", tc.tex)
			for _, display := range []bool{false, true} {
				got, err := Convert(tc.tex, display)
				if err != nil {
					t.Fatalf("Convert(%q, %v): %v", tc.tex, display, err)
				}
				if err := wellFormed(got); err != nil {
					t.Errorf("Convert(%q, %v) is not well-formed XML: %v\n%s", tc.tex, display, err, got)
				}
				fmt.Fprintf(&b, "%% display=%v\n%s", display, indentXML(got))
			}
			checkGolden(t, filepath.Join("testdata", tc.name+".golden"), b.String())
		})
	}
}

// indentXML puts each tag of the converter's output on its own line,
// indented by depth; an element with only text stays on one line. The
// output never has "><" inside text, so this is lossless.
func indentXML(s string) string {
	var b strings.Builder
	parts := strings.Split(s, "><")
	depth := 0
	for i, p := range parts {
		if i > 0 {
			p = "<" + p
		}
		if i < len(parts)-1 {
			p += ">"
		}
		closing := strings.HasPrefix(p, "</")
		if closing {
			depth--
		}
		b.WriteString(strings.Repeat("  ", depth))
		b.WriteString(p)
		b.WriteByte('\n')
		if !closing && !strings.Contains(p, "</") {
			depth++
		}
	}
	return b.String()
}

// checkGolden compares got with the golden file at path, reporting the
// first differing line, or rewrites the file with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if testref.Update() {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := firstDiff(got, string(want)); diff != "" {
		t.Errorf("%s differs at %s\n(run go test -update if the change is intended)", path, diff)
	}
}

// firstDiff describes the first line where got and want differ, or
// returns "" if they are equal.
func firstDiff(got, want string) string {
	if got == want {
		return ""
	}
	g := strings.Split(got, "\n")
	w := strings.Split(want, "\n")
	for i := 0; ; i++ {
		switch {
		case i >= len(g):
			return fmt.Sprintf("line %d: got end of output, want %q", i+1, w[i])
		case i >= len(w):
			return fmt.Sprintf("line %d: got %q, want end of file", i+1, g[i])
		case g[i] != w[i]:
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, g[i], w[i])
		}
	}
}

// wellFormed reports whether s parses as one XML element.
func wellFormed(s string) error {
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 {
				return errors.New("text outside the root element")
			}
		}
	}
	if roots != 1 {
		return fmt.Errorf("%d root elements", roots)
	}
	return nil
}

func TestConvertErrors(t *testing.T) {
	tests := []struct {
		tex     string
		display bool
		want    string
	}{
		{`\foo`, false, `mathml: line 1: unsupported command \foo`},
		{"a\nb +\n  \\foo x", true, `mathml: line 3: unsupported command \foo`},
		{`\\`, false, `mathml: line 1: unsupported command \\`},
		{`\begin{matrix} a \end{matrix}`, true, `mathml: line 1: unsupported command \begin`},
		{`\overline{x}`, false, `mathml: line 1: unsupported command \overline`},
		{`x^`, false, `mathml: line 1: missing argument for ^`},
		{"x_\n", false, `mathml: line 1: missing argument for _`},
		{`{x^}`, false, `mathml: line 1: missing argument for ^`},
		{`x^^2`, false, `mathml: line 1: missing argument for ^`},
		{`\frac{a}`, false, `mathml: line 1: missing argument for \frac`},
		{`\sqrt`, false, `mathml: line 1: missing argument for \sqrt`},
		{`\bar`, false, `mathml: line 1: missing argument for \bar`},
		{`\mathbb`, false, `mathml: line 1: missing argument for \mathbb`},
		{`\text x`, false, `mathml: line 1: missing argument for \text`},
		{"\\frac{a}\n{b", false, `mathml: line 2: unbalanced braces: unclosed { in argument of \frac`},
		{"{a\n\n", false, `mathml: line 1: unbalanced braces: unclosed {`},
		{"a\n}", false, `mathml: line 2: unbalanced braces: unexpected }`},
		{`\text{a`, false, `mathml: line 1: unbalanced braces: unclosed { in argument of \text`},
		{"\\left( a\n", false, `mathml: line 1: \left without matching \right`},
		{`{\left( a} \right)`, false, `mathml: line 1: \left without matching \right`},
		{`\left( {a \right)}`, false, `mathml: line 1: unbalanced braces: unclosed {`},
		{`a \right)`, false, `mathml: line 1: \right without matching \left`},
		{`\left`, false, `mathml: line 1: missing delimiter after \left`},
		{`\left x \right)`, false, `mathml: line 1: unsupported delimiter x after \left`},
		{`\left( x \right\foo`, false, `mathml: line 1: unsupported delimiter \foo after \right`},
		{`\sqrt[3{x}`, false, `mathml: line 1: unclosed [ in \sqrt`},
		{`x^1^2`, false, `mathml: line 1: double superscript`},
		{`x_1_2`, false, `mathml: line 1: double subscript`},
		{`x^2'`, false, `mathml: line 1: double superscript`},
		{`x\limits_0`, false, `mathml: line 1: \limits must follow an operator such as \sum`},
		{`\nolimits`, false, `mathml: line 1: \nolimits must follow an operator such as \sum`},
		{`a & b`, false, `mathml: line 1: unsupported character "&"`},
		{`50%`, false, `mathml: line 1: unsupported character "%"`},
		{`a $ b`, false, `mathml: line 1: unsupported character "$"`},
		{"a\x01", false, `mathml: line 1: unsupported character "\x01"`},
		{"a\u00a0b", false, `mathml: line 1: unsupported character "\u00a0"`},
		{"a\xffb", false, `mathml: line 1: invalid UTF-8`},
		{"\\text{a\xff}", false, `mathml: line 1: invalid UTF-8`},
		{"\\text{a\x0c}", false, `mathml: line 1: unsupported character "\f"`},
		{`\text{$x$}`, false, `mathml: line 1: unsupported character "$" in \text`},
		{`\text{\alpha}`, false, `mathml: line 1: unsupported command \alpha in \text`},
		{`\text{\\}`, false, `mathml: line 1: unsupported command \\ in \text`},
		{`x \`, false, `mathml: line 1: lone \ at end of math`},
		{strings.Repeat("{", 150) + strings.Repeat("}", 150), false, `mathml: line 1: nesting too deep`},
		{strings.Repeat(`\sqrt`, 150) + "x", false, `mathml: line 1: nesting too deep`},
	}
	for _, tc := range tests {
		got, err := Convert(tc.tex, tc.display)
		if err == nil {
			t.Errorf("Convert(%q) = %q, want error %q", tc.tex, got, tc.want)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("Convert(%q) error:\n got: %s\nwant: %s", tc.tex, err, tc.want)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Convert(%q) error %T is not an *Error", tc.tex, err)
		}
		if got != "" {
			t.Errorf("Convert(%q) returned output %q with an error", tc.tex, got)
		}
	}
}

func TestConvertAnnotation(t *testing.T) {
	got, err := Convert("  a<b \\text{\\&}\n", false)
	if err != nil {
		t.Fatal(err)
	}
	const want = `<annotation encoding="application/x-tex">a&lt;b \text{\&amp;}</annotation>`
	if !strings.Contains(got, want) {
		t.Errorf("annotation not found or not escaped:\n got: %s\nwant it to contain: %s", got, want)
	}
}

func TestConvertDeterministic(t *testing.T) {
	for _, tc := range goldenTests {
		first, err := Convert(tc.tex, true)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if again, _ := Convert(tc.tex, true); again != first {
				t.Fatalf("Convert(%q) is not deterministic:\n%s\n%s", tc.tex, first, again)
			}
		}
	}
}

func TestConvertEmpty(t *testing.T) {
	got, err := Convert("", false)
	if err != nil {
		t.Fatal(err)
	}
	const want = `<math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow></mrow><annotation encoding="application/x-tex"></annotation></semantics></math>`
	if got != want {
		t.Errorf("Convert(\"\") = %s, want %s", got, want)
	}
}
