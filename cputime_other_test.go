//go:build !unix

package main

import "time"

// processCPU reports false: the benchmarks then give no CPU time.
func processCPU() (time.Duration, bool) { return 0, false }
