package pdfcanvas

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	stdfont "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// fontRes is an embedded font: a Type0 font with Identity-H encoding over a CIDFontType2 whose
// CIDs are the glyphs of a subset font, numbered in the order of first use (CID 0 is .notdef).
type fontRes struct {
	name string // resource name, F0, F1, …
	face *sfnt.Font
	src  *sfntFont
	buf  sfnt.Buffer
	cid  map[sfnt.GlyphIndex]int // original glyph → CID
	gids []int                   // CID → original glyph
	text []string                // CID → the text it was first used for
}

// font returns the resource of face, parsing the font on first use.
func (c *Canvas) font(face *sfnt.Font) (*fontRes, error) {
	if f, ok := c.fontOf[face]; ok {
		return f, nil
	}
	var raw bytes.Buffer
	if _, err := face.WriteSourceTo(nil, &raw); err != nil {
		return nil, fmt.Errorf("reading font source: %w", err)
	}
	src, err := parseSFNT(raw.Bytes())
	if err != nil {
		return nil, err
	}
	f := &fontRes{
		name: "F" + fmt.Sprint(len(c.fonts)),
		face: face, src: src,
		cid:  map[sfnt.GlyphIndex]int{0: 0},
		gids: []int{0},
		text: []string{""},
	}
	c.fonts = append(c.fonts, f)
	c.fontOf[face] = f
	return f, nil
}

// encode returns the TJ array showing s: two-byte CIDs in hexadecimal, with the font's
// kerning (the same that gonum/plot's font.Face.Width measures with) as adjustments.
func (f *fontRes) encode(s string) ([]byte, error) {
	upem := fixed.Int26_6(f.src.unitsPerEm)
	b := []byte("[<")
	var prev sfnt.GlyphIndex
	for i, r := range s {
		g, err := f.face.GlyphIndex(&f.buf, r)
		if err != nil {
			return nil, fmt.Errorf("glyph of %q: %w", r, err)
		}
		if i > 0 {
			k, err := f.face.Kern(&f.buf, prev, g, upem, stdfont.HintingNone)
			switch {
			case err == nil:
				if k != 0 {
					b = fmt.Appendf(b, "> %s <", num(-float64(k)*1000/float64(f.src.unitsPerEm)))
				}
			case errors.Is(err, sfnt.ErrNotFound):
			default:
				return nil, fmt.Errorf("kerning: %w", err)
			}
		}
		prev = g
		cid, ok := f.cid[g]
		if !ok {
			if len(f.gids) == 0xFFFF {
				return nil, errors.New("more than 65535 glyphs")
			}
			cid = len(f.gids)
			f.cid[g] = cid
			f.gids = append(f.gids, int(g))
			f.text = append(f.text, string(r))
		}
		b = fmt.Appendf(b, "%04X", cid)
	}
	return append(b, ">]"...), nil
}

// write adds the font's objects to o and returns the number of the Type0 font dictionary.
func (f *fontRes) write(o *objWriter) (int, error) {
	prog, err := f.src.subset(f.gids)
	if err != nil {
		return 0, fmt.Errorf("subsetting: %w", err)
	}
	base, err := f.face.Name(&f.buf, sfnt.NameIDPostScript)
	if err != nil || base == "" {
		base = "Font"
	}
	base = strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' || strings.ContainsRune("()<>[]{}/%#", r) {
			return -1
		}
		return r
	}, base)
	// The subset tag is a function of the glyphs, so the same text gives the same file.
	h := sha256.New()
	for _, g := range f.gids {
		binary.Write(h, binary.BigEndian, uint16(g))
	}
	sum := h.Sum(nil)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	base = string(tag) + "+" + base

	s := f.src
	em := func(v int) string { return num(float64(v) * 1000 / float64(s.unitsPerEm)) }
	type0, cidFont, desc, file, toUni := o.reserve(), o.reserve(), o.reserve(), o.reserve(), o.reserve()
	o.set(type0, fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>",
		base, cidFont, toUni))
	var w strings.Builder
	for cid, g := range f.gids[1:] {
		if cid > 0 {
			w.WriteByte(' ')
		}
		adv, _ := s.hmetric(g)
		w.WriteString(em(adv))
	}
	notdef, _ := s.hmetric(0)
	o.set(cidFont, fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW %s /W [1 [%s]] /CIDToGIDMap /Identity >>",
		base, desc, em(notdef), w.String()))
	flags := 32 // nonsymbolic
	if s.italic != 0 {
		flags |= 64
	}
	o.set(desc, fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%s %s %s %s] /ItalicAngle %s /Ascent %s /Descent %s /CapHeight %s /StemV 80 /FontFile2 %d 0 R >>",
		base, flags, em(s.bbox[0]), em(s.bbox[1]), em(s.bbox[2]), em(s.bbox[3]), num(s.italic), em(s.ascent), em(s.descent), em(s.capHeight), file))
	if err := o.stream(file, fmt.Sprintf(" /Length1 %d", len(prog)), prog); err != nil {
		return 0, err
	}
	if err := o.stream(toUni, "", f.toUnicode()); err != nil {
		return 0, err
	}
	return type0, nil
}

// toUnicode returns the ToUnicode CMap mapping each CID to its text.
func (f *fontRes) toUnicode() []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	cids := f.text[1:]
	for len(cids) > 0 {
		n := min(len(cids), 100)
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, t := range cids[:n] {
			fmt.Fprintf(&b, "<%04X> <", len(f.text)-len(cids)) // the CID
			for _, u := range utf16Units(t) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
			cids = cids[1:]
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// utf16Units returns s in UTF-16.
func utf16Units(s string) []uint16 { return utf16.Encode([]rune(s)) }
