package compute

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// Go's float64 trainer against PyTorch's own float32 runs of other configs than the default
// (testdata/torchrun_README.txt says how each run was made; the default run is
// testdata/reference_metrics.csv).
//
// What can be compared and how closely: the first epochs follow PyTorch's float32 refCurve to float32
// noise, but the grokking transition amplifies any difference. Perturbing the initial weights by
// 1e-12 relative (TestReferenceSensitivity, MAXGROK_SENSITIVITY=8, 1 unperturbed + 8 perturbed Go
// runs) spreads the first epoch with test accuracy >= 0.99 / with train accuracy 1 over:
//
//	config          Go spread (test >= 0.99)  PyTorch   Go spread (train = 1)  PyTorch
//	default         1940..2000                1970      1526..1540             1529
//	seed7           2720..2850                2850      2332..2354             2350
//	seed42_adj0125  1790..1820                1800      1511..1552             1543
//	lr003           560..720                  560       573..742               583
//	seed1 (5000)    3150..3330                3290      2569..2758             2681
//
// and the largest test accuracy difference from PyTorch at a checkpoint over those runs is at
// most 0.049 (default), 0.040 (seed7), 0.061 (seed42_adj0125), 0.022 (lr003) but 0.056..0.113
// (seed1, which groks slowly and late). PyTorch lies inside every spread: it behaves as one more
// member of the Go ensemble. So the transition epochs are checked against the spread of a few Go
// runs (see TestTorchRuns), and seed1, whose single Go run is 100 epochs and 0.10 test accuracy
// away from PyTorch mid-transition, is checked on its first epochs and its end only.

const (
	refEarlyEpochs = 50   // train loss compared at epochs 1..refEarlyEpochs
	refEarlyRel    = 1e-5 // relative tolerance on those losses (float32 noise)
	refEpochSlack  = 20   // allowed distance of the transition epochs from the Go runs' spread
	refTestAccTol  = 0.06 // allowed test accuracy difference at every checkpoint

	refMaxPerturbed = 4 // at most this many perturbed Go runs when the transition epochs differ
)

// torchRun is one PyTorch run saved in testdata and the config that reproduces it.
type torchRun struct {
	name     string
	file     string  // metrics.csv of the PyTorch run
	seed     uint64  // --model-seed
	adjacent []int   // --adjacent
	lr, wd   float64 // --lr, --wd
	epochs   int     // --epochs
	// chaotic: the transition is so sensitive (see the table above) that a single Go run is not
	// comparable with PyTorch's through it; only the first epochs and the end are checked.
	chaotic bool
}

var torchRuns = []torchRun{
	{name: "default", file: "reference_metrics.csv", seed: 613947648, adjacent: []int{0, 1, 2, 17}, lr: 1e-3, wd: 1, epochs: 3000},
	{name: "seed1", file: "torchrun_seed1_e5000_metrics.csv", seed: 1, adjacent: []int{0, 1, 2, 17}, lr: 1e-3, wd: 1, epochs: 5000, chaotic: true},
	{name: "seed7", file: "torchrun_seed7_metrics.csv", seed: 7, adjacent: []int{0, 1, 2, 17}, lr: 1e-3, wd: 1, epochs: 3000},
	{name: "seed42_adj0125", file: "torchrun_seed42_adj0125_metrics.csv", seed: 42, adjacent: []int{0, 1, 2, 5}, lr: 1e-3, wd: 1, epochs: 3000},
	{name: "lr003", file: "torchrun_lr003_metrics.csv", seed: 613947648, adjacent: []int{0, 1, 2, 17}, lr: 3e-3, wd: 1, epochs: 1500},
}

// config returns the Go config of the run: the default one with the run's flags, and a training
// set of exactly the forced pairs, as the reference script's.
func (r torchRun) config() Config {
	c := DefaultConfig()
	c.ModelSeed = r.seed
	c.ForceAdjacent = append([]int{}, r.adjacent...)
	c.LR, c.WeightDecay, c.Epochs = r.lr, r.wd, r.epochs
	c.TrainingRatio = 0
	c.TrainingRatio = float64(c.TrainSize()) / float64(c.Vocab*c.Vocab) // the forced pairs only
	return c
}

// refCurve is what the comparisons read from a run: the training metrics of every epoch and the
// test accuracy of every checkpoint epoch.
type refCurve struct {
	trainLoss, trainAcc []float64 // by epoch
	testAcc             map[int]float64
}

func refCurveOfRows(rows []MetricRow) refCurve {
	cv := refCurve{testAcc: map[int]float64{}}
	for _, r := range rows {
		cv.trainLoss = append(cv.trainLoss, r.TrainLoss)
		cv.trainAcc = append(cv.trainAcc, r.TrainAcc)
		if r.HasTest {
			cv.testAcc[r.Epoch] = r.TestAcc
		}
	}
	return cv
}

// firstTest returns the first checkpoint epoch with test accuracy >= acc, or -1.
func (cv refCurve) firstTest(acc float64) int {
	first := -1
	for e, a := range cv.testAcc {
		if a >= acc && (first < 0 || e < first) {
			first = e
		}
	}
	return first
}

