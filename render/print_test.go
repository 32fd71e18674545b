package render

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrint prints the page with Chromium, the slider moved to another epoch first, and reads
// the PDF's text: the figures must show the final epoch, the small multiples must be printed
// (their panel titles) and the controls must not. Set MAXGROK_PRINT=dir to keep the PDF.
func TestPrint(t *testing.T) {
	needChromium(t)
	if testing.Short() {
		t.Skip("printing is not checked in -short mode")
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	r := slidingRun(16, 2000, 50)
	dir := t.TempDir()
	writeSite(t, dir, r, false)
	out := os.Getenv("MAXGROK_PRINT")
	if out == "" {
		out = t.TempDir()
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(out, "print.pdf")
	page := (&url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "index.html")), Fragment: "epoch=500"}).String()
	runChromium(t, "--virtual-time-budget=15000", "--no-pdf-header-footer", "--print-to-pdf="+pdf, page)
	b, err := exec.Command("pdftotext", "-enc", "UTF-8", pdf, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, b)
	}
	text := string(b)
	final := r.Epochs[len(r.Epochs)-1]
	if !strings.Contains(text, fmt.Sprintf("Figures show epoch %d of %d", final, final)) {
		t.Errorf("the printed page does not show the final epoch %d:\n%.600s", final, text)
	}
	for _, p := range multiplesPanels(Phases(r), r.Epochs) {
		if !strings.Contains(text, p.Label) {
			t.Errorf("the printed page lacks the small multiples' panel %q", p.Label)
		}
	}
	for _, bad := range []string{"Play", "Speed", "Download:", "CSV"} {
		if strings.Contains(text, bad) {
			t.Errorf("the printed page shows %q (a control)", bad)
		}
	}
}
