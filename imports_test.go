package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportRules holds the layout of the README's "Layout" section: which packages may import
// which (non-test code). forbidden is checked against a package's own imports (the standard
// library's fmt itself imports os), ours against everything it depends on (go list -deps).
func TestImportRules(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	for _, rule := range []struct {
		pkg       string
		forbidden []string // direct imports the package may not have
		ours      []string // the only packages of this module it may depend on ("*": any)
	}{
		{"maxgrok/compute", []string{"os", "io/fs", "path/filepath", "maxgrok/safetensors"}, []string{"maxgrok/compute/torchrng"}},
		{"maxgrok/compute/torchrng", nil, []string{}},
		{"maxgrok/safetensors", nil, []string{}},
		{"maxgrok/torchfile", nil, []string{}},
		{"maxgrok/render", []string{"maxgrok/runstore", "maxgrok/publish", "maxgrok"}, []string{"*"}},
		{"maxgrok/runstore", []string{"maxgrok/render", "maxgrok/publish"}, []string{"*"}},
		{"maxgrok/publish", []string{"maxgrok/compute", "maxgrok/render", "maxgrok/runstore"}, []string{"*"}},
		{"maxgrok/sweep", []string{"maxgrok/render", "maxgrok/publish", "os", "maxgrok"}, []string{"*"}},
	} {
		imports, err := exec.Command("go", "list", "-f", "{{join .Imports \" \"}}", rule.pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", rule.pkg, err)
		}
		for _, d := range strings.Fields(string(imports)) {
			if slices.Contains(rule.forbidden, d) {
				t.Errorf("%s imports %s", rule.pkg, d)
			}
		}
		out, err := exec.Command("go", "list", "-deps", rule.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", rule.pkg, err)
		}
		for _, d := range strings.Fields(string(out)) {
			if d == rule.pkg {
				continue
			}
			if (d == "maxgrok" || strings.HasPrefix(d, "maxgrok/")) && !slices.Contains(rule.ours, "*") && !slices.Contains(rule.ours, d) {
				t.Errorf("%s depends on %s; it may depend on %v only", rule.pkg, d, rule.ours)
			}
		}
	}
}
