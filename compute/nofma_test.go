package compute

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestNoFusedMultiplyAdds compiles the numerical packages for targets where the Go compiler
// fuses x*y + z into one instruction unless x*y is converted to float64 (amd64 with
// GOAMD64=v3, arm64), and fails on any fused instruction not accounted for by a math.FMA call
// on its source line (one instruction per call, counted per function, as an inlined line
// appears in each function it is inlined into): the training, the analyses and the initial
// weights must round the same under every compiler setting, and only lossExp's math.FMA and
// torchrng's fma32, which mirrors an FMA instruction on purpose, may compile to one. It takes a
// compilation per target (about 15 s each with a cold build cache), so -short skips it.
func TestNoFusedMultiplyAdds(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the packages for other targets")
	}
	goTool, err := exec.LookPath("go") // go test puts its GOROOT/bin first on PATH
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	// listing lines: "maxgrok/compute.lossExp STEXT ..." opens a function; an instruction is
	// "0x0038 00056 (/path/compute/lossexp.go:38)	VFMADD231SD	X1, X2, X0" (amd64) or
	// "...	FMADDD	F1, F2, F3, F0" (arm64)
	function := regexp.MustCompile(`^(\S+) STEXT`)
	fused := regexp.MustCompile(`\((\S+\.go):(\d+)\)\s+(VFN?M(ADD|SUB)\w*|FN?M(ADD|SUB)[DS])\s`)
	for _, target := range [][]string{{"GOARCH=amd64", "GOAMD64=v3"}, {"GOARCH=arm64"}} {
		t.Run(strings.Join(target, ","), func(t *testing.T) {
			cmd := exec.Command(goTool, "build", "-gcflags=maxgrok/compute/...=-S", "-o", os.DevNull, "maxgrok/compute", "maxgrok/compute/torchrng")
			cmd.Env = append(append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0"), target...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v: %v\n%s", cmd, err, out.Bytes())
			}
			count := map[[2]string]int{} // (function, file:line) → fused instructions
			fn := ""
			sc := bufio.NewScanner(&out)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				if m := function.FindStringSubmatch(sc.Text()); m != nil {
					fn = m[1]
				} else if m := fused.FindStringSubmatch(sc.Text()); m != nil {
					count[[2]string{fn, m[1] + ":" + m[2]}]++
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if len(count) == 0 {
				t.Fatal("no fused instruction at all: lossExp's math.FMA should compile to some; is the listing's format still the one parsed here?")
			}
			sources := map[string][]string{}
			for key, n := range count {
				file, lineText, _ := strings.Cut(key[1], ".go:")
				file += ".go"
				if filepath.Base(file) == "fma32.go" {
					continue // torchrng's fma32 mirrors _mm256_fmadd_ps
				}
				lines, ok := sources[file]
				if !ok {
					b, err := os.ReadFile(file)
					if err != nil {
						t.Fatal(err)
					}
					lines = strings.Split(string(b), "\n")
					sources[file] = lines
				}
				line, _ := strconv.Atoi(lineText)
				text := ""
				if line >= 1 && line <= len(lines) {
					text = lines[line-1]
				}
				if calls := strings.Count(text, "math.FMA("); n > calls {
					t.Errorf("%s in %s: %d fused multiply-adds for %d math.FMA calls: %s (convert the product to float64)", key[1], key[0], n, calls, strings.TrimSpace(text))
				}
			}
		})
	}
}
