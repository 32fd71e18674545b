package mathml

import (
	"errors"
	"html"
	"sort"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// KindMath is the ast.NodeKind of *Math.
var KindMath = ast.NewNodeKind("Math")

// KindMathBlock is the ast.NodeKind of *MathBlock.
var KindMathBlock = ast.NewNodeKind("MathBlock")

// Math is an inline node for $...$, or for $$...$$ inside a paragraph.
// The parser converts the TeX when it builds the node, so a node holds
// either MathML or an error.
type Math struct {
	ast.BaseInline
	// TeX is the source between the delimiters.
	TeX string
	// Display is true for $$...$$.
	Display bool
	// Closed is false when no closing delimiter was found; Err then says
	// so.
	Closed bool
	// Line is the 1-based line of the opening delimiter in the Markdown
	// source.
	Line int
	// MathML is the result of Convert, or "" if Err is set.
	MathML string
	// Err is nil or an *Error with a Markdown source line.
	Err error
}

// Kind implements ast.Node.
func (n *Math) Kind() ast.NodeKind { return KindMath }

// Dump implements ast.Node.
func (n *Math) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, dumpAttrs(n.TeX, n.Display, n.Err), nil)
}

// MathBlock is a block node for display math written as $$ lines (see
// the package documentation). The parser converts the TeX when it
// closes the block.
type MathBlock struct {
	ast.BaseBlock
	// TeX is the source between the delimiters, lines joined with their
	// line endings.
	TeX string
	// Closed is false when the block ended before its closing $$.
	Closed bool
	// Line is the 1-based line of the opening $$ in the Markdown source.
	Line int
	// MathML is the result of Convert, or "" if Err is set.
	MathML string
	// Err is nil or an *Error with a Markdown source line.
	Err error

	buf []byte
}

// Kind implements ast.Node.
func (n *MathBlock) Kind() ast.NodeKind { return KindMathBlock }

// IsRaw implements ast.Node: the content is TeX, not Markdown.
func (n *MathBlock) IsRaw() bool { return true }

// Dump implements ast.Node.
func (n *MathBlock) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, dumpAttrs(n.TeX, true, n.Err), nil)
}

func dumpAttrs(tex string, display bool, err error) map[string]string {
	m := map[string]string{"TeX": tex}
	if display {
		m["Display"] = "true"
	}
	if err != nil {
		m["Err"] = err.Error()
	}
	return m
}

// Extension is a goldmark.Extender that renders TeX math to MathML. It
// also records the math errors of the documents parsed with it; see the
// package documentation for how errors surface.
type Extension struct {
	mu   sync.Mutex
	errs []error
}

// New returns a new Extension. Add it with goldmark.WithExtensions; use
// one Extension per goldmark.Markdown if you read Err.
func New() *Extension { return &Extension{} }

// Extend implements goldmark.Extender: it adds the $$ block parser, the
// $ inline parser, an AST transformer that records errors, and the HTML
// renderer for the math nodes.
func (e *Extension) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(parserOptions()...)
	m.Parser().AddOptions(parser.WithASTTransformers(util.Prioritized(errorRecorder{e}, 1000)))
	m.Renderer().AddOptions(renderer.WithNodeRenderers(util.Prioritized(htmlRenderer{}, 500)))
}

// parserOptions returns the block and inline parsers for math.
func parserOptions() []parser.Option {
	return []parser.Option{
		parser.WithBlockParsers(util.Prioritized(blockParser{}, 750)),
		parser.WithInlineParsers(util.Prioritized(inlineParser{}, 150)),
	}
}

// Err returns the math errors of all documents parsed with e since it was
// made or last Reset, joined with errors.Join in the order met (document
// order within a document), or nil if there were none. Each joined error
// is an *Error; the text is one "mathml: line N: ..." line per error.
func (e *Extension) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return errors.Join(e.errs...)
}

// Reset forgets the recorded errors, e.g. before converting the next page.
func (e *Extension) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = nil
}

func (e *Extension) record(errs []error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, errs...)
}

// checkParser is goldmark's default parser plus the math parsers, without
// an error recorder.
var checkParser = sync.OnceValue(func() parser.Parser {
	p := goldmark.DefaultParser()
	p.AddOptions(parserOptions()...)
	return p
})

