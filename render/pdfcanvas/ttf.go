package pdfcanvas

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// sfntFont is the parsed table directory of a TrueType font, with the few header fields the
// subsetter and the font descriptor need.
type sfntFont struct {
	tables     map[string][]byte
	unitsPerEm int
	numGlyphs  int
	longLoca   bool
	numHMetric int
	bbox       [4]int // xMin, yMin, xMax, yMax in font units
	ascent     int
	descent    int
	capHeight  int
	italic     float64 // italic angle in degrees
}

// parseSFNT parses the tables of a TrueType (glyf-outline) font.
func parseSFNT(b []byte) (*sfntFont, error) {
	if len(b) < 12 {
		return nil, errors.New("font too short")
	}
	switch v := binary.BigEndian.Uint32(b); v {
	case 0x00010000, 0x74727565: // 1.0, "true"
	default:
		return nil, fmt.Errorf("not a TrueType font (sfnt version %#x)", v)
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < 12+16*n {
		return nil, errors.New("truncated table directory")
	}
	f := &sfntFont{tables: make(map[string][]byte, n)}
	for i := range n {
		e := b[12+16*i:]
		tag := string(e[:4])
		off, length := binary.BigEndian.Uint32(e[8:]), binary.BigEndian.Uint32(e[12:])
		if uint64(off)+uint64(length) > uint64(len(b)) {
			return nil, fmt.Errorf("table %q out of bounds", tag)
		}
		f.tables[tag] = b[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if f.tables[tag] == nil {
			return nil, fmt.Errorf("no %q table (only TrueType outlines are supported)", tag)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, errors.New("truncated head, hhea or maxp table")
	}
	f.unitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	if f.unitsPerEm == 0 {
		return nil, errors.New("unitsPerEm is 0")
	}
	for i := range 4 {
		f.bbox[i] = int(int16(binary.BigEndian.Uint16(head[36+2*i:])))
	}
	f.longLoca = binary.BigEndian.Uint16(head[50:]) != 0
	f.ascent = int(int16(binary.BigEndian.Uint16(hhea[4:])))
	f.descent = int(int16(binary.BigEndian.Uint16(hhea[6:])))
	f.numHMetric = int(binary.BigEndian.Uint16(hhea[34:]))
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	f.capHeight = f.ascent
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		f.capHeight = int(int16(binary.BigEndian.Uint16(os2[88:])))
	}
	if post := f.tables["post"]; len(post) >= 8 {
		f.italic = float64(int32(binary.BigEndian.Uint32(post[4:]))) / 65536
	}
	if f.numHMetric == 0 || len(f.tables["hmtx"]) < 4*f.numHMetric {
		return nil, errors.New("bad hmtx table")
	}
	want := 2 * (f.numGlyphs + 1)
	if f.longLoca {
		want *= 2
	}
	if len(f.tables["loca"]) < want {
		return nil, errors.New("truncated loca table")
	}
	return f, nil
}

// glyph returns the glyf data of glyph g (empty for a glyph without outline).
func (f *sfntFont) glyph(g int) ([]byte, error) {
	if g < 0 || g >= f.numGlyphs {
		return nil, fmt.Errorf("glyph %d out of range", g)
	}
	loca := f.tables["loca"]
	var lo, hi int
	if f.longLoca {
		lo, hi = int(binary.BigEndian.Uint32(loca[4*g:])), int(binary.BigEndian.Uint32(loca[4*g+4:]))
	} else {
		lo, hi = 2*int(binary.BigEndian.Uint16(loca[2*g:])), 2*int(binary.BigEndian.Uint16(loca[2*g+2:]))
	}
	glyf := f.tables["glyf"]
	if lo > hi || hi > len(glyf) {
		return nil, fmt.Errorf("glyph %d: bad loca offsets", g)
	}
	return glyf[lo:hi], nil
}

// hmetric returns the advance width and left side bearing of glyph g.
func (f *sfntFont) hmetric(g int) (adv, lsb int) {
	hmtx := f.tables["hmtx"]
	if g < f.numHMetric {
		return int(binary.BigEndian.Uint16(hmtx[4*g:])), int(int16(binary.BigEndian.Uint16(hmtx[4*g+2:])))
	}
	adv = int(binary.BigEndian.Uint16(hmtx[4*(f.numHMetric-1):]))
	if i := 4*f.numHMetric + 2*(g-f.numHMetric); i+2 <= len(hmtx) {
		lsb = int(int16(binary.BigEndian.Uint16(hmtx[i:])))
	}
	return adv, lsb
}

// Composite glyph flags.
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// components calls fn with the byte offset of each component glyph index of a composite glyph.
func components(data []byte, fn func(at int) error) error {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil
	}
	for at := 10; ; {
		if at+4 > len(data) {
			return errors.New("truncated composite glyph")
		}
		flags := binary.BigEndian.Uint16(data[at:])
		if err := fn(at + 2); err != nil {
			return err
		}
		at += 4
		if flags&argsAreWords != 0 {
			at += 4
		} else {
			at += 2
		}
		switch {
		case flags&haveScale != 0:
			at += 2
		case flags&haveXYScale != 0:
			at += 4
		case flags&haveTwoByTwo != 0:
			at += 8
		}
		if flags&moreComponents == 0 {
			return nil
		}
	}
}

// subset returns a TrueType font holding the glyphs gids (old glyph indices) as new glyphs
// 0, 1, … in that order, followed by the components of composite glyphs that gids does not
// list. gids[0] should be 0 (.notdef). Hinting tables are kept; cmap, kern, GPOS and the
// like are dropped (a PDF CIDFontType2 with an Identity CIDToGIDMap needs none of them).
func (f *sfntFont) subset(gids []int) ([]byte, error) {
	order := slices.Clone(gids)
	index := make(map[int]int, len(order))
	for i, g := range order {
		index[g] = i
	}
	var glyphs [][]byte
	for i := 0; i < len(order); i++ {
		data, err := f.glyph(order[i])
		if err != nil {
			return nil, err
		}
		data = slices.Clone(data)
		err = components(data, func(at int) error {
			old := int(binary.BigEndian.Uint16(data[at:]))
			if old >= f.numGlyphs {
				return fmt.Errorf("glyph %d: component %d out of range", order[i], old)
			}
			k, ok := index[old]
			if !ok {
				k = len(order)
				index[old] = k
				order = append(order, old)
			}
			binary.BigEndian.PutUint16(data[at:], uint16(k))
			return nil
		})
		if err != nil {
			return nil, err
		}
		glyphs = append(glyphs, data)
	}
	if len(order) > 0xFFFF {
		return nil, errors.New("too many glyphs")
	}

	var glyf, loca, hmtx []byte
	for i, data := range glyphs {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		glyf = append(glyf, data...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		adv, lsb := f.hmetric(order[i])
		hmtx = binary.BigEndian.AppendUint16(hmtx, uint16(adv))
		hmtx = binary.BigEndian.AppendUint16(hmtx, uint16(int16(lsb)))
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	hhea := slices.Clone(f.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(len(order)))
	maxp := slices.Clone(f.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(len(order)))
	post := make([]byte, 32) // format 3: no glyph names
	binary.BigEndian.PutUint32(post, 0x00030000)
	if p := f.tables["post"]; len(p) >= 32 {
		copy(post[4:16], p[4:16]) // italic angle, underline position and thickness, isFixedPitch
	}

	tables := map[string][]byte{
		"head": head, "hhea": hhea, "maxp": maxp, "hmtx": hmtx, "loca": loca, "glyf": glyf, "post": post,
	}
	for _, tag := range []string{"cvt ", "fpgm", "prep", "OS/2", "gasp"} {
		if t := f.tables[tag]; t != nil {
			tables[tag] = t
		}
	}
	out := writeSFNT(tables)
	binary.BigEndian.PutUint32(out[headOffset(out)+8:], 0xB1B0AFBA-checksum(out))
	return out, nil
}

// writeSFNT writes a font file with the given tables, in tag order.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	n := len(tags)
	es, sel := 1, 0
	for es*2 <= n {
		es *= 2
		sel++
	}
	out := binary.BigEndian.AppendUint32(nil, 0x00010000)
	out = binary.BigEndian.AppendUint16(out, uint16(n))
	out = binary.BigEndian.AppendUint16(out, uint16(16*es))
	out = binary.BigEndian.AppendUint16(out, uint16(sel))
	out = binary.BigEndian.AppendUint16(out, uint16(16*(n-es)))
	off := 12 + 16*n
	for _, t := range tags {
		d := tables[t]
		out = append(out, t...)
		out = binary.BigEndian.AppendUint32(out, checksum(d))
		out = binary.BigEndian.AppendUint32(out, uint32(off))
		out = binary.BigEndian.AppendUint32(out, uint32(len(d)))
		off += (len(d) + 3) &^ 3
	}
	for _, t := range tags {
		out = append(out, tables[t]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// headOffset returns the offset of the head table in a font written by writeSFNT.
func headOffset(b []byte) int {
	n := int(binary.BigEndian.Uint16(b[4:]))
	for i := range n {
		if string(b[12+16*i:16+16*i]) == "head" {
			return int(binary.BigEndian.Uint32(b[12+16*i+8:]))
		}
	}
	return 0
}

// checksum is the sfnt table checksum: the sum of big-endian uint32s, zero padded.
func checksum(b []byte) uint32 {
	var s uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		s += binary.BigEndian.Uint32(w[:])
	}
	return s
}
