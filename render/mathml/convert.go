package mathml

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDepth bounds the nesting of groups, arguments and scripts so that
// hostile input cannot exhaust the stack.
const maxDepth = 100

// Error is a TeX or Markdown math error. Its text is
// "mathml: line N: message".
type Error struct {
	// Line is the 1-based line of the error: within the TeX string for
	// Convert, within the Markdown source for Check, Extension.Err and
	// the nodes of the Markdown parser.
	Line int
	// Msg describes the problem and names the command or character at
	// fault, e.g. `unsupported command \foo`.
	Msg string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return "mathml: line " + strconv.Itoa(e.Line) + ": " + e.Msg
}

// Convert converts the TeX math tex to a MathML Core <math> element,
// with display="block" when display is true (as for $$...$$) and inline
// otherwise. The element carries the trimmed TeX source as an
// <annotation encoding="application/x-tex">. On unsupported or malformed
// input Convert returns "" and an *Error whose Line counts lines of tex
// from 1. Convert is deterministic and safe for concurrent use.
func Convert(tex string, display bool) (string, error) {
	body, err := parse(tex, display)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(tex)*8 + 160)
	b.WriteString(`<math xmlns="http://www.w3.org/1998/Math/MathML"`)
	if display {
		b.WriteString(` display="block"`)
	}
	b.WriteString(`><semantics>`)
	body.write(&b)
	b.WriteString(`<annotation encoding="application/x-tex">`)
	escape(&b, strings.TrimSpace(tex))
	b.WriteString(`</annotation></semantics></math>`)
	return b.String(), nil
}

// node is a MathML element. Token elements (mi, mn, mo, mtext) have text,
// the others have kids.
type node struct {
	tag   string
	attrs []string // name, value, name, value, ...
	text  string
	kids  []*node
}

func (n *node) write(b *strings.Builder) {
	b.WriteByte('<')
	b.WriteString(n.tag)
	for i := 0; i+1 < len(n.attrs); i += 2 {
		b.WriteByte(' ')
		b.WriteString(n.attrs[i])
		b.WriteString(`="`)
		escape(b, n.attrs[i+1])
		b.WriteByte('"')
	}
	b.WriteByte('>')
	escape(b, n.text)
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</")
	b.WriteString(n.tag)
	b.WriteByte('>')
}

// escape writes s with the XML special characters escaped and invisible
// characters written as character references, so output stays readable.
func escape(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		case '\u00a0', '\u2061':
			fmt.Fprintf(b, "&#x%x;", r)
		default:
			b.WriteRune(r)
		}
	}
}

func elem(tag string, kids ...*node) *node { return &node{tag: tag, kids: kids} }

func token(tag, text string, attrs ...string) *node {
	return &node{tag: tag, text: text, attrs: attrs}
}

// row wraps several nodes in an <mrow>; a single node stands alone.
func row(list []*node) *node {
	if len(list) == 1 {
		return list[0]
	}
	return &node{tag: "mrow", kids: list}
}

// Token kinds.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tLetter         // one letter
	tDigit          // one ASCII digit
	tChar           // any other single character
	tCmd            // a command; text is its name without the backslash
)

type tok struct {
	kind     tokKind
	text     string
	pos, end int // byte offsets in the source
}

func (t tok) is(c string) bool       { return t.kind == tChar && t.text == c }
func (t tok) isCmd(c string) bool    { return t.kind == tCmd && t.text == c }
func (t tok) name(src string) string { return src[t.pos:t.end] }

// atomInfo tells parseList and parseScripted about an atom.
type atomInfo struct {
	op            bool // a large operator or operator name; \limits may follow
	displayLimits bool // limits go under and over in display style
	fn            bool // an operator name: add a function application
}

// bail is panicked with to abort parsing; parse recovers it.
type bail struct{ err *Error }

type texParser struct {
	src   string
	pos   int
	style bool // TeX's display style: limits under and over
	font  font
	depth int
	lefts int // open \left count
}

