package mathml_test

import (
	"bytes"
	"fmt"
	"os"

	"github.com/yuin/goldmark"

	"maxgrok/render/mathml"
)

func ExampleConvert() {
	out, err := mathml.Convert(`x^2`, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out)

	_, err = mathml.Convert("a +\n\\foo", true)
	fmt.Println(err)
	// Output:
	// <math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow><annotation encoding="application/x-tex">x^2</annotation></semantics></math>
	// mathml: line 2: unsupported command \foo
}

func ExampleCheck() {
	src := []byte("# Notes\n\nThe mean $\\bar{x}$ costs $5.\n\n$$\n\\frac{a}{b\n$$\n")
	fmt.Println(mathml.Check(src))
	// Output:
	// mathml: line 6: unbalanced braces: unclosed { in argument of \frac
}

func ExampleNew() {
	ext := mathml.New()
	md := goldmark.New(goldmark.WithExtensions(ext))
	var buf bytes.Buffer
	if err := md.Convert([]byte("Let $a$ be `$a$`, not \\$a.\n"), &buf); err != nil {
		fmt.Println(err)
		return
	}
	if err := ext.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Print(buf.String())
	// Output:
	// <p>Let <math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><mi>a</mi></mrow><annotation encoding="application/x-tex">a</annotation></semantics></math> be <code>$a$</code>, not $a.</p>
}