// firstTrain returns the first epoch with train accuracy >= acc, or -1.
func (cv refCurve) firstTrain(acc float64) int {
	for e, a := range cv.trainAcc {
		if a >= acc {
			return e
		}
	}
	return -1
}

func (cv refCurve) final() (epoch int, acc float64) {
	epoch = len(cv.trainAcc) - 1
	return epoch, cv.testAcc[epoch]
}

// perturbInit multiplies every weight of p by 1 + rel*u, u uniform in [-1, 1) from seed.
func perturbInit(p *Params, rel float64, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	for i := range p.NumWeights() {
		p.Data[i] *= 1 + rel*(2*r.Float64()-1)
	}
}

// trainRefCurve trains c in Go from its seeded initial weights, perturbed by rel (none if 0), and
// evaluates the test set at every checkpoint.
func trainRefCurve(t testing.TB, c Config, rel float64, seed uint64) refCurve {
	t.Helper()
	p, err := InitParams(c)
	if err != nil {
		t.Fatal(err)
	}
	if rel != 0 {
		perturbInit(p, rel, seed)
	}
	_, test := Split(c)
	ev := NewEvaluator(DimsOf(c), c.UseLog1p)
	cv := refCurve{testAcc: map[int]float64{}}
	ms, err := NewTrainer(c, p).Train(context.Background(), true, func(epoch int, p *Params) error {
		TablesForward(ev.Tables, p)
		_, cv.testAcc[epoch] = ev.Eval(test, false)
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.Epoch != i {
			t.Fatalf("metrics %d are of epoch %d", i, m.Epoch)
		}
		cv.trainLoss = append(cv.trainLoss, m.TrainLoss)
		cv.trainAcc = append(cv.trainAcc, m.TrainAcc)
	}
	return cv
}

func readTorchRun(t testing.TB, r torchRun) refCurve {
	t.Helper()
	rows, err := readMetricsCSV("testdata/" + r.file)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != r.epochs+1 {
		t.Fatalf("%s: %d rows, want epochs 0..%d", r.file, len(rows), r.epochs)
	}
	return refCurveOfRows(rows)
}

// TestTorchRuns trains each saved PyTorch run's config in Go (float64) and compares it with
// PyTorch's float32 refCurve: (1) train loss at epochs 1..50 within 1e-5 relative; (2) the first
// epoch with test accuracy >= 0.99 and the first with train accuracy 1 each within 20 epochs;
// (3) test accuracy within 0.06 at every checkpoint; (4) the same final test accuracy. (2) and (3)
// are skipped for chaotic runs. In -short mode only the first 50 epochs are trained and (1)
// checked.
func TestTorchRuns(t *testing.T) {
	for _, r := range torchRuns {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			ref := readTorchRun(t, r)
			c := r.config()
			if testing.Short() {
				c.Epochs = refEarlyEpochs // the first epochs do not depend on the total
			}
			got := trainRefCurve(t, c, 0, 0)

			// (1) the first epochs, to float32 noise
			worst := 0.0
			for e := 1; e <= refEarlyEpochs; e++ {
				rel := math.Abs(got.trainLoss[e]-ref.trainLoss[e]) / math.Abs(ref.trainLoss[e])
				worst = max(worst, rel)
				if rel > refEarlyRel {
					t.Errorf("epoch %d: train loss %.9g, PyTorch %.9g (relative difference %.2g > %g)", e, got.trainLoss[e], ref.trainLoss[e], rel, refEarlyRel)
				}
			}
			t.Logf("epochs 1..%d: largest relative train loss difference %.2g", refEarlyEpochs, worst)
			if testing.Short() {
				return
			}

			// (4) the end
			ge, ga := got.final()
			re, ra := ref.final()
			if ge != re || ga != ra {
				t.Errorf("final test accuracy: Go %v at epoch %d, PyTorch %v at epoch %d", ga, ge, ra, re)
			}
			if r.chaotic {
				d, e := refTestAccDiff(t, got, ref)
				t.Logf("chaotic run: transition not compared (first epochs Go %v, PyTorch %v; largest test accuracy difference %.4f at epoch %d); TestReferenceSensitivity covers it", refFirsts(got), refFirsts(ref), d, e)
				return
			}

			// (2) the transition epochs. They are chaotic: 1e-12 relative changes of the initial
			// weights move them by tens of epochs. So when the Go run is more than refEpochSlack
			// from PyTorch, Go runs from perturbed initial weights (fixed seeds) are added until
			// PyTorch's epochs lie within the Go runs' spread ± refEpochSlack, or refMaxPerturbed
			// runs have not brought them there.
			what := [2]string{"first epoch with test accuracy >= 0.99", "first epoch with train accuracy 1"}
			rf, gf := refFirsts(ref), refFirsts(got)
			for j := range rf {
				t.Logf("%s: Go %d, PyTorch %d", what[j], gf[j], rf[j])
				if rf[j] < 0 {
					t.Fatalf("%s: PyTorch's run never gets there; pick a run that groks", what[j])
				}
			}
			lo, hi := gf, gf
			inside := func() bool {
				for j := range rf {
					if lo[j] < 0 || rf[j] < lo[j]-refEpochSlack || rf[j] > hi[j]+refEpochSlack {
						return false
					}
				}
				return true
			}
			runs := []string{fmt.Sprintf("%d/%d", gf[0], gf[1])}
			for seed := uint64(1); !inside() && seed <= refMaxPerturbed; seed++ {
				f := refFirsts(trainRefCurve(t, r.config(), 1e-12, seed))
				runs = append(runs, fmt.Sprintf("%d/%d", f[0], f[1]))
				for j := range f {
					if f[j] < 0 || lo[j] < 0 {
						lo[j], hi[j] = -1, -1 // a run that never gets there fails the check
						continue
					}
					lo[j], hi[j] = min(lo[j], f[j]), max(hi[j], f[j])
				}
			}
			if len(runs) > 1 {
				t.Logf("Go first epochs (test >= 0.99 / train 1), unperturbed then 1e-12 perturbed: %s", strings.Join(runs, " "))
			}
			for j := range rf {
				if lo[j] < 0 || rf[j] < lo[j]-refEpochSlack || rf[j] > hi[j]+refEpochSlack {
					t.Errorf("%s: PyTorch %d lies outside the Go runs' spread [%d, %d] ± %d", what[j], rf[j], lo[j], hi[j], refEpochSlack)
				}
			}

			// (3) test accuracy at every checkpoint
			worst, worstEpoch := refTestAccDiff(t, got, ref)
			t.Logf("largest test accuracy difference %.4f at epoch %d (Go %.4f, PyTorch %.4f)", worst, worstEpoch, got.testAcc[worstEpoch], ref.testAcc[worstEpoch])
			if worst > refTestAccTol {
				t.Errorf("test accuracy differs by %.4f > %g at epoch %d (Go %.4f, PyTorch %.4f)", worst, refTestAccTol, worstEpoch, got.testAcc[worstEpoch], ref.testAcc[worstEpoch])
			}
		})
	}
}

