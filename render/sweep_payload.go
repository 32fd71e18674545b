package render

// The sweep page's payload: what its slider and hover read. Decompressed, it is the magic
// MXGKSWP1, a uint32 (little-endian) header length, a JSON header, then one byte per run per
// slider epoch, run-major:
//
//	header: {"version": 1, "epochs": [...], "levels": 250,
//	         "runs": [{"name": ..., "href": ..., "phase": ...,
//	                   "memorised": E, "grokked": E}, ...],  (-1: never)
//	         "cells": [[run, ...], ...],        the phase diagram's cells (absent without one)
//	         "phases": [[phase, "#rrggbb"], ...], the phases in the cells' order, with their colours
//	         "frames": {"curves": Frame, ...}}  the figures over epochs
//
// With the memorised and grokked epochs the slider colours each run's part of its cell by its
// phase so far (phaseSoFar), as the static figure colours it by its final phase.
//
// Run r's byte at slider position t is its test accuracy at epoch epochs[t] (at its last
// checkpoint at or before it), quantised to round(acc·levels), 255 where it has no value; the
// bytes are stored as differences (mod 256) from the previous position's, the first as is.
// 1,000 runs of 301 checkpoints make about 300 KB before compression, well under 400 KB after.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
)

const (
	sweepMagic  = "MXGKSWP1"
	sweepLevels = 250
)

type sweepPayloadRun struct {
	Name      string `json:"name"`
	Href      string `json:"href"`
	Phase     string `json:"phase"`
	Memorised int    `json:"memorised"`
	Grokked   int    `json:"grokked"`
}

type sweepPayloadHeader struct {
	Version int               `json:"version"`
	Epochs  []int             `json:"epochs"`
	Levels  int               `json:"levels"`
	Runs    []sweepPayloadRun `json:"runs"`
	Cells   [][]int           `json:"cells,omitempty"`
	Phases  [][2]string       `json:"phases"`
	Frames  map[string]Frame  `json:"frames"`
}

func encodeSweepPayload(d SweepData, epochs []int, figs []sweepFig) ([]byte, error) {
	h := sweepPayloadHeader{Version: 1, Epochs: epochs, Levels: sweepLevels, Frames: map[string]Frame{}}
	if h.Epochs == nil {
		h.Epochs = []int{}
	}
	for _, r := range d.Runs {
		h.Runs = append(h.Runs, sweepPayloadRun{r.Name, r.Href, r.Phase, r.Memorised, r.Grokked})
	}
	for _, ph := range sweepPhases {
		c := phaseColor(ph, 1)
		h.Phases = append(h.Phases, [2]string{ph, fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)})
	}
	for _, f := range figs {
		if f.overEpochs {
			h.Frames[f.name] = f.frame
		}
		if f.cells != nil {
			h.Cells = f.cells
			for i := range h.Cells {
				if h.Cells[i] == nil {
					h.Cells[i] = []int{}
				}
			}
		}
	}
	hdr, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("sweep payload: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(sweepMagic)
	binary.Write(&b, binary.LittleEndian, uint32(len(hdr)))
	b.Write(hdr)
	U := len(epochs)
	row := make([]byte, U)
	for i := range d.Runs {
		prev := byte(0)
		for t, e := range epochs {
			q := byte(255)
			if a := accAt(&d.Runs[i], e); !math.IsNaN(a) {
				q = byte(math.Round(math.Max(0, math.Min(1, a)) * sweepLevels))
			}
			row[t] = q - prev
			prev = q
		}
		b.Write(row)
	}
	return b.Bytes(), nil
}
