package torchfile_test

import (
	"fmt"
	"log"
	"os"

	"maxgrok/torchfile"
)

func Example() {
	f, err := os.Open("testdata/gbmi.pth")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	v, err := torchfile.Read(f, fi.Size())
	if err != nil {
		log.Fatal(err)
	}
	top, ok := v.(*torchfile.Dict)
	if !ok {
		log.Fatalf("the file holds a %T, not a dict", v)
	}
	sd, _ := top.Get("model")
	keys, tensors, err := torchfile.StateDict(sd)
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range keys[:3] {
		t := tensors[k]
		fmt.Println(k, t.Dtype, t.Shape, t.Data[:2])
	}
	cfg, _ := top.Get("model_config")
	o := cfg.(*torchfile.Object)
	dv, _ := o.State.(*torchfile.Dict).Get("d_vocab")
	fmt.Println(o.Module, o.Name, "d_vocab", dv)
	// Output:
	// embed.W_E float32 [65 32] [-3 -2.75]
	// pos_embed.W_pos float32 [3 32] [1 0.5]
	// blocks.0.attn.W_Q float32 [1 32 32] [0.1303291618824005 -0.07731456309556961]
	// transformer_lens_fake.HookedTransformerConfig HookedTransformerConfig d_vocab 65
}
