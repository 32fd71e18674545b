package compute

// MaxMemoryBytes bounds the memory a run may hold (its checkpoints and analyses), checked before
// a run starts so that a config too large fails at once with an estimate rather than after
// hours of training.
const MaxMemoryBytes = 4 << 30

// EstimateMemoryBytes is the memory a run of c holds: every checkpoint's weights and every
// checkpoint's analyses, in float64.
func EstimateMemoryBytes(c Config) int64 {
	return EstimateMemoryBytesFor(DimsOf(c), c.NumCheckpoints())
}

// EstimateMemoryBytesFor is the memory T checkpoints of sizes m and their analyses hold.
func EstimateMemoryBytesFor(m Dims, T int) int64 {
	return 8 * int64(T) * int64(m.NumParams()+AnalysisValues(m)+1)
}
