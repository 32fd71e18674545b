package compute

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestNoFusedMultiplyAdds compiles the numerical packages for GOAMD64=v3, where the Go compiler
// fuses x*y + z into one FMA instruction unless x*y is converted to float64, and fails on any
// fused instruction whose source line does not call math.FMA: the training, the analyses and
// the initial weights must round the same under every compiler setting (the default build,
// GOAMD64=v1, fuses nothing), and only lossExp's explicit math.FMA and torchrng's fma32, which
// mirror FMA instructions on purpose, may compile to them. It takes a compilation (about 15 s
// with a cold build cache), so -short skips it.
func TestNoFusedMultiplyAdds(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the packages for GOAMD64=v3")
	}
	goTool, err := exec.LookPath(filepath.Join(runtime.GOROOT(), "bin", "go"))
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	cmd := exec.Command(goTool, "build", "-gcflags=maxgrok/compute/...=-S", "-o", os.DevNull, "maxgrok/compute", "maxgrok/compute/torchrng")
	cmd.Env = append(os.Environ(), "GOARCH=amd64", "GOAMD64=v3", "GOFLAGS=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %v\n%s", cmd, err, out.Bytes())
	}
	// lines such as "0x0038 00056 (/path/compute/lossexp.go:38)	VFMADD231SD	X1, X2, X0"
	fused := regexp.MustCompile(`\((\S+\.go):(\d+)\)\s+VF(N?)M(ADD|SUB)`)
	sources := map[string][]string{}
	seen, found := map[string]bool{}, 0
	sc := bufio.NewScanner(&out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := fused.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		found++
		file, line := m[1], m[2]
		if seen[file+":"+line] {
			continue
		}
		seen[file+":"+line] = true
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
		n, _ := strconv.Atoi(line)
		if n < 1 || n > len(lines) || !strings.Contains(lines[n-1], "math.FMA(") {
			text := ""
			if n >= 1 && n <= len(lines) {
				text = strings.TrimSpace(lines[n-1])
			}
			t.Errorf("%s:%s compiles to a fused multiply-add under GOAMD64=v3: %s (convert the product to float64)", file, line, text)
		}
	}
	if found == 0 {
		t.Fatal("no fused instruction at all: lossExp's math.FMA should compile to some; is the listing's format still the one parsed here?")
	}
}
