// Package pdfcanvas implements gonum/plot's vg.Canvas by writing a small, deterministic,
// one-page PDF 1.4 document.
//
// It exists because gonum's vgpdf embeds each TrueType font whole (some 220 KB for Liberation
// Sans), encodes text in code page 1252 (so U+2212 MINUS SIGN, ≥ or Greek letters are lost),
// stamps the time of writing into the file and draws images upside down. A Canvas instead
// writes:
//
//   - paths as PDF path operators (arcs and quadratic curves as cubic Bézier curves), with
//     the line width, dash pattern and colour set only when they change; colours with alpha
//     use an ExtGState with /CA and /ca;
//   - Push/Pop as q/Q and Translate, Rotate and Scale as cm, so the PDF coordinate system
//     (points, origin at the bottom left) is vg's;
//   - text as text: each TrueType face drawn with (font.Face.Face) is embedded as a glyph
//     subset (a Type0 font over a CIDFontType2 with Identity-H encoding), holding only the
//     glyphs used, with a ToUnicode CMap so that text extraction and search give back the
//     original characters. The glyph advances and the kerning are the font's own, the same
//     that gonum/plot measures text with, so alignment is exact and any character the font has
//     (−, ·, ², ×, ≥, Greek, …) is drawn and extracted correctly. Characters missing from the
//     font are drawn as its .notdef glyph and are lost to extraction;
//   - images as Flate-compressed 8-bit DeviceRGB image XObjects, with a DeviceGray soft mask
//     when they are not opaque, and /Interpolate false so that viewers keep small images (a
//     64×64 heatmap) crisp. An image is drawn the right way up: its first row at rect.Max.Y.
//     Identical images are embedded once.
//
// Why a subset of the drawing font rather than the standard Helvetica: Helvetica needs no
// embedding but only covers WinAnsiEncoding, which has no minus sign, no ≥ and no Greek; a
// subset of Liberation Sans covering a figure's labels costs about 10–15 KB and renders the
// same glyphs as the PNG and SVG figures.
//
// The output is a function of the drawing calls only: there is no date and no document ID,
// objects are numbered in the order of first use, and the subset font's name tag is derived
// from its glyphs. Streams are compressed with compress/zlib, so the bytes can change with the
// Go release.
//
// Limits: one page; only TrueType (glyf) outlines can be embedded, not CFF; no clipping
// (vg.Canvas has none); errors met while drawing are reported by WriteTo.
package pdfcanvas
