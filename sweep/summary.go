package sweep

import (
	"math"

	"maxgrok/compute"
)

// Phase is the outcome of a run, from its metrics (README.md, "Sweeps"):
//
//	diverged       the training loss stopped being finite
//	confusion      train accuracy never reaches 1.0: it never fits the training set
//	memorization   it fits, but test accuracy never reaches GrokAcc
//	comprehension  test accuracy reaches GrokAcc within ComprehensionGap of fitting, or before
//	grokking       it reaches GrokAcc later than that
type Phase string

// The phases, and "failed" for a run that neither finished nor diverged.
const (
	Diverged      Phase = "diverged"
	Confusion     Phase = "confusion"
	Memorization  Phase = "memorization"
	Comprehension Phase = "comprehension"
	Grokking      Phase = "grokking"
	Failed        Phase = "failed"
)

// Phases lists the phases in the order of the sweep page's legend.
var Phases = []Phase{Comprehension, Grokking, Memorization, Confusion, Diverged, Failed}

// GrokAcc is the test accuracy from which a run counts as having generalised.
const GrokAcc = 0.99

// ComprehensionGap is the largest gap, in epochs, between fitting the training set (at epoch
// memorised) and generalising that still counts as comprehension rather than grokking:
// max(100, memorised/10).
func ComprehensionGap(memorised int) int { return max(100, memorised/10) }

// Summary is what a sweep keeps of a run once its report is written.
type Summary struct {
	Point
	Phase          Phase
	MemorisedEpoch int // first epoch with train accuracy 1.0; -1 if never
	GrokkedEpoch   int // first checkpoint epoch with test accuracy >= GrokAcc; -1 if never
	FinalTrainAcc  float64
	FinalTestAcc   float64
	FinalBound     float64 // the certified (cubic) bound at the final checkpoint
	DivergedEpoch  int     // -1 unless Phase is Diverged
	Err            error   // why a Failed run failed
	// The metrics at every checkpoint (empty for a run that diverged or failed).
	Epochs                                 []int
	TrainLoss, TrainAcc, TestLoss, TestAcc []float64
}

// HasReport reports whether the run has a report folder (runs/NAME/ of the site).
func (s *Summary) HasReport() bool { return s.Phase != Diverged && s.Phase != Failed }

// Summarize sums up run r of point p; r's Analyses must be set (for the bound).
func Summarize(p Point, r *compute.Run) *Summary {
	s := &Summary{Point: p, MemorisedEpoch: -1, GrokkedEpoch: -1, DivergedEpoch: -1}
	for _, m := range r.Metrics {
		if m.TrainAcc >= 1 {
			s.MemorisedEpoch = m.Epoch
			break
		}
	}
	for i, e := range r.Epochs {
		var m compute.MetricRow
		if e < len(r.Metrics) {
			m = r.Metrics[e]
		}
		testLoss, testAcc := m.TestLoss, m.TestAcc
		if !m.HasTest && i < len(r.Analyses) && r.Analyses[i] != nil {
			testLoss, testAcc = r.Analyses[i].TestLoss, r.Analyses[i].TestAcc
		}
		s.Epochs = append(s.Epochs, e)
		s.TrainLoss = append(s.TrainLoss, m.TrainLoss)
		s.TrainAcc = append(s.TrainAcc, m.TrainAcc)
		s.TestLoss = append(s.TestLoss, testLoss)
		s.TestAcc = append(s.TestAcc, testAcc)
		if s.GrokkedEpoch < 0 && testAcc >= GrokAcc {
			s.GrokkedEpoch = e
		}
	}
	if n := len(s.Epochs); n > 0 {
		s.FinalTrainAcc, s.FinalTestAcc = s.TrainAcc[n-1], s.TestAcc[n-1]
	}
	if n := len(r.Analyses); n > 0 && r.Analyses[n-1] != nil {
		s.FinalBound = r.Analyses[n-1].CubicBound
	}
	s.Phase = PhaseOf(s.MemorisedEpoch, s.GrokkedEpoch, finite(s.TrainLoss))
	return s
}

// PhaseOf is the phase of a run from its first epoch with train accuracy 1.0 and its first
// checkpoint with test accuracy >= GrokAcc (-1: never), and whether its training loss stayed
// finite.
func PhaseOf(memorised, grokked int, finiteLoss bool) Phase {
	switch {
	case !finiteLoss:
		return Diverged
	case memorised < 0:
		return Confusion
	case grokked < 0:
		return Memorization
	case grokked-memorised <= ComprehensionGap(memorised):
		return Comprehension
	}
	return Grokking
}

func finite(xs []float64) bool {
	for _, x := range xs {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// DivergedSummary is the summary of a run whose training diverged at epoch.
func DivergedSummary(p Point, epoch int) *Summary {
	return &Summary{Point: p, Phase: Diverged, MemorisedEpoch: -1, GrokkedEpoch: -1, DivergedEpoch: epoch,
		FinalTrainAcc: math.NaN(), FinalTestAcc: math.NaN(), FinalBound: math.NaN()}
}

// FailedSummary is the summary of a run that failed with err.
func FailedSummary(p Point, err error) *Summary {
	s := DivergedSummary(p, -1)
	s.Phase, s.Err = Failed, err
	return s
}
