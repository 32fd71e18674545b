package compute

import "fmt"

// Size limits checked before a run starts, so that a config too large for memory or a web host
// fails at once with an estimate rather than after hours of training.
const (
	MaxMemoryBytes  = 4 << 30  // checkpoints and analyses held in memory
	MaxExportBytes  = 1 << 30  // data/analyses.safetensors
	MaxPayloadBytes = 95 << 20 // the slider's heatmaps before compression (GitHub Pages refuses files over 100 MB)
)

// EstimateMemoryBytes is the memory a run of c holds: every checkpoint's weights and every
// checkpoint's analyses, in float64.
func EstimateMemoryBytes(c Config) int64 {
	m := DimsOf(c)
	T := int64(c.NumCheckpoints())
	V, n := int64(m.V), int64(m.N)
	perAnalysis := 3*V*V + 3*V + n + n*V + 8
	return 8 * T * (int64(m.NumParams()) + perAnalysis)
}

// EstimatePayloadBytes is the size of the slider's 8-bit heatmaps (OV and margins) for every
// checkpoint before compression: a lower bound on the payload a browser must load.
func EstimatePayloadBytes(c Config) int64 {
	return 2 * int64(c.NumCheckpoints()) * int64(c.Vocab) * int64(c.Vocab)
}

// CheckSize refuses configs whose run would not fit in memory or whose site would not fit on a
// web host, with the estimate and what to change.
func CheckSize(c Config) error {
	const hint = "raise checkpoint_every or lower vocab"
	mib := func(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
	if b := EstimateMemoryBytes(c); b > MaxMemoryBytes {
		return fmt.Errorf("config too large: its %d checkpoints and analyses need about %s of memory (limit %s); %s", c.NumCheckpoints(), mib(b), mib(MaxMemoryBytes), hint)
	}
	if b := EstimateExportBytes(c); b > MaxExportBytes {
		return fmt.Errorf("config too large: data/analyses.safetensors would be %s (limit %s); %s", mib(b), mib(MaxExportBytes), hint)
	}
	if b := EstimatePayloadBytes(c); b > MaxPayloadBytes {
		return fmt.Errorf("config too large: the slider's payload would be at least %s (limit %s for a web host); %s", mib(b), mib(MaxPayloadBytes), hint)
	}
	return nil
}
