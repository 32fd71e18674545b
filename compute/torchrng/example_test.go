package torchrng_test

import (
	"fmt"
	"math"
	"testing"

	"maxgrok/compute/torchrng"
)

// The first weights of the max-of-2 model: torch.manual_seed(613947648), then
// W_E (65x32) .normal_(0, 0.8/sqrt(32)).
func ExampleMT19937_Normal() {
	g := torchrng.NewMT19937(613947648)
	std := float32(0.8 / math.Sqrt(32))
	wE, err := g.Normal(65*32, std)
	if err != nil {
		panic(err)
	}
	for _, v := range wE[:4] {
		fmt.Printf("%.9g %#08x\n", v, math.Float32bits(v))
	}
	// Output:
	// 0.0669032857 0x3d890497
	// 0.01658329 0x3c87d9ae
	// 0.0714426786 0x3d92508a
	// -0.153051808 0xbe1cb99d
}

func ExampleMT19937_Uint32() {
	g := torchrng.NewMT19937(5489) // std::mt19937's default seed
	fmt.Println(g.Uint32(), g.Uint32())
	// Output: 3499211612 581869302
}

func BenchmarkTransformerLensInit(b *testing.B) {
	sizes := []int{65 * 32, 3 * 32, 1024, 1024, 1024, 1024, 32 * 64}
	std := float32(0.8 / math.Sqrt(32))
	for b.Loop() {
		if _, err := torchrng.TransformerLensInit(613947648, sizes, std); err != nil {
			b.Fatal(err)
		}
	}
}
