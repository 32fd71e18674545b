// Package compute is the model, its training and its analyses, and nothing else: a one-layer,
// attention-only transformer (TransformerLens 1.12.1's layout and names) learning max(a, b)
// from inputs (a, b, EOS), written out as plain forward and backward passes (model.go), trained
// with PyTorch's AdamW or Adam (train.go) from PyTorch's own initial weights (init.go and
// package torchrng), and analysed at every checkpoint (analysis.go, cubic.go). It owns the
// run config and its keys (config.go, configkeys.go), the table of analyses (series.go) and the
// in-memory Run (run.go); reading and writing files is package runstore's, and this package
// imports no file system package.
//
// The exact math is docs/math.md; the shapes use V = vocab, n = seq_len, d = d_model,
// h = d_head, B = batch size throughout.
//
// What it does not do: sequences longer than two tokens, more heads or layers, inputs without
// EOS (the config refuses them), and anything on a GPU. Everything is float64 on the CPU; the
// results do not depend on the number of cores.
package compute
