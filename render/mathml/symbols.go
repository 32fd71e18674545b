package mathml

// symKind says how a command that stands for one character is rendered.
type symKind uint8

const (
	symIdent       symKind = iota // <mi>x</mi>, italic when one Latin or Greek letter
	symIdentNormal                // <mi mathvariant="normal">Γ</mi>
	symOp                         // <mo>≤</mo>, spacing from the operator dictionary
	symFence                      // <mo stretchy="false">{</mo>, a bracket that does not grow
	symBigOp                      // <mo>∑</mo>, limits under/over in display style
	symIntOp                      // <mo>∫</mo>, always scripts
)

type symbol struct {
	kind symKind
	char string
}

// symbols maps command names (without the backslash) to characters.
var symbols = map[string]symbol{
	// Lowercase Greek, italic like any single letter.
	"alpha": {symIdent, "α"}, "beta": {symIdent, "β"}, "gamma": {symIdent, "γ"},
	"delta": {symIdent, "δ"}, "epsilon": {symIdent, "ϵ"}, "varepsilon": {symIdent, "ε"},
	"zeta": {symIdent, "ζ"}, "eta": {symIdent, "η"}, "theta": {symIdent, "θ"},
	"vartheta": {symIdent, "ϑ"}, "iota": {symIdent, "ι"}, "kappa": {symIdent, "κ"},
	"varkappa": {symIdent, "ϰ"}, "lambda": {symIdent, "λ"}, "mu": {symIdent, "μ"},
	"nu": {symIdent, "ν"}, "xi": {symIdent, "ξ"}, "omicron": {symIdent, "ο"},
	"pi": {symIdent, "π"}, "varpi": {symIdent, "ϖ"}, "rho": {symIdent, "ρ"},
	"varrho": {symIdent, "ϱ"}, "sigma": {symIdent, "σ"}, "varsigma": {symIdent, "ς"},
	"tau": {symIdent, "τ"}, "upsilon": {symIdent, "υ"}, "phi": {symIdent, "ϕ"},
	"varphi": {symIdent, "φ"}, "chi": {symIdent, "χ"}, "psi": {symIdent, "ψ"},
	"omega": {symIdent, "ω"},

	// Uppercase Greek, upright as in TeX.
	"Gamma": {symIdentNormal, "Γ"}, "Delta": {symIdentNormal, "Δ"},
	"Theta": {symIdentNormal, "Θ"}, "Lambda": {symIdentNormal, "Λ"},
	"Xi": {symIdentNormal, "Ξ"}, "Pi": {symIdentNormal, "Π"},
	"Sigma": {symIdentNormal, "Σ"}, "Upsilon": {symIdentNormal, "Υ"},
	"Phi": {symIdentNormal, "Φ"}, "Psi": {symIdentNormal, "Ψ"},
	"Omega": {symIdentNormal, "Ω"},

	// Ordinary symbols.
	"infty": {symIdentNormal, "∞"}, "partial": {symIdent, "∂"},
	"nabla": {symIdentNormal, "∇"}, "top": {symIdentNormal, "⊤"},
	"bot": {symIdentNormal, "⊥"}, "ell": {symIdent, "ℓ"},
	"emptyset": {symIdentNormal, "∅"}, "varnothing": {symIdentNormal, "∅"},
	"hbar": {symIdent, "ℏ"}, "forall": {symIdentNormal, "∀"},
	"exists": {symIdentNormal, "∃"}, "neg": {symIdentNormal, "¬"},
	"lnot": {symIdentNormal, "¬"}, "prime": {symIdentNormal, "′"},
	"aleph": {symIdentNormal, "ℵ"}, "Re": {symIdentNormal, "ℜ"},
	"Im": {symIdentNormal, "ℑ"}, "angle": {symIdentNormal, "∠"},
	"$": {symIdentNormal, "$"}, "%": {symIdentNormal, "%"},
	"#": {symIdentNormal, "#"}, "_": {symIdentNormal, "_"},

	// Binary operators.
	"pm": {symOp, "±"}, "mp": {symOp, "∓"}, "times": {symOp, "×"},
	"div": {symOp, "÷"}, "cdot": {symOp, "⋅"}, "ast": {symOp, "∗"},
	"star": {symOp, "⋆"}, "circ": {symOp, "∘"}, "bullet": {symOp, "∙"},
	"cup": {symOp, "∪"}, "cap": {symOp, "∩"}, "setminus": {symOp, "∖"},
	"oplus": {symOp, "⊕"}, "otimes": {symOp, "⊗"}, "odot": {symOp, "⊙"},
	"wedge": {symOp, "∧"}, "land": {symOp, "∧"}, "vee": {symOp, "∨"},
	"lor": {symOp, "∨"}, "dagger": {symOp, "†"}, "&": {symOp, "&"},

	// Relations and arrows.
	"le": {symOp, "≤"}, "leq": {symOp, "≤"}, "ge": {symOp, "≥"},
	"geq": {symOp, "≥"}, "ne": {symOp, "≠"}, "neq": {symOp, "≠"},
	"in": {symOp, "∈"}, "notin": {symOp, "∉"}, "ni": {symOp, "∋"},
	"approx": {symOp, "≈"}, "sim": {symOp, "∼"}, "simeq": {symOp, "≃"},
	"cong": {symOp, "≅"}, "equiv": {symOp, "≡"}, "propto": {symOp, "∝"},
	"subset": {symOp, "⊂"}, "subseteq": {symOp, "⊆"}, "supset": {symOp, "⊃"},
	"supseteq": {symOp, "⊇"}, "ll": {symOp, "≪"}, "gg": {symOp, "≫"},
	"to": {symOp, "→"}, "rightarrow": {symOp, "→"}, "leftarrow": {symOp, "←"},
	"gets": {symOp, "←"}, "leftrightarrow": {symOp, "↔"},
	"Rightarrow": {symOp, "⇒"}, "Leftarrow": {symOp, "⇐"},
	"Leftrightarrow": {symOp, "⇔"}, "implies": {symOp, "⟹"},
	"iff": {symOp, "⟺"}, "mapsto": {symOp, "↦"}, "mid": {symOp, "∣"},
	"parallel": {symOp, "∥"}, "perp": {symOp, "⊥"}, "models": {symOp, "⊨"},
	"vdash": {symOp, "⊢"}, "colon": {symOp, ":"},

	// Dots.
	"ldots": {symOp, "…"}, "dots": {symOp, "…"}, "cdots": {symOp, "⋯"},
	"vdots": {symOp, "⋮"}, "ddots": {symOp, "⋱"},

	// Brackets used without \left and \right.
	"{": {symFence, "{"}, "}": {symFence, "}"}, "lbrace": {symFence, "{"},
	"rbrace": {symFence, "}"}, "langle": {symFence, "⟨"}, "rangle": {symFence, "⟩"},
	"|": {symFence, "‖"}, "vert": {symFence, "|"}, "Vert": {symFence, "‖"},
	"lvert": {symFence, "|"}, "rvert": {symFence, "|"}, "lVert": {symFence, "‖"},
	"rVert": {symFence, "‖"}, "lfloor": {symFence, "⌊"}, "rfloor": {symFence, "⌋"},
	"lceil": {symFence, "⌈"}, "rceil": {symFence, "⌉"},

	// Large operators.
	"sum": {symBigOp, "∑"}, "prod": {symBigOp, "∏"}, "coprod": {symBigOp, "∐"},
	"bigcup": {symBigOp, "⋃"}, "bigcap": {symBigOp, "⋂"},
	"bigoplus": {symBigOp, "⨁"}, "bigotimes": {symBigOp, "⨂"},
	"bigvee": {symBigOp, "⋁"}, "bigwedge": {symBigOp, "⋀"},
	"int": {symIntOp, "∫"}, "iint": {symIntOp, "∬"}, "iiint": {symIntOp, "∭"},
	"oint": {symIntOp, "∮"},
}

