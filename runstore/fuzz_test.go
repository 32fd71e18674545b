package runstore

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParseMetrics checks that no metrics.csv makes ParseMetrics panic, that accepted rows are
// finite and consecutive, and that they survive a round trip.
func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte("epoch,train_loss,train_acc,test_loss,test_acc\n0,4.17,0.01,4.17,0.008\n1,4.1,0.02,,\n"))
	f.Add([]byte("epoch,train_loss,train_acc,test_loss,test_acc\r\n0,1,1,,\r\n"))
	f.Add([]byte("epoch,train_loss,train_acc,test_loss,test_acc\n0,NaN,0,,\n"))
	f.Add([]byte("epoch,train_loss\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseMetrics("fuzz.csv", bytes.NewReader(data))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "metrics fuzz.csv: ") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for i, r := range rows {
			if r.Epoch != i {
				t.Fatalf("row %d has epoch %d", i, r.Epoch)
			}
		}
		again, err := ParseMetrics("again.csv", bytes.NewReader(MarshalMetrics(rows)))
		if err != nil || !bytes.Equal(MarshalMetrics(again), MarshalMetrics(rows)) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