// refTestAccDiff returns the largest test accuracy difference of got from ref over ref's checkpoints,
// and its epoch.
func refTestAccDiff(t testing.TB, got, ref refCurve) (worst float64, epoch int) {
	t.Helper()
	for e, a := range ref.testAcc {
		g, ok := got.testAcc[e]
		if !ok {
			t.Errorf("epoch %d: no Go test accuracy", e)
			continue
		}
		if d := math.Abs(g - a); d > worst || (d == worst && e < epoch) {
			worst, epoch = d, e
		}
	}
	return worst, epoch
}

// refFirsts returns the first epoch with test accuracy >= 0.99 and the first with train accuracy 1.
func refFirsts(cv refCurve) [2]int { return [2]int{cv.firstTest(0.99), cv.firstTrain(1)} }

// TestReferenceSensitivity measures how far 1e-12 relative perturbations of the initial weights
// move the transition epochs of each config, against PyTorch's. It takes a minute; run it with
// MAXGROK_SENSITIVITY=N (N perturbations per config; 1 means 4).
func TestReferenceSensitivity(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("MAXGROK_SENSITIVITY"))
	if n <= 0 {
		t.Skip("set MAXGROK_SENSITIVITY=N to run N perturbed trainings per config")
	}
	if n == 1 {
		n = 4
	}
	for _, r := range torchRuns {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			ref := readTorchRun(t, r)
			c := r.config()
			lo := [2]int{math.MaxInt, math.MaxInt}
			hi := [2]int{math.MinInt, math.MinInt}
			var seen []string
			for i := range n + 1 {
				rel := 1e-12
				if i == 0 {
					rel = 0 // the unperturbed run
				}
				cv := trainRefCurve(t, c, rel, uint64(i))
				f := refFirsts(cv)
				for j := range f {
					lo[j], hi[j] = min(lo[j], f[j]), max(hi[j], f[j])
				}
				d, _ := refTestAccDiff(t, cv, ref)
				_, fin := cv.final()
				seen = append(seen, fmt.Sprintf("%d/%d/%.3f/%g", f[0], f[1], d, fin))
			}
			rf := refFirsts(ref)
			t.Logf("first test acc >= 0.99 / first train acc 1 / largest test acc difference from PyTorch / final test acc, unperturbed then perturbed: %s", strings.Join(seen, " "))
			for j, what := range []string{"first test acc >= 0.99", "first train acc 1"} {
				inside := rf[j] >= lo[j]-refEpochSlack && rf[j] <= hi[j]+refEpochSlack
				t.Logf("%s: Go spread [%d, %d], PyTorch %d, inside spread ±%d: %v", what, lo[j], hi[j], rf[j], refEpochSlack, inside)
				if !inside {
					t.Errorf("%s: PyTorch's %d lies outside the Go spread [%d, %d] ± %d", what, rf[j], lo[j], hi[j], refEpochSlack)
				}
			}
		})
	}
}
