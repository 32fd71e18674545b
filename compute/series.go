package compute

import (
	"fmt"
	"math"
)

// This file is the one table of the analyses: every quantity computed at a checkpoint, with its
// shape, its meaning, how the report's payload stores it and the figure that draws it. The
// Analysis struct holds the values; everything that lists analyses (allocation, validation,
// data/analyses.safetensors, the payload header, the size estimates, the explanations' facts)
// reads this table instead of naming them again. docs/math.md gives the formulas.

// Extent is the shape of one checkpoint's value of an analysis, in V = vocab and n = seq_len.
type Extent int

// The extents.
const (
	Scalar        Extent = iota // []
	PerToken                    // [V]
	PerPosition                 // [n]
	PerPosToken                 // [n, V]
	PerTokenToken               // [V, V], row-major
)

// Shape returns the shape of one checkpoint's value for sizes m.
func (e Extent) Shape(m Dims) []int {
	switch e {
	case PerToken:
		return []int{m.V}
	case PerPosition:
		return []int{m.N}
	case PerPosToken:
		return []int{m.N, m.V}
	case PerTokenToken:
		return []int{m.V, m.V}
	}
	return nil
}

// Size returns the number of values of one checkpoint's value for sizes m.
func (e Extent) Size(m Dims) int {
	n := 1
	for _, s := range e.Shape(m) {
		n *= s
	}
	return n
}

// Encoding is how the report's payload stores an analysis over the checkpoints (render/payload.go
// documents each kind): the kind, and the bits of a quantised one.
type Encoding struct {
	Kind string // "q8", "q16", "f32" or "derived"
	Bits int    // q8, q16: |q| <= 2^(Bits-1) - 1
}

// The payload encodings.
var (
	EncQ8      = Encoding{"q8", 8}   // the heatmaps
	EncQ16Line = Encoding{"q16", 15} // curves over tokens: 4 significant digits of their range
	EncQ16Full = Encoding{"q16", 16}
	EncF32     = Encoding{"f32", 0}     // one float32 per checkpoint, rounded to 15 mantissa bits
	EncDerived = Encoding{"derived", 0} // not stored: the page computes it (AnalysisSpec.DerivedFrom)
)

// AnalysisSpec is one row of the table of analyses.
type AnalysisSpec struct {
	Name     string   // in data/analyses.safetensors and the payload
	Extent   Extent   // the shape of one checkpoint's value
	Weights  bool     // from the weights alone (no biases), as the notebook computes it
	Meaning  string   // one line, with the shape letters of docs/math.md
	Encoding Encoding // in the payload
	Figure   string   // the report figure that draws it ("" for none)
	// Metric marks the train and test loss and accuracy: a run's metrics.csv, where it has
	// them, is the source of truth for these. PerEpoch marks the metrics metrics.csv has at
	// every epoch, not only at checkpoints (the train loss and accuracy).
	Metric, PerEpoch bool
	// DerivedFrom and Derive say how an EncDerived analysis is computed from another one
	// ("centre": x[t, j] − x[t, t]).
	DerivedFrom, Derive string

	array  func(a *Analysis) *[]float64 // non-scalar extents
	scalar func(a *Analysis) *float64   // Scalar
}

// Values returns a's value of the analysis, row-major (for a scalar, a new one-element slice).
func (s *AnalysisSpec) Values(a *Analysis) []float64 {
	if s.scalar != nil {
		return []float64{*s.scalar(a)}
	}
	return *s.array(a)
}

// MaxAbs returns the largest |x| over the finite values x of a's value of the analysis (0 if
// there is none): the scale of its heatmap and of its payload array, over the checkpoints. For an
// array analysis that Analyze made it is the maximum Analyze took while the values were in
// cache (one pass over the run's 30 MB of matrices fewer for each use), which an analysis
// changed afterwards keeps; otherwise a pass over the values.
func (s *AnalysisSpec) MaxAbs(a *Analysis) float64 {
	if s.array != nil && a.maxAbs != nil {
		for i := range Analyses {
			if &Analyses[i] == s {
				return a.maxAbs[i]
			}
		}
	}
	return maxAbs(s.Values(a))
}

// maxAbs returns the largest |x| over the finite values of xs, 0 if there is none.
func maxAbs(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		// no branch on the sign, which is random in a heatmap; NaN and ±Inf fail the second test
		if v := math.Abs(x); v > m && v <= math.MaxFloat64 {
			m = v
		}
	}
	return m
}