// funcName describes an operator name such as \log or \max.
type funcName struct {
	text   string
	limits bool // limits under the name in display style, like \max
}

var funcNames = map[string]funcName{
	"max": {"max", true}, "min": {"min", true}, "lim": {"lim", true},
	"sup": {"sup", true}, "inf": {"inf", true}, "det": {"det", true},
	"gcd": {"gcd", true}, "Pr": {"Pr", true},
	"liminf": {"lim inf", true}, "limsup": {"lim sup", true},
	"arg": {"arg", false}, "log": {"log", false}, "ln": {"ln", false},
	"lg": {"lg", false}, "exp": {"exp", false}, "sin": {"sin", false},
	"cos": {"cos", false}, "tan": {"tan", false}, "sec": {"sec", false},
	"csc": {"csc", false}, "cot": {"cot", false}, "sinh": {"sinh", false},
	"cosh": {"cosh", false}, "tanh": {"tanh", false},
	"arcsin": {"arcsin", false}, "arccos": {"arccos", false},
	"arctan": {"arctan", false}, "dim": {"dim", false}, "ker": {"ker", false},
	"deg": {"deg", false}, "hom": {"hom", false},
}

// accent describes \bar and friends: a non-stretchy mark over the base.
type accent struct {
	char string
}

var accents = map[string]accent{
	"bar": {"¯"}, "hat": {"ˆ"}, "tilde": {"˜"},
	"vec": {"→"}, "dot": {"˙"}, "ddot": {"¨"},
	"check": {"ˇ"}, "breve": {"˘"}, "acute": {"´"},
	"grave": {"`"},
}

