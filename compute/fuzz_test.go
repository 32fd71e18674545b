package compute

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzDecodeConfig checks that no config file makes DecodeConfig panic, and that an accepted
// config is valid and survives a round trip through its own JSON.
func FuzzDecodeConfig(f *testing.F) {
	f.Add([]byte(`{"vocab": 32, "epochs": 10}`))
	f.Add(DefaultConfig().MarshalIndent())
	f.Add([]byte(`{"force_adjacent": [0, 1], "betas": [0.5, 0.5], "lr": 1e-2}`))
	f.Add([]byte(`{"model_seed": 18446744073709551615, "seed": -5}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeConfig("fuzz.json", bytes.NewReader(data), DefaultConfig())
		if err != nil {
			if !strings.HasPrefix(err.Error(), "config fuzz.json: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted an invalid config: %v", err)
		}
		again, err := DecodeConfig("again.json", bytes.NewReader(c.MarshalIndent()), DefaultConfig())
		if err != nil || !bytes.Equal(again.MarshalIndent(), c.MarshalIndent()) {
			t.Fatalf("round trip: %v\n%s\n%s", err, c.MarshalIndent(), again.MarshalIndent())
		}
	})
}
