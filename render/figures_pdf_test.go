package render

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// maxFigurePDFBytes bounds each figure's PDF up to the default vocabulary, 64 (a heatmap of a
// larger one holds V² pixels that random test data keeps from compressing).
const maxFigurePDFBytes = 60 << 10

// figPDFTexts are texts pdftotext must find in each figure's PDF (its axis labels).
var figPDFTexts = map[string][]string{
	"qk":          {"input token", "attention score (pre-softmax)"},
	"ov_centered": {"input token", "output logit token", "logit of the input token"},
	"ov":          {"input token", "output logit token", "logit contribution"},
	"pos_qk":      {"position", "attention score (pre-softmax)"},
	"irrelevant":  {"output logit token", "logit value", "EOS direct"},
	"margin":      {"a (first input token)", "b (second input token)", "margin (logits)"},
	"loss":        {"epoch", "loss", "train", "test"},
	"accuracy":    {"epoch", "accuracy", "certified bound (cubic)"},
	"l2_norm":     {"epoch", "L2 norm of the weights"},
}

// figCheckPDF checks a figure's PDF: its size, its structure (the cross-reference table points
// at every object), no date or ID, and, with poppler's tools where installed, that every font is
// an embedded subset and that the texts want come out as text.
func figCheckPDF(t *testing.T, name string, pdf []byte, V int, want []string) {
	t.Helper()
	if len(pdf) > maxFigurePDFBytes && V <= 64 {
		t.Errorf("%s: PDF is %d bytes, the limit is %d", name, len(pdf), maxFigurePDFBytes)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("%s: no PDF header or EOF marker", name)
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatalf("%s: no startxref", name)
	}
	at, _ := strconv.Atoi(string(m[1]))
	xref := regexp.MustCompile(`^xref\n0 (\d+)\n0000000000 65535 f \n`).FindSubmatch(pdf[at:])
	if xref == nil {
		t.Fatalf("%s: startxref %d does not point at a cross-reference table", name, at)
	}
	n, _ := strconv.Atoi(string(xref[1]))
	entries := pdf[at+len(xref[0]):]
	for i := 1; i < n; i++ {
		off, _ := strconv.Atoi(string(entries[20*(i-1) : 20*(i-1)+10]))
		if !bytes.HasPrefix(pdf[off:], []byte(strconv.Itoa(i)+" 0 obj\n")) {
			t.Fatalf("%s: xref entry %d points at %q", name, i, pdf[off:min(len(pdf), off+12)])
		}
	}
	for _, bad := range []string{"/CreationDate", "/ModDate", "/ID"} {
		if bytes.Contains(pdf, []byte(bad)) {
			t.Errorf("%s: PDF has %s", name, bad)
		}
	}
	file := filepath.Join(t.TempDir(), name+".pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("pdffonts"); err != nil {
		t.Log("pdffonts not installed (poppler-utils): fonts not checked")
	} else {
		out, err := exec.Command("pdffonts", file).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: pdffonts: %v\n%s", name, err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) < 3 {
			t.Errorf("%s: no font:\n%s", name, out)
		}
		for _, l := range lines[min(2, len(lines)):] {
			// name, type (2 words), encoding, emb, sub, uni, object ID (2 words)
			if f := strings.Fields(l); len(f) != 9 || !strings.Contains(f[0], "+") || f[4] != "yes" || f[5] != "yes" || f[6] != "yes" {
				t.Errorf("%s: font is not an embedded subset with ToUnicode: %s", name, l)
			}
		}
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext not installed (poppler-utils): text not checked")
		return
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("%s: pdftotext: %v\n%s", name, err, out)
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("%s: pdftotext does not find %q in:\n%s", name, w, out)
		}
	}
}

func TestFiguresPDF(t *testing.T) {
	tests := []struct {
		name string
		V    int
	}{{"V8", 8}, {"V64", 64}, {"V300", 300}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range figMust(t, figSyntheticRun(tc.V, 4), true) {
				want, ok := figPDFTexts[f.Name]
				if !ok {
					t.Errorf("%s: no texts to look for in figPDFTexts", f.Name)
				}
				figCheckPDF(t, f.Name, f.PDF, tc.V, want)
			}
		})
	}
}