func parse(src string, display bool) (root *node, err error) {
	p := &texParser{src: src, style: display}
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			root, err = nil, b.err
		}
	}()
	list := p.parseList(endEOF, tok{})
	return elem("mrow", list...), nil
}

func (p *texParser) fail(pos int, format string, args ...any) {
	line := 1 + strings.Count(p.src[:pos], "\n")
	panic(bail{&Error{Line: line, Msg: fmt.Sprintf(format, args...)}})
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isLetterByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// xmlChar reports whether r may appear in an XML 1.0 document and is not a
// control character.
func xmlChar(r rune) bool {
	return r >= 0x20 && r < 0x7f || r > 0x9f && r <= 0xd7ff && r != utf8.RuneError ||
		r >= 0xe000 && r <= 0xfffd && r != utf8.RuneError || r >= 0x10000 && r <= 0x10ffff
}

// decode returns the rune at i, failing on invalid UTF-8 and on
// characters XML does not allow.
func (p *texParser) decode(i int) (rune, int) {
	r, size := utf8.DecodeRuneInString(p.src[i:])
	if r == utf8.RuneError && size <= 1 {
		p.fail(i, "invalid UTF-8")
	}
	if !xmlChar(r) {
		p.fail(i, "unsupported character %q", string(r))
	}
	return r, size
}

// lex returns the token at p.pos after skipping white space.
func (p *texParser) lex() tok {
	i := p.pos
	for i < len(p.src) && isSpaceByte(p.src[i]) {
		i++
	}
	if i == len(p.src) {
		return tok{kind: tEOF, pos: i, end: i}
	}
	c := p.src[i]
	switch {
	case c == '\\':
		j := i + 1
		if j == len(p.src) {
			p.fail(i, `lone \ at end of math`)
		}
		if isLetterByte(p.src[j]) {
			for j < len(p.src) && isLetterByte(p.src[j]) {
				j++
			}
			return tok{kind: tCmd, text: p.src[i+1 : j], pos: i, end: j}
		}
		if isSpaceByte(p.src[j]) {
			return tok{kind: tCmd, text: " ", pos: i, end: j + 1}
		}
		_, size := p.decode(j)
		return tok{kind: tCmd, text: p.src[j : j+size], pos: i, end: j + size}
	case isLetterByte(c):
		return tok{kind: tLetter, text: p.src[i : i+1], pos: i, end: i + 1}
	case c >= '0' && c <= '9':
		return tok{kind: tDigit, text: p.src[i : i+1], pos: i, end: i + 1}
	case c < utf8.RuneSelf:
		if c < 0x20 || c == 0x7f {
			p.fail(i, "unsupported character %q", string(rune(c)))
		}
		return tok{kind: tChar, text: p.src[i : i+1], pos: i, end: i + 1}
	}
	r, size := p.decode(i)
	switch {
	case unicode.IsLetter(r):
		return tok{kind: tLetter, text: p.src[i : i+size], pos: i, end: i + size}
	case unicode.Is(unicode.Sm, r):
		return tok{kind: tChar, text: p.src[i : i+size], pos: i, end: i + size}
	}
	p.fail(i, "unsupported character %q", string(r))
	panic("unreachable")
}

func (p *texParser) peek() tok { return p.lex() }

func (p *texParser) next() tok {
	t := p.lex()
	p.pos = t.end
	return t
}

// List terminators.
const (
	endEOF     = iota // the whole formula
	endBrace          // a {...} group; the caller consumes the }
	endRight          // the body of \left ... \right
	endBracket        // the optional argument of \sqrt[...]
)

// parseList parses atoms up to the terminator of mode. open is the token
// that started the list, for error messages; cmd names the command whose
// argument the list is, if any.
func (p *texParser) parseList(mode int, open tok, cmd ...string) []*node {
	var list []*node
	for {
		t := p.peek()
		switch {
		case t.kind == tEOF:
			switch mode {
			case endBrace:
				p.failUnclosed(open, cmd)
			case endRight:
				p.fail(open.pos, `\left without matching \right`)
			case endBracket:
				p.fail(open.pos, `unclosed [ in \sqrt`)
			}
			return list
		case t.is("}"):
			switch mode {
			case endBrace:
				return list
			case endRight:
				p.fail(open.pos, `\left without matching \right`)
			case endBracket:
				p.fail(open.pos, `unclosed [ in \sqrt`)
			}
			p.fail(t.pos, "unbalanced braces: unexpected }")
		case t.isCmd("right"):
			switch mode {
			case endRight:
				return list
			case endBrace:
				if p.lefts > 0 {
					p.failUnclosed(open, cmd)
				}
			case endBracket:
				if p.lefts > 0 {
					p.fail(open.pos, `unclosed [ in \sqrt`)
				}
			}
			p.fail(t.pos, `\right without matching \left`)
		case mode == endBracket && t.is("]"):
			return list
		}
		n, info := p.parseScripted()
		list = append(list, n)
		if info.fn {
			list = p.applyFunction(list)
		}
	}
}

func (p *texParser) failUnclosed(open tok, cmd []string) {
	if len(cmd) > 0 {
		p.fail(open.pos, `unbalanced braces: unclosed { in argument of %s`, cmd[0])
	}
	p.fail(open.pos, "unbalanced braces: unclosed {")
}

// applyFunction appends an invisible function application after an
// operator name when an operand follows, with a thin space unless the
// operand starts with a bracket: \log x, \max_i f(i), \exp(x).
func (p *texParser) applyFunction(list []*node) []*node {
	t := p.peek()
	fence, operand := false, false
	switch t.kind {
	case tLetter, tDigit:
		operand = true
	case tChar:
		fence = t.text == "(" || t.text == "[" || t.text == "|"
		operand = t.text == "{"
	case tCmd:
		name := t.text
		s, isSym := symbols[name]
		_, isFunc := funcNames[name]
		_, isFont := fontCommands[name]
		_, isAccent := accents[name]
		switch name {
		case "left", "{", "lbrace", "langle", "lvert", "lVert", "vert", "Vert", "|", "lfloor", "lceil":
			fence = true
		case "frac", "sqrt", "operatorname", "text", "textrm", "mbox":
			operand = true
		default:
			operand = isSym && (s.kind == symIdent || s.kind == symIdentNormal) || isFunc || isFont || isAccent
		}
	}
	switch {
	case fence:
		return append(list, token("mo", "\u2061"))
	case operand:
		return append(list, token("mo", "\u2061", "rspace", "0.1667em"))
	}
	return list
}

func (p *texParser) enter(pos int) {
	p.depth++
	if p.depth > maxDepth {
		p.fail(pos, "nesting too deep")
	}
}

func (p *texParser) leave() { p.depth-- }

// parseScripted parses an atom with its subscript, superscript and primes.
func (p *texParser) parseScripted() (*node, atomInfo) {
	var base *node
	var info atomInfo
	t := p.peek()
	if t.is("^") || t.is("_") || t.is("'") {
		base = elem("mrow") // TeX allows an empty base
	} else {
		base, info = p.parseAtom(false)
	}
	limits := info.displayLimits && p.style
	forced := false
	for {
		t := p.peek()
		if !t.isCmd("limits") && !t.isCmd("nolimits") {
			break
		}
		if !info.op {
			p.fail(t.pos, `\%s must follow an operator such as \sum`, t.text)
		}
		p.next()
		limits = t.text == "limits"
		forced = true
	}
	var sub, sup, prime *node
	for {
		t := p.peek()
		switch {
		case t.is("_"):
			if sub != nil {
				p.fail(t.pos, "double subscript")
			}
			p.next()
			sub = p.parseScriptArg(t)
			continue
		case t.is("^"):
			if sup != nil {
				p.fail(t.pos, "double superscript")
			}
			p.next()
			sup = p.parseScriptArg(t)
			if prime != nil {
				sup = elem("mrow", prime, sup)
			}
			continue
		case t.is("'"):
			if sup != nil {
				p.fail(t.pos, "double superscript")
			}
			if prime != nil { // x'_1' is a double superscript in TeX
				p.fail(t.pos, "double superscript")
			}
			n := 0
			for p.peek().is("'") {
				p.next()
				n++
			}
			prime = token("mo", primes(n))
			continue
		}
		break
	}
	if prime != nil && sup == nil {
		if sub == nil {
			// f' alone: browsers lack the script-size prime glyphs that
			// a superscript needs, so set the prime after the base, where
			// the font already places it high.
			return elem("mrow", base, prime), info
		}
		sup = prime
	}
	if sub == nil && sup == nil {
		return base, info
	}
	if info.op && limits {
		if forced && !p.style && base.tag == "mo" {
			base.attrs = append(base.attrs, "movablelimits", "false")
		}
		switch {
		case sup == nil:
			return elem("munder", base, sub), info
		case sub == nil:
			return elem("mover", base, sup), info
		}
		return elem("munderover", base, sub, sup), info
	}
	switch {
	case sup == nil:
		return elem("msub", base, sub), info
	case sub == nil:
		return elem("msup", base, sup), info
	}
	return elem("msubsup", base, sub, sup), info
}

func primes(n int) string {
	switch n {
	case 1:
		return "′"
	case 2:
		return "″"
	case 3:
		return "‴"
	case 4:
		return "⁗"
	}
	return strings.Repeat("′", n)
}

// parseScriptArg parses the argument of ^ or _ in text style.
func (p *texParser) parseScriptArg(op tok) *node {
	defer func(s bool) { p.style = s }(p.style)
	p.style = false
	return p.parseArg(op.text, op)
}

// parseArg parses a command argument: a {...} group or a single token.
func (p *texParser) parseArg(name string, cmd tok) *node {
	t := p.peek()
	switch {
	case t.kind == tEOF, t.is("}"), t.is("^"), t.is("_"), t.is("'"),
		t.isCmd("right"), t.isCmd("limits"), t.isCmd("nolimits"):
		p.fail(cmd.pos, "missing argument for %s", name)
	}
	if t.is("{") {
		p.next()
		p.enter(t.pos)
		list := p.parseList(endBrace, t, name)
		p.leave()
		p.next() // }
		return row(list)
	}
	n, _ := p.parseAtom(true)
	return n
}

// parseAtom parses one atom without scripts. With single set, a digit or
// letter stands alone instead of starting a number or name.
func (p *texParser) parseAtom(single bool) (*node, atomInfo) {
	t := p.next()
	p.enter(t.pos)
	defer p.leave()
	switch t.kind {
	case tLetter:
		return p.letters(t, single), atomInfo{}
	case tDigit:
		return p.number(t, single), atomInfo{}
	case tChar:
		return p.char(t), atomInfo{}
	case tCmd:
		return p.command(t)
	}
	p.fail(t.pos, "unexpected end of math")
	panic("unreachable")
}

func (p *texParser) letters(t tok, single bool) *node {
	if p.font != fontRoman {
		r, _ := utf8.DecodeRuneInString(t.text)
		return token("mi", string(styled(r, p.font)))
	}
	text := t.text
	for !single && p.peek().kind == tLetter {
		text += p.next().text
	}
	if utf8.RuneCountInString(text) == 1 {
		return token("mi", text, "mathvariant", "normal")
	}
	return token("mi", text)
}

func (p *texParser) number(t tok, single bool) *node {
	end := t.end
	if !single {
		for end < len(p.src) && p.src[end] >= '0' && p.src[end] <= '9' {
			end++
		}
		if end+1 < len(p.src) && p.src[end] == '.' && p.src[end+1] >= '0' && p.src[end+1] <= '9' {
			end++
			for end < len(p.src) && p.src[end] >= '0' && p.src[end] <= '9' {
				end++
			}
		}
	}
	p.pos = end
	text := p.src[t.pos:end]
	if p.font == fontBold || p.font == fontDouble {
		var b strings.Builder
		for _, r := range text {
			b.WriteRune(styled(r, p.font))
		}
		text = b.String()
	}
	return token("mn", text)
}

func (p *texParser) char(t tok) *node {
	switch t.text {
	case "{":
		list := p.parseList(endBrace, t)
		p.next() // }
		if len(list) == 1 && list[0].tag != "mo" {
			return list[0]
		}
		return elem("mrow", list...)
	case "(", ")", "[", "]", "|":
		return token("mo", t.text, "stretchy", "false")
	case "-":
		return token("mo", "−")
	case "*":
		return token("mo", "∗")
	case "'":
		return token("mo", "′")
	case "/":
		return token("mo", "/", "lspace", "0", "rspace", "0")
	case "~":
		return token("mtext", "\u00a0")
	case "+", "=", "<", ">", ",", ".", ";", ":", "!", "?":
		return token("mo", t.text)
	}
	if t.text[0] >= utf8.RuneSelf { // a Unicode math symbol
		return token("mo", t.text)
	}
	p.fail(t.pos, "unsupported character %q", t.text)
	panic("unreachable")
}

func (p *texParser) command(t tok) (*node, atomInfo) {
	name := t.text
	if s, ok := symbols[name]; ok {
		switch s.kind {
		case symIdent:
			return token("mi", s.char), atomInfo{}
		case symIdentNormal:
			c := s.char
			if p.font == fontBold {
				r, _ := utf8.DecodeRuneInString(c)
				if b := styled(r, fontBold); b != r {
					return token("mi", string(b)), atomInfo{}
				}
			}
			return token("mi", c, "mathvariant", "normal"), atomInfo{}
		case symOp:
			return token("mo", s.char), atomInfo{}
		case symFence:
			return token("mo", s.char, "stretchy", "false"), atomInfo{}
		case symBigOp:
			return token("mo", s.char), atomInfo{op: true, displayLimits: true}
		case symIntOp:
			return token("mo", s.char), atomInfo{op: true}
		}
	}
	if f, ok := funcNames[name]; ok {
		return token("mi", f.text), atomInfo{op: true, displayLimits: f.limits, fn: true}
	}
	if f, ok := fontCommands[name]; ok {
		defer func(old font) { p.font = old }(p.font)
		p.font = f
		return p.parseArg(`\`+name, t), atomInfo{}
	}
	if a, ok := accents[name]; ok {
		base := p.parseArg(`\`+name, t)
		mark := token("mo", a.char, "stretchy", "false")
		return &node{tag: "mover", attrs: []string{"accent", "true"}, kids: []*node{base, mark}}, atomInfo{}
	}
	if w, ok := spaces[name]; ok {
		return &node{tag: "mspace", attrs: []string{"width", w}}, atomInfo{}
	}
	switch name {
	case " ":
		return token("mtext", "\u00a0"), atomInfo{}
	case "frac":
		defer func(s bool) { p.style = s }(p.style)
		p.style = false
		num := p.parseArg(`\frac`, t)
		den := p.parseArg(`\frac`, t)
		return elem("mfrac", num, den), atomInfo{}
	case "sqrt":
		if open := p.peek(); open.is("[") {
			p.next()
			style := p.style
			p.style = false
			index := row(p.parseList(endBracket, open))
			p.next() // ]
			p.style = style
			base := p.parseArg(`\sqrt`, t)
			return elem("mroot", base, index), atomInfo{}
		}
		return elem("msqrt", p.parseArg(`\sqrt`, t)), atomInfo{}
	case "operatorname":
		star := false
		if p.peek().is("*") {
			p.next()
			star = true
		}
		defer func(old font) { p.font = old }(p.font)
		p.font = fontRoman
		arg := p.parseArg(`\operatorname`, t)
		return arg, atomInfo{op: true, displayLimits: star, fn: true}
	case "text", "textrm", "mbox":
		return p.text(t), atomInfo{}
	case "left":
		return p.left(t), atomInfo{}
	case "right":
		p.fail(t.pos, `\right without matching \left`)
	case "limits", "nolimits":
		p.fail(t.pos, `\%s must follow an operator such as \sum`, name)
	}
	p.fail(t.pos, `unsupported command \%s`, name)
	panic("unreachable")
}

// delimiter reads the fence after \left or \right.
func (p *texParser) delimiter(cmd tok) string {
	t := p.peek()
	if t.kind == tEOF {
		p.fail(cmd.pos, `missing delimiter after \%s`, cmd.text)
	}
	p.next()
	key := t.text
	if t.kind == tCmd {
		key = t.name(p.src)
		if t.text == " " {
			key = `\ `
		}
	}
	if d, ok := delimiters[key]; ok {
		return d
	}
	p.fail(t.pos, `unsupported delimiter %s after \%s`, key, cmd.text)
	panic("unreachable")
}

func (p *texParser) left(t tok) *node {
	open := p.delimiter(t)
	p.lefts++
	list := p.parseList(endRight, t)
	p.lefts--
	right := p.next() // \right
	closing := p.delimiter(right)
	kids := make([]*node, 0, len(list)+2)
	if open != "" {
		kids = append(kids, token("mo", open, "fence", "true", "form", "prefix", "stretchy", "true"))
	}
	kids = append(kids, list...)
	if closing != "" {
		kids = append(kids, token("mo", closing, "fence", "true", "form", "postfix", "stretchy", "true"))
	}
	return elem("mrow", kids...)
}

// text reads the braced argument of \text as text, not math. Runs of
// white space become one space; a space at either end becomes a no-break
// space so that browsers keep it.
func (p *texParser) text(t tok) *node {
	i := p.pos
	for i < len(p.src) && isSpaceByte(p.src[i]) {
		i++
	}
	if i == len(p.src) || p.src[i] != '{' {
		p.fail(t.pos, `missing argument for \%s`, t.text)
	}
	open := i
	depth := 0
	var b strings.Builder
	space := false
	for {
		if i == len(p.src) {
			p.fail(open, `unbalanced braces: unclosed { in argument of \%s`, t.text)
		}
		c := p.src[i]
		switch {
		case isSpaceByte(c):
			space = true
			i++
			continue
		case c == '{':
			depth++
			i++
			continue
		case c == '}':
			depth--
			i++
			if depth > 0 {
				continue
			}
			if space {
				b.WriteByte(' ')
			}
			p.pos = i
			s := b.String()
			if strings.HasPrefix(s, " ") {
				s = "\u00a0" + s[1:]
			}
			if strings.HasSuffix(s, " ") {
				s = s[:len(s)-1] + "\u00a0"
			}
			return token("mtext", s)
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch c {
		case '~':
			b.WriteRune('\u00a0')
			i++
			continue
		case '\\':
			j := i + 1
			if j == len(p.src) {
				p.fail(i, `lone \ at end of math`)
			}
			if isLetterByte(p.src[j]) {
				for j < len(p.src) && isLetterByte(p.src[j]) {
					j++
				}
				p.fail(i, `unsupported command %s in \%s`, p.src[i:j], t.text)
			}
			switch d := p.src[j]; {
			case strings.IndexByte("{}$%&#_", d) >= 0:
				b.WriteByte(d)
			case isSpaceByte(d):
				b.WriteRune('\u00a0')
			default:
				_, size := p.decode(j)
				p.fail(i, `unsupported command %s in \%s`, p.src[i:j+size], t.text)
			}
			i = j + 1
			continue
		case '$', '%', '&', '#', '^', '_':
			p.fail(i, `unsupported character %q in \%s`, string(rune(c)), t.text)
		}
		r, size := p.decode(i)
		b.WriteRune(r)
		i += size
	}
}
