//go:build amd64 && !amd64.v3 && !amd64.v4

package compute

// stdUnfused reports whether the standard library's math functions are compiled without fused
// multiply-adds here (amd64 below GOAMD64=v3), so that log1pGo must equal math.Log1p bit for bit.
const stdUnfused = true
