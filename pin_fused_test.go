//go:build !amd64 || amd64.v3

package main

// renderFuses reports whether the Go compiler may fuse products into multiply-adds in code
// this module does not control (gonum/plot draws the figures): here it may, so the figures,
// the page and the payload's figure frames may differ in the last digits of coordinates.
const renderFuses = true
