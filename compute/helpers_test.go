package compute

import (
	"encoding/binary"
	"math"
	"os"
	"testing"
)

// goldenInit reads the reference initial weights (float32, TransformerLens order) for the
// default config into Params.
func goldenInit(t testing.TB) *Params {
	t.Helper()
	b, err := os.ReadFile("testdata/init_seed613947648_avx2.f32")
	if err != nil {
		t.Fatal(err)
	}
	p := NewParams(DimsOf(DefaultConfig()))
	if len(b) != 4*p.NumWeights() {
		t.Fatalf("golden init: %d bytes, want %d", len(b), 4*p.NumWeights())
	}
	for i := range p.NumWeights() {
		p.Data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return p
}