// Check parses the Markdown source with goldmark's CommonMark parser and
// this extension, and validates all math in it without rendering. It
// returns nil or, joined with errors.Join in document order, an *Error
// per faulty formula (unsupported command or character, unbalanced
// braces, missing argument, unclosed $ or $$, ...), with the line in
// source. Math is recognised exactly as the renderer does it: code spans,
// code blocks, HTML and autolinks are skipped and \$ is a literal dollar.
// Extensions that change block structure (such as GFM tables) are not
// applied; use Extension.Err to check with them. Check is safe for
// concurrent use.
func Check(source []byte) error {
	doc := checkParser().Parse(text.NewReader(source))
	return errors.Join(collectErrors(doc)...)
}

// collectErrors returns the errors of the math nodes under doc in
// document order.
func collectErrors(doc ast.Node) []error {
	var errs []error
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *Math:
			if n.Err != nil {
				errs = append(errs, n.Err)
			}
		case *MathBlock:
			if n.Err != nil {
				errs = append(errs, n.Err)
			}
		}
		return ast.WalkContinue, nil
	})
	return errs
}

type errorRecorder struct{ ext *Extension }

func (r errorRecorder) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	if errs := collectErrors(doc); len(errs) > 0 {
		r.ext.record(errs)
	}
}

// lineIndex maps byte offsets of a Markdown source to 1-based lines.
type lineIndex []int // offsets of '\n'

var lineIndexKey = parser.NewContextKey()

func lineOf(pc parser.Context, source []byte, offset int) int {
	idx := pc.ComputeIfAbsent(lineIndexKey, func() any {
		var nl lineIndex
		for i, c := range source {
			if c == '\n' {
				nl = append(nl, i)
			}
		}
		return nl
	}).(lineIndex)
	return 1 + sort.SearchInts(idx, offset)
}

// convertAt converts tex whose first line is Markdown line line, moving
// the error's line into the Markdown source.
func convertAt(tex string, display bool, line int) (string, error) {
	out, err := Convert(tex, display)
	if err != nil {
		e := *err.(*Error)
		e.Line += line - 1
		return "", &e
	}
	return out, nil
}

// findDisplayClose returns the index of the first $$ in b that is not
// preceded by a backslash escape, or -1.
func findDisplayClose(b []byte) int {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '$':
			if i+1 < len(b) && b[i+1] == '$' {
				return i
			}
		}
	}
	return -1
}

// findInlineClose returns the index of the first $ in b that is not
// backslash-escaped, or -1, and whether that $ may close inline math:
// it must be preceded by a non-space (a $ at index 0 of a continuation
// line follows a line break) and not be followed by a digit.
func findInlineClose(b []byte) (int, bool) {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '$':
			return i, i > 0 && !util.IsSpace(b[i-1]) && (i+1 == len(b) || !isDigit(b[i+1]))
		}
	}
	return -1, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

type inlineParser struct{}

func (inlineParser) Trigger() []byte { return []byte{'$'} }

func (inlineParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	line, seg := block.PeekLine()
	if len(line) < 2 || line[0] != '$' {
		return nil
	}
	display := line[1] == '$'
	if !display && util.IsSpace(line[1]) {
		return nil // a literal $
	}
	delim := 1
	if display {
		delim = 2
	}
	n := &Math{Display: display, Line: lineOf(pc, block.Source(), seg.Start)}
	l, pos := block.Position()
	block.Advance(delim)
	var buf []byte
	for {
		rest, _ := block.PeekLine()
		if rest == nil {
			break
		}
		i, ok := findDisplayClose(rest), true
		if !display {
			i, ok = findInlineClose(rest)
		}
		if i >= 0 && !ok {
			break // the next $ cannot close: no math here
		}
		if i >= 0 {
			buf = append(buf, rest[:i]...)
			block.Advance(i + delim)
			n.TeX = string(buf)
			n.Closed = true
			n.MathML, n.Err = convertAt(n.TeX, display, n.Line)
			return n
		}
		buf = append(buf, rest...)
		block.AdvanceLine()
	}
	block.SetPosition(l, pos)
	if !display && isDigit(line[1]) {
		return nil // currency: $5
	}
	block.Advance(delim)
	msg := "unclosed $"
	if display {
		msg = "unclosed $$"
	}
	n.Err = &Error{Line: n.Line, Msg: msg}
	return n
}

