package render

import "maxgrok/compute"

// metricSeries are the train and test loss and accuracy of a run as the report shows them. The
// figures, the payload and the explanations all read them from runMetrics, so that they agree.
type metricSeries struct {
	// At each checkpoint r.Epochs[i].
	TrainLoss, TrainAcc, TestLoss, TestAcc []float64
	// At each epoch from 0 to the last checkpoint's.
	EpochTrainLoss, EpochTrainAcc []float64
}

// runMetrics returns the metrics of run r (every checkpoint analysed). The rule: at each
// checkpoint, the values of metrics.csv's row of that epoch where it has them (the train
// columns when the row exists, the test columns when it has them), else the checkpoint's
// analysis's; at an epoch between checkpoints, the row's train values, else those of the last
// checkpoint before it.
func runMetrics(r *compute.Run) metricSeries {
	T := len(r.Epochs)
	m := metricSeries{
		TrainLoss: make([]float64, T), TrainAcc: make([]float64, T),
		TestLoss: make([]float64, T), TestAcc: make([]float64, T),
	}
	row := func(e int) (compute.MetricRow, bool) {
		if e >= 0 && e < len(r.Metrics) && r.Metrics[e].Epoch == e {
			return r.Metrics[e], true
		}
		return compute.MetricRow{}, false
	}
	for i, a := range r.Analyses {
		m.TrainLoss[i], m.TrainAcc[i], m.TestLoss[i], m.TestAcc[i] = a.TrainLoss, a.TrainAcc, a.TestLoss, a.TestAcc
		if mr, ok := row(r.Epochs[i]); ok {
			m.TrainLoss[i], m.TrainAcc[i] = mr.TrainLoss, mr.TrainAcc
			if mr.HasTest {
				m.TestLoss[i], m.TestAcc[i] = mr.TestLoss, mr.TestAcc
			}
		}
	}
	if T == 0 {
		return m
	}
	E := r.Epochs[T-1] + 1
	m.EpochTrainLoss, m.EpochTrainAcc = make([]float64, E), make([]float64, E)
	j := 0 // the last checkpoint at or before epoch e
	for e := range E {
		for j+1 < T && r.Epochs[j+1] <= e {
			j++
		}
		m.EpochTrainLoss[e], m.EpochTrainAcc[e] = m.TrainLoss[j], m.TrainAcc[j]
		if mr, ok := row(e); ok {
			m.EpochTrainLoss[e], m.EpochTrainAcc[e] = mr.TrainLoss, mr.TrainAcc
		}
	}
	return m
}

// perEpoch returns the per-epoch values of the metric analysis called name (compute.AnalysisSpec.PerEpoch), or
// nil.
func (m *metricSeries) perEpoch(name string) []float64 {
	switch name {
	case "train_loss":
		return m.EpochTrainLoss
	case "train_acc":
		return m.EpochTrainAcc
	}
	return nil
}

// perCheckpoint returns the per-checkpoint values of the metric analysis called name, or nil.
func (m *metricSeries) perCheckpoint(name string) []float64 {
	switch name {
	case "train_loss":
		return m.TrainLoss
	case "train_acc":
		return m.TrainAcc
	case "test_loss":
		return m.TestLoss
	case "test_acc":
		return m.TestAcc
	}
	return nil
}
