package safetensors_test

import (
	"bytes"
	"fmt"
	"log"
	"os"

	"maxgrok/safetensors"
)

func Example() {
	var buf bytes.Buffer
	err := safetensors.Write(&buf, []safetensors.Tensor{
		{Name: "w", DType: safetensors.F32, Shape: []int{2, 2}, F64: []float64{1, 2, 3, 0.1}},
		{Name: "h", DType: safetensors.F16, Shape: []int{2}, F64: []float64{1.0 / 3, 70000}},
		{Name: "step", DType: safetensors.I64, Shape: []int{}, I64: []int64{1500}},
	}, map[string]string{"epoch": "1500"})
	if err != nil {
		log.Fatal(err)
	}

	f, err := safetensors.Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("epoch", f.Metadata["epoch"])
	for _, t := range f.Tensors {
		fmt.Println(t.Name, t.DType, t.Shape, t.Begin, t.End)
	}
	w, shape, _ := f.Float64s("w")
	fmt.Println(w, shape)
	h, _, _ := f.Float64s("h")
	fmt.Println(h)
	step, _, _ := f.Int64s("step")
	fmt.Println(step)

	// A damaged file gives an error, never a panic.
	data := buf.Bytes()[:buf.Len()-4]
	_, err = safetensors.Read(bytes.NewReader(data), int64(len(data)))
	fmt.Println(err)
	// Output:
	// epoch 1500
	// h F16 [2] 24 28
	// step I64 [] 0 8
	// w F32 [2 2] 8 24
	// [1 2 3 0.10000000149011612] [2 2]
	// [0.333251953125 +Inf]
	// [1500]
	// safetensors: tensor "h": data_offsets [24 28] exceed the 24-byte buffer
}

func ExampleReadHeader() {
	// ReadHeader lists the tensors of a checkpoint without reading them.
	fd, err := os.Open("../compute/testdata/ref_epoch-00000.safetensors")
	if err != nil {
		log.Fatal(err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		log.Fatal(err)
	}
	f, err := safetensors.ReadHeader(fd, st.Size())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("epoch", f.Metadata["epoch"])
	for _, t := range f.Tensors {
		fmt.Printf("%-18s %s %v\n", t.Name, t.DType, t.Shape)
	}
	// Output:
	// epoch 0
	// blocks.0.attn.W_K  F32 [1 32 32]
	// blocks.0.attn.W_O  F32 [1 32 32]
	// blocks.0.attn.W_Q  F32 [1 32 32]
	// blocks.0.attn.W_V  F32 [1 32 32]
	// embed.W_E          F32 [65 32]
	// pos_embed.W_pos    F32 [3 32]
	// unembed.W_U        F32 [32 64]
}
