package render

import "fmt"

// ExampleDecodePayload encodes the slider's payload for a small run (8 tokens, checkpoints at
// epochs 0, 50 and 100) and lists the arrays the page reads: the 8-bit heatmaps, the 15-bit
// curves and the float metrics.
func ExampleDecodePayload() {
	r := slidingRun(8, 100, 50)
	figs, err := Figures(r, false)
	if err != nil {
		panic(err)
	}
	b, err := EncodePayload(r, figs)
	if err != nil {
		panic(err)
	}
	p, err := DecodePayload(b)
	if err != nil {
		panic(err)
	}
	fmt.Println("checkpoints:", p.Checkpoints, "vocab:", p.Vocab)
	for _, a := range p.Arrays {
		fmt.Println(a.Name, a.Enc, a.Shape)
	}
	// Output:
	// checkpoints: 3 vocab: 8
	// epoch i32 [3]
	// qk q16 [3 8]
	// pos_qk q16 [3 2]
	// eos_direct q16 [3 8]
	// eos_ov q16 [3 8]
	// pos_ov q16 [3 2 8]
	// ov q8 [3 8 8]
	// margin q8 [3 8 8]
	// ov_centered derived [3 8 8]
	// l2_norm f32 [3]
	// brute_force_acc f32 [3]
	// cubic_bound f32 [3]
	// test_loss f32 [3]
	// test_acc f32 [3]
	// train_loss f32 [101]
	// train_acc f32 [101]
	// train_mask u8 [8 8]
}
