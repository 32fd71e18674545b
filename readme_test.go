package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"maxgrok/compute"
	"maxgrok/render"
	"maxgrok/runstore"
)

// readmeExample is a row of the README's table of content fields and functions:
// `{{...}}` → `result` (or “result“ when the result has backticks).
var readmeExample = regexp.MustCompile("`(\\{\\{.+?\\}\\})` → (?:`` (.+?) ``|`(.+?)`) \\|$")

// TestReadmeContentExamples runs every example of the README's table of content fields and
// functions on the default run and checks that it renders as the README says (as Hugo's
// template functions carry their examples as tests), so a wrong example fails.
func TestReadmeContentExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the default run (about 2 s)")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	type example struct{ in, want string }
	var examples []example
	for _, line := range strings.Split(string(readme), "\n") {
		if m := readmeExample.FindStringSubmatch(line); m != nil {
			examples = append(examples, example{m[1], m[2] + m[3]})
		}
	}
	if len(examples) < 15 {
		t.Fatalf("found %d examples in the README's table, expected every row's", len(examples))
	}
	r, err := runstore.Cache{Dir: t.TempDir()}.Get(context.Background(), runstore.Request{Config: compute.DefaultConfig(), Policy: runstore.UseOrTrain})
	if err != nil {
		t.Fatal(err)
	}
	data := render.NewContentData(r)
	html := func(md string) string {
		sections, err := render.RenderContent(fstest.MapFS{"a.md": {Data: []byte("# T\n\n" + md + "\n")}}, data)
		if err != nil {
			t.Fatalf("%s: %v", md, err)
		}
		return string(sections[0].HTML)
	}
	for _, ex := range examples {
		t.Run(ex.in, func(t *testing.T) {
			if got, want := html(ex.in), html(ex.want); got != want {
				t.Errorf("%s renders as %q, the README says %s (%q)", ex.in, got, ex.want, want)
			}
		})
	}
}
