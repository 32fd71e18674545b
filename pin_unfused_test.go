//go:build amd64 && !amd64.v3

package main

// renderFuses reports whether the Go compiler may fuse products into multiply-adds in code
// this module does not control (gonum/plot draws the figures): not on amd64 below GOAMD64=v3.
const renderFuses = false
