package runstore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"maxgrok/compute"
	"maxgrok/internal/inputfile"
	"strconv"
	"strings"
)

const metricsHeader = "epoch,train_loss,train_acc,test_loss,test_acc"

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// MarshalMetrics returns metrics.csv (docs/formats.md, "The run folder"): a header, then one row per epoch;
// the test columns are empty where there is no test evaluation. Numbers are written in the
// shortest form that reads back exactly.
func MarshalMetrics(rows []compute.MetricRow) []byte {
	var b bytes.Buffer
	b.WriteString(metricsHeader + "\n")
	for _, r := range rows {
		b.WriteString(strconv.Itoa(r.Epoch))
		b.WriteByte(',')
		b.WriteString(formatFloat(r.TrainLoss))
		b.WriteByte(',')
		b.WriteString(formatFloat(r.TrainAcc))
		b.WriteByte(',')
		if r.HasTest {
			b.WriteString(formatFloat(r.TestLoss))
			b.WriteByte(',')
			b.WriteString(formatFloat(r.TestAcc))
		} else {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// ParseMetrics reads metrics.csv: the exact header, then rows for consecutive epochs from 0,
// finite train values, and test values either both empty or both finite; losses at least 0
// and accuracies from 0 to 1. name is used in
// errors, which give the line and the column.
func ParseMetrics(name string, r io.Reader) ([]compute.MetricRow, error) {
	sc := bufio.NewScanner(io.LimitReader(r, MaxMetricsBytes))
	sc.Buffer(make([]byte, 0, 4096), 4096)
	line := 0
	var rows []compute.MetricRow
	cols := strings.Split(metricsHeader, ",")
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			if text != metricsHeader {
				return nil, fmt.Errorf("metrics %s: line 1: header %q, expected %q", name, text, metricsHeader)
			}
			continue
		}
		if text == "" {
			continue
		}
		f := strings.Split(text, ",")
		if len(f) != 5 {
			return nil, fmt.Errorf("metrics %s: line %d: %d fields, expected 5", name, line, len(f))
		}
		epoch, err := strconv.Atoi(f[0])
		if err != nil || epoch != len(rows) {
			return nil, fmt.Errorf("metrics %s: line %d: column epoch: %q, expected %d (one row per epoch from 0)", name, line, f[0], len(rows))
		}
		row := compute.MetricRow{Epoch: epoch}
		vals := []*float64{nil, &row.TrainLoss, &row.TrainAcc, &row.TestLoss, &row.TestAcc}
		for i := 1; i < 5; i++ {
			if f[i] == "" && i >= 3 {
				continue
			}
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("metrics %s: line %d: column %s: %q, expected a finite number", name, line, cols[i], f[i])
			}
			if acc := i%2 == 0; v < 0 || acc && v > 1 {
				what := "a loss, at least 0"
				if acc {
					what = "an accuracy, from 0 to 1"
				}
				return nil, fmt.Errorf("metrics %s: line %d: column %s: %s, expected %s", name, line, cols[i], f[i], what)
			}
			*vals[i] = v
		}
		if (f[3] == "") != (f[4] == "") {
			return nil, fmt.Errorf("metrics %s: line %d: test_loss and test_acc must both be given or both empty", name, line)
		}
		row.HasTest = f[3] != ""
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("metrics %s: line %d: %w", name, line+1, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("metrics %s: no rows", name)
	}
	return rows, nil
}

// ReadMetricsFile reads and parses a metrics.csv file.
func ReadMetricsFile(path string) ([]compute.MetricRow, error) {
	f, _, err := inputfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer f.Close()
	return ParseMetrics(path, f)
}