type blockParser struct{}

func (blockParser) Trigger() []byte { return []byte{'$'} }

func (blockParser) Open(parent ast.Node, reader text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := reader.PeekLine()
	pos := pc.BlockOffset()
	if pos < 0 || pos+1 >= len(line) || line[pos] != '$' || line[pos+1] != '$' {
		return nil, parser.NoChildren
	}
	rest := line[pos+2:]
	n := &MathBlock{Line: lineOf(pc, reader.Source(), seg.Start)}
	if i := findDisplayClose(rest); i >= 0 {
		if !util.IsBlank(rest[i+2:]) {
			return nil, parser.NoChildren // $$a$$ b: inline display math in a paragraph
		}
		n.buf = append(n.buf, rest[:i]...)
		n.Closed = true
	} else {
		n.buf = append(n.buf, rest...)
	}
	reader.AdvanceToEOL()
	return n, parser.NoChildren
}

func (blockParser) Continue(node ast.Node, reader text.Reader, pc parser.Context) parser.State {
	n := node.(*MathBlock)
	if n.Closed {
		return parser.Close
	}
	line, seg := reader.PeekLine()
	if util.IsBlank(line) {
		return parser.Close // a blank line ends the block: unclosed $$
	}
	if i := findDisplayClose(line); i >= 0 {
		n.buf = append(n.buf, line[:i]...)
		n.Closed = true
		if !util.IsBlank(line[i+2:]) {
			n.Err = &Error{Line: lineOf(pc, reader.Source(), seg.Start), Msg: "unexpected text after closing $$"}
		}
		reader.AdvanceToEOL()
		return parser.Close
	}
	n.buf = append(n.buf, line...)
	reader.AdvanceToEOL()
	return parser.Continue | parser.NoChildren
}

func (blockParser) Close(node ast.Node, reader text.Reader, pc parser.Context) {
	n := node.(*MathBlock)
	n.TeX = string(n.buf)
	n.buf = nil
	switch {
	case n.Err != nil:
	case !n.Closed:
		n.Err = &Error{Line: n.Line, Msg: "unclosed $$"}
	default:
		n.MathML, n.Err = convertAt(n.TeX, true, n.Line)
	}
}

func (blockParser) CanInterruptParagraph() bool { return true }

func (blockParser) CanAcceptIndentedLine() bool { return false }

type htmlRenderer struct{}

func (htmlRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(KindMath, renderMath)
	reg.Register(KindMathBlock, renderMathBlock)
}

func renderMath(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*Math)
	if n.Err == nil {
		_, _ = w.WriteString(n.MathML)
		return ast.WalkSkipChildren, nil
	}
	delim := "$"
	if n.Display {
		delim = "$$"
	}
	src := delim + n.TeX
	if n.Closed {
		src += delim
	}
	_, _ = w.WriteString(`<mark class="mathml-error">`)
	_, _ = w.WriteString(html.EscapeString(n.Err.Error()))
	_, _ = w.WriteString(` <code>`)
	_, _ = w.WriteString(html.EscapeString(src))
	_, _ = w.WriteString(`</code></mark>`)
	return ast.WalkSkipChildren, nil
}

func renderMathBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*MathBlock)
	if n.Err == nil {
		_, _ = w.WriteString(n.MathML)
		_ = w.WriteByte('\n')
		return ast.WalkSkipChildren, nil
	}
	src := "$$" + n.TeX
	if n.Closed {
		src += "$$"
	}
	_, _ = w.WriteString(`<div class="mathml-error"><mark>`)
	_, _ = w.WriteString(html.EscapeString(n.Err.Error()))
	_, _ = w.WriteString("</mark>\n<pre><code>")
	_, _ = w.WriteString(html.EscapeString(src))
	_, _ = w.WriteString("</code></pre></div>\n")
	return ast.WalkSkipChildren, nil
}
