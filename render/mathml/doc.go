// Package mathml converts a subset of TeX math to MathML Core at build time
// and provides a goldmark extension that renders $...$ and $$...$$ in
// Markdown with it, so pages need no JavaScript to show formulas.
//
// # Supported TeX
//
// The converter is a small tokenizer and recursive-descent parser. It
// accepts:
//
//   - Latin letters (<mi>, italic), other Unicode letters (<mi>), digits
//     (a run such as 12 or 3.14 is one <mn>), the characters
//     "+ - * = < > ( ) [ ] , . ; : ! ? / |" and Unicode math symbols
//     (<mo>), ~ (a no-break space) and the prime '. Plain brackets do not
//     stretch. Primes join a superscript or subscript as in TeX (x'^2,
//     x_1'); alone (f') they follow the base as <mo>′</mo>, because
//     browsers draw a superscript prime too small.
//   - Subscripts and superscripts with _ and ^, taking one token or a
//     {...} group (x^{10}, x_i^2, x'^2, {}_n); \limits and \nolimits after
//     an operator.
//   - Groups {...}, \frac{a}{b}, \sqrt{x}, \sqrt[n]{x}.
//   - Fonts: \mathrm, \mathbf, \mathit, \mathbb, \mathcal (bold,
//     double-struck and script letters use the Unicode Mathematical
//     Alphanumeric Symbols, as MathML Core has no mathvariant but
//     "normal"), \operatorname{...} and \operatorname*{...}.
//   - Text: \text, \textrm, \mbox (<mtext>; braces, \{ \} \$ \% \& \# \_
//     and "\ " inside).
//   - Accents: \bar, \hat, \tilde, \vec, \dot, \ddot, \check, \breve,
//     \acute, \grave (<mover accent="true"> with a non-stretchy mark).
//   - Greek letters \alpha ... \omega with the var forms, and the
//     capitals \Gamma \Delta \Theta \Lambda \Xi \Pi \Sigma \Upsilon \Phi
//     \Psi \Omega (upright).
//   - Large operators \sum \prod \coprod \bigcup \bigcap \bigoplus
//     \bigotimes \bigvee \bigwedge (limits under and over in display
//     style: <munder>, <mover>, <munderover>; scripts otherwise) and the
//     integrals \int \iint \iiint \oint (always scripts).
//   - Operator names, upright and followed by an invisible function
//     application: \max \min \lim \sup \inf \det \gcd \Pr \liminf \limsup
//     (limits in display style) and \arg \log \ln \lg \exp \sin \cos \tan
//     \sec \csc \cot \sinh \cosh \tanh \arcsin \arccos \arctan \dim \ker
//     \deg \hom (always scripts).
//   - Symbols such as \cdot \times \div \pm \mp \le \leq \ge \geq \ne \neq
//     \in \notin \approx \sim \equiv \propto \subset \subseteq \cup \cap
//     \to \mapsto \gets \implies \iff \Rightarrow \mid \ldots \cdots \dots
//     \infty \partial \nabla \top \bot \ell \emptyset \forall \exists, the
//     escapes \{ \} \| \$ \% \& \# \_ and the fences \langle \rangle
//     \lfloor \rfloor \lceil \rceil \lvert \rvert \lVert \rVert.
//   - \left and \right with ( ) [ ] | / . \{ \} \| and the named fences,
//     as stretchy fences around an <mrow>.
//   - Spacing: \, \: \> \; \! \quad \qquad, "\ " and ~.
//
// Not supported, and reported as errors: environments (\begin{...},
// matrices, aligned equations), & and \\, \over and \choose, \binom,
// \dfrac and \tfrac, \big and friends, \middle, \not, \color, \boldsymbol,
// \mathfrak, \mathsf, \mathtt, wide accents (\overline, \widehat,
// \widetilde, \underline: browsers do not stretch them reliably),
// \overbrace and \underbrace,
// \stackrel, macro definitions, TeX comments (%), math nested in \text,
// and any other command. Nesting deeper than 100 levels is refused.
//
// The output of Convert is a single <math> element (display="block" for
// display math) whose <semantics> holds one <mrow> with the rendering and
// an <annotation encoding="application/x-tex"> with the TeX source, so
// that copying the formula keeps the TeX. Every text and attribute value
// is escaped, every character is checked to be one XML allows, and the
// output is deterministic.
//
// # Markdown
//
// New returns a goldmark extension. It recognises:
//
//   - Inline math $...$. The opening $ must be followed by a non-space
//     character; the math ends at the next $ that is not backslash-escaped,
//     and that $ must be preceded by a non-space character and not be
//     followed by a digit (pandoc's rule, made stricter: the next $ must
//     be the closing one). The math may continue over the lines of one
//     paragraph, never past a blank line. A $ followed by a space, or by
//     nothing, is a literal dollar.
//   - Display math $$...$$ anywhere in a paragraph (rendered inline in
//     that paragraph with display="block"); it too may span lines of the
//     paragraph.
//   - A display block: a line that starts with $$ (after at most three
//     spaces) and does not continue with text after a closing $$ on the
//     same line. It ends at the line containing the closing $$, which must
//     have nothing after it. A blank line or the end of the enclosing
//     container before the closing $$ is an "unclosed $$" error. Such a
//     block may interrupt a paragraph.
//
// \$ is a literal dollar outside math (it is a CommonMark backslash
// escape) and inside math (where it renders a $ sign). Code spans, fenced
// and indented code blocks, HTML and autolinks are left alone, because
// goldmark hands them to their own parsers first. Inside math nothing is
// Markdown: backslashes, underscores and asterisks reach the TeX parser
// as written. When searching for the closing delimiter, a backslash
// escapes the next character; backticks are not special there, so a code
// span cannot start inside math.
//
// When an opening $ finds no closing $ (none follows in the paragraph,
// or the next one is preceded by a space or followed by a digit), it is
// an "unclosed $" error, except when a digit follows the opening $: then
// it is a currency sign and stays literal text. So "costs $5 or $10",
// "$20,000 and $30,000" and "costs $5 and $x$ is math" all read as
// intended, while "let $x be" is an error: write \$ for a literal
// dollar there (\$HOME), or use a code span. Math followed directly by
// a digit ($x$5) cannot close; write $x$ 5.
//
// # Errors
//
// Every error is an *Error whose text is "mathml: line N: message", where
// N is 1-based: for Convert, the line within the TeX string; for Markdown,
// the line within the Markdown source. Messages name the offending
// command or character, e.g. "mathml: line 12: unsupported command \foo".
//
// Goldmark's renderers write HTML and have no good place to report an
// error, so errors are found while parsing and surface in three ways:
//
//   - Check(source) parses the Markdown with goldmark (CommonMark plus
//     this extension) and returns every math error in document order.
//     A site build calls it first and refuses the page on error; it is
//     safe for concurrent use.
//   - The Extension records the errors of every document it parses;
//     Err returns them, Reset forgets them. This sees the math exactly as
//     the configured goldmark instance does (for example inside GFM
//     tables), but an Extension shared by concurrent conversions mixes
//     their errors, so use one per goroutine or rely on Check.
//   - The renderer writes faulty math as a visible marker: a <mark
//     class="mathml-error"> (inline) or <div class="mathml-error"> (block)
//     holding the error text and the TeX source in a <code>. A page only
//     shows it if neither Check nor Err was looked at.
package mathml