// spaces maps spacing commands to <mspace> widths.
var spaces = map[string]string{
	",": "0.1667em", "thinspace": "0.1667em", ":": "0.2222em", ">": "0.2222em",
	"medspace": "0.2222em", ";": "0.2778em", "thickspace": "0.2778em",
	"!": "-0.1667em", "negthinspace": "-0.1667em", "quad": "1em", "qquad": "2em",
	"enspace": "0.5em",
}

// delimiters maps what may follow \left or \right to the fence character;
// "" is the null delimiter ".". Keys starting with a backslash are
// commands, the others are characters.
var delimiters = map[string]string{
	"(": "(", ")": ")", "[": "[", "]": "]", "|": "|", "/": "/", ".": "",
	"<": "⟨", ">": "⟩",
	`\{`: "{", `\}`: "}", `\lbrace`: "{", `\rbrace`: "}", `\|`: "‖",
	`\langle`: "⟨", `\rangle`: "⟩", `\vert`: "|", `\Vert`: "‖",
	`\lvert`: "|", `\rvert`: "|", `\lVert`: "‖", `\rVert`: "‖",
	`\lfloor`: "⌊", `\rfloor`: "⌋", `\lceil`: "⌈", `\rceil`: "⌉",
}

// Fonts selected by \mathrm and friends.
type font uint8

const (
	fontDefault font = iota
	fontRoman        // \mathrm, \operatorname: upright, letters run together
	fontItalic       // \mathit
	fontBold         // \mathbf: upright bold
	fontDouble       // \mathbb: double-struck
	fontScript       // \mathcal: script capitals
)

var fontCommands = map[string]font{
	"mathrm": fontRoman, "mathit": fontItalic, "mathbf": fontBold,
	"mathbb": fontDouble, "mathcal": fontScript,
}

// Holes in the Mathematical Alphanumeric Symbols block: letters that were
// encoded earlier in Letterlike Symbols.
var (
	doubleHoles = map[rune]rune{'C': 'ℂ', 'H': 'ℍ', 'N': 'ℕ', 'P': 'ℙ', 'Q': 'ℚ', 'R': 'ℝ', 'Z': 'ℤ'}
	scriptHoles = map[rune]rune{
		'B': 'ℬ', 'E': 'ℰ', 'F': 'ℱ', 'H': 'ℋ', 'I': 'ℐ', 'L': 'ℒ', 'M': 'ℳ', 'R': 'ℛ',
		'e': 'ℯ', 'g': 'ℊ', 'o': 'ℴ',
	}
)

// styled maps r to its form in font f, or returns r unchanged when the
// font does not apply to it (TeX leaves lowercase Greek alone in \mathbf,
// for example).
func styled(r rune, f font) rune {
	upper := r >= 'A' && r <= 'Z'
	lower := r >= 'a' && r <= 'z'
	digit := r >= '0' && r <= '9'
	switch f {
	case fontBold:
		switch {
		case upper:
			return 0x1D400 + r - 'A'
		case lower:
			return 0x1D41A + r - 'a'
		case digit:
			return 0x1D7CE + r - '0'
		case r >= 0x391 && r <= 0x3A9 && r != 0x3A2: // capital Greek
			return 0x1D6A8 + r - 0x391
		}
	case fontDouble:
		if h, ok := doubleHoles[r]; ok {
			return h
		}
		switch {
		case upper:
			return 0x1D538 + r - 'A'
		case lower:
			return 0x1D552 + r - 'a'
		case digit:
			return 0x1D7D8 + r - '0'
		}
	case fontScript:
		if h, ok := scriptHoles[r]; ok {
			return h
		}
		switch {
		case upper:
			return 0x1D49C + r - 'A'
		case lower:
			return 0x1D4B6 + r - 'a'
		}
	}
	return r
}