// Analyses is the table of analyses, in the order of the export and the payload. It is read
// only.
var Analyses = []AnalysisSpec{
	{Name: "qk", Extent: PerToken, Weights: true, Encoding: EncQ16Line, Figure: "qk",
		Meaning: "x_eos Q Kᵀ (E[t] + Pbar)ᵀ − x_eos Q Kᵀ x_eosᵀ: the EOS query's score for token t, minus its score for itself",
		array:   func(a *Analysis) *[]float64 { return &a.QK }},
	{Name: "ov", Extent: PerTokenToken, Weights: true, Encoding: EncQ8, Figure: "ov",
		Meaning: "(E[t] + Pbar) V O U: row t = input token, column = output logit",
		array:   func(a *Analysis) *[]float64 { return &a.OV }},
	{Name: "ov_centered", Extent: PerTokenToken, Weights: true, Encoding: EncDerived, Figure: "ov_centered",
		DerivedFrom: "ov", Derive: "centre",
		Meaning: "ov[t, x] − ov[t, t]",
		array:   func(a *Analysis) *[]float64 { return &a.OVCentered }},
	{Name: "pos_qk", Extent: PerPosition, Weights: true, Encoding: EncQ16Full, Figure: "pos_qk",
		Meaning: "x_eos Q Kᵀ (P[p] − Pbar)ᵀ: the EOS query's score for position p",
		array:   func(a *Analysis) *[]float64 { return &a.PosQK }},
	{Name: "eos_direct", Extent: PerToken, Weights: true, Encoding: EncQ16Line, Figure: "irrelevant",
		Meaning: "x_eos U: the EOS token's direct path to the logits",
		array:   func(a *Analysis) *[]float64 { return &a.EOSDirect }},
	{Name: "eos_ov", Extent: PerToken, Weights: true, Encoding: EncQ16Line, Figure: "irrelevant",
		Meaning: "x_eos V O U: the EOS token's contribution through the OV circuit",
		array:   func(a *Analysis) *[]float64 { return &a.EOSOV }},
	{Name: "pos_ov", Extent: PerPosToken, Weights: true, Encoding: EncQ16Line, Figure: "irrelevant",
		Meaning: "(P[p] − Pbar) V O U: position p's contribution through the OV circuit",
		array:   func(a *Analysis) *[]float64 { return &a.PosOV }},
	{Name: "margin", Extent: PerTokenToken, Encoding: EncQ8, Figure: "margin",
		Meaning: "logit of max(a, b) minus the largest other logit for input (a, b, EOS); a tie gives 0",
		array:   func(a *Analysis) *[]float64 { return &a.Margin }},
	{Name: "l2_norm", Extent: Scalar, Encoding: EncF32, Figure: "l2_norm",
		Meaning: "the square root of the sum of squares of every parameter",
		scalar:  func(a *Analysis) *float64 { return &a.L2Norm }},
	{Name: "brute_force_acc", Extent: Scalar, Encoding: EncF32, Figure: "accuracy",
		Meaning: "accuracy over all V² inputs",
		scalar:  func(a *Analysis) *float64 { return &a.BruteForceAcc }},
	{Name: "cubic_bound", Extent: Scalar, Encoding: EncF32, Figure: "accuracy",
		Meaning: "a certified lower bound on brute_force_acc, in O(V³) time",
		scalar:  func(a *Analysis) *float64 { return &a.CubicBound }},
	{Name: "train_loss", Extent: Scalar, Encoding: EncF32, Figure: "loss", Metric: true, PerEpoch: true,
		Meaning: "mean loss over the training pairs",
		scalar:  func(a *Analysis) *float64 { return &a.TrainLoss }},
	{Name: "train_acc", Extent: Scalar, Encoding: EncF32, Figure: "accuracy", Metric: true, PerEpoch: true,
		Meaning: "accuracy over the training pairs",
		scalar:  func(a *Analysis) *float64 { return &a.TrainAcc }},
	{Name: "test_loss", Extent: Scalar, Encoding: EncF32, Figure: "loss", Metric: true,
		Meaning: "mean loss over the test pairs (NaN when every pair trains)",
		scalar:  func(a *Analysis) *float64 { return &a.TestLoss }},
	{Name: "test_acc", Extent: Scalar, Encoding: EncF32, Figure: "accuracy", Metric: true,
		Meaning: "accuracy over the test pairs (NaN when every pair trains)",
		scalar:  func(a *Analysis) *float64 { return &a.TestAcc }},
}

// AnalysisByName returns the row of the table called name, or nil.
func AnalysisByName(name string) *AnalysisSpec {
	for i := range Analyses {
		if Analyses[i].Name == name {
			return &Analyses[i]
		}
	}
	return nil
}

// AnalysisValues returns the number of float64 values one checkpoint's analyses hold for sizes
// m, scalars included.
func AnalysisValues(m Dims) int {
	n := 0
	for i := range Analyses {
		n += Analyses[i].Extent.Size(m)
	}
	return n
}

// NewAnalysis returns an analysis of sizes m with every array allocated (zero), in one
// allocation.
func NewAnalysis(m Dims) *Analysis {
	a := &Analysis{}
	size := 0
	for i := range Analyses {
		if Analyses[i].array != nil {
			size += Analyses[i].Extent.Size(m)
		}
	}
	buf := make([]float64, size)
	for i := range Analyses {
		s := &Analyses[i]
		if s.array != nil {
			k := s.Extent.Size(m)
			*s.array(a) = buf[:k:k]
			buf = buf[k:]
		}
	}
	return a
}

// Check reports whether a has the sizes m for every analysis. With finite, it also refuses NaN
// and infinite values, except in the test metrics of a config without test pairs (testEmpty).
// The error names the analysis and the epoch.
func (a *Analysis) Check(m Dims, finite, testEmpty bool) error {
	for i := range Analyses {
		s := &Analyses[i]
		vals := s.Values(a)
		if want := s.Extent.Size(m); len(vals) != want {
			return fmt.Errorf("analysis %q at epoch %d: %d values, want %d (shape %v)", s.Name, a.Epoch, len(vals), want, s.Extent.Shape(m))
		}
		if !finite || (testEmpty && (s.Name == "test_loss" || s.Name == "test_acc")) {
			continue
		}
		for j, v := range vals {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("analysis %q at epoch %d: value %d is %v (expected finite numbers)", s.Name, a.Epoch, j, v)
			}
		}
	}
	return nil
}
