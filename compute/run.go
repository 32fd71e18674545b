package compute

// Run is a trained or loaded run: its config, the weights of every checkpoint (until the run is
// analysed: the run folder keeps them), the metrics of every epoch and the analyses.
type Run struct {
	Config      Config
	Epochs      []int       // checkpoint epochs, increasing
	Checkpoints []*Params   // weights at Epochs[i]; nil once the run is analysed (its folder holds them)
	Metrics     []MetricRow // one per epoch 0..Config.Epochs
	Analyses    []*Analysis // per checkpoint, when analysed
}

// MetricRow is one line of metrics.csv: the loss and accuracy of the weights of one epoch on
// the training set, and on the test set at checkpoint epochs (HasTest).
type MetricRow struct {
	Epoch               int
	TrainLoss, TrainAcc float64
	TestLoss, TestAcc   float64
	HasTest             bool
}

// FillTestMetrics copies the analyses' test loss and accuracy into the metrics rows.
func (r *Run) FillTestMetrics() {
	for i, e := range r.Epochs {
		if a := r.Analyses[i]; a != nil && e < len(r.Metrics) {
			r.Metrics[e].TestLoss, r.Metrics[e].TestAcc, r.Metrics[e].HasTest = a.TestLoss, a.TestAcc, true
		}
	}
}
