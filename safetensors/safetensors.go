// Package safetensors reads and writes files in the safetensors format
// (https://github.com/huggingface/safetensors), as written by PyTorch and the
// Python safetensors package:
//
//	8 bytes  N, a little-endian uint64: the length of the header
//	N bytes  the header: a UTF-8 JSON object, padded with trailing spaces
//	rest     the byte buffer: tensor data, little-endian, row-major
//
// The header maps each tensor name to an entry
//
//	{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
//
// whose offsets are relative to the start of the byte buffer, and may hold a
// special key "__metadata__" mapping strings to strings.
//
// # Validation
//
// The reader follows the rules of the official implementation: the header
// is at most [MaxHeaderSize] bytes of valid UTF-8 and starts with '{'; it
// is a single JSON object, followed by nothing but JSON whitespace; every
// entry has a known dtype, a shape of non-negative integers and two
// integer data_offsets with end-begin equal to the dtype size times the
// product of the shape; and the tensors, taken in offset order, tile the
// byte buffer exactly: no overlaps, no gaps, no trailing bytes. In addition
// it rejects duplicate keys (which json.Unmarshal into a map, and the
// official implementation, silently collapse), duplicate fields inside an entry, metadata values that are not
// strings, and shapes of more than [MaxDims] dimensions. Unknown fields
// inside a tensor entry are ignored, as the official implementation does.
//
// # Threat model
//
// Files are untrusted: they may be corrupt, truncated or hostile. A bad
// file makes the reader return an error, never panic, and the reader never
// allocates memory in proportion to a length or shape the file claims, only
// in proportion to bytes that are actually there: the header length is
// capped at [MaxHeaderSize] and at the file size minus 8 before anything is
// allocated, shape products are checked for overflow, data_offsets are
// checked against the buffer before any data is read, and a header or
// buffer over 1 MiB is only allocated after reading its last byte has
// succeeded, so a size argument larger than the real file costs nothing.
// Reading a file of S bytes allocates the S bytes themselves, plus the
// parsed header as Go values (names, shapes, metadata: at most a few times
// the header's length, about 5x for a pathological header of tiny
// entries), plus a small constant. The header is parsed without a
// json.Decoder token walk, whose per-token garbage would be dozens of times
// the header's size (see header.go).
//
// The size passed to [Read] and [ReadHeader] is taken as the size of the
// file: the buffer runs from the end of the header to size, and bytes past
// size are ignored. If r holds fewer bytes, Read fails with an error
// matching io.ErrUnexpectedEOF; ReadHeader, which reads only the header,
// cannot tell.
//
// # Errors
//
// Every error message starts with "safetensors: " and names the tensor and
// field at fault, for example
//
//	safetensors: tensor "unembed.W_U": data_offsets [0 9000] exceed the 8192-byte buffer
//
// Errors about a malformed file match [ErrFormat] with [errors.Is]; a dtype
// this package does not know, or cannot convert, matches [ErrUnsupported]
// instead; a file shorter than its header says also matches
// [io.ErrUnexpectedEOF]; a missing tensor matches [ErrNotFound]. Errors of
// the underlying reader or writer are wrapped.
package safetensors

import (
	"errors"
	"fmt"
	"io"
)

// DType is the element type of a tensor, spelled as in the header.
type DType string

// The dtypes of the safetensors format. Every one can be read and written
// as raw header information; [File.Float64s] converts F64, F32, F16 and
// BF16, [File.Int64s] converts I64, I32, I16, I8, U32, U16 and U8, and
// [Write] accepts exactly those convertible dtypes.
const (
	// F64 is IEEE 754 binary64.
	F64 DType = "F64"
	// F32 is IEEE 754 binary32.
	F32 DType = "F32"
	// F16 is IEEE 754 binary16 (half precision).
	F16 DType = "F16"
	// BF16 is bfloat16: the upper 16 bits of a binary32.
	BF16 DType = "BF16"
	// I64 is a signed 64-bit integer.
	I64 DType = "I64"
	// I32 is a signed 32-bit integer.
	I32 DType = "I32"
	// I16 is a signed 16-bit integer.
	I16 DType = "I16"
	// I8 is a signed 8-bit integer.
	I8 DType = "I8"
	// U64 is an unsigned 64-bit integer (parsed, not converted).
	U64 DType = "U64"
	// U32 is an unsigned 32-bit integer.
	U32 DType = "U32"
	// U16 is an unsigned 16-bit integer.
	U16 DType = "U16"
	// U8 is an unsigned 8-bit integer.
	U8 DType = "U8"
	// BOOL is a one-byte boolean (parsed, not converted).
	BOOL DType = "BOOL"
	// C64 is a complex number made of two binary32 (parsed, not converted).
	C64 DType = "C64"
	// F8E4M3 is an 8-bit float, 4 exponent bits (parsed, not converted).
	F8E4M3 DType = "F8_E4M3"
	// F8E5M2 is an 8-bit float, 5 exponent bits (parsed, not converted).
	F8E5M2 DType = "F8_E5M2"
	// F8E8M0 is an 8-bit power-of-two scale (parsed, not converted).
	F8E8M0 DType = "F8_E8M0"
	// F6E2M3 is a 6-bit float, packed (parsed, not converted).
	F6E2M3 DType = "F6_E2M3"
	// F6E3M2 is a 6-bit float, packed (parsed, not converted).
	F6E3M2 DType = "F6_E3M2"
	// F4 is a 4-bit float, packed two to a byte (parsed, not converted).
	F4 DType = "F4"
)

// bits returns the size of one element in bits, or 0 for an unknown dtype.
func (d DType) bits() int {
	switch d {
	case F64, I64, U64, C64:
		return 64
	case F32, I32, U32:
		return 32
	case F16, BF16, I16, U16:
		return 16
	case I8, U8, BOOL, F8E4M3, F8E5M2, F8E8M0:
		return 8
	case F6E2M3, F6E3M2:
		return 6
	case F4:
		return 4
	}
	return 0
}

// isFloat reports whether d converts to float64.
func (d DType) isFloat() bool { return d == F64 || d == F32 || d == F16 || d == BF16 }

// isInt reports whether d converts to int64.
func (d DType) isInt() bool {
	switch d {
	case I64, I32, I16, I8, U32, U16, U8:
		return true
	}
	return false
}

// MaxHeaderSize is the largest header length the reader accepts and the
// writer produces, the limit of the official implementation.
const MaxHeaderSize = 100_000_000

// MaxDims is the largest number of dimensions a shape may have (the limit
// of NumPy 2); the official implementation sets none.
const MaxDims = 64

var (
	// ErrFormat is matched (with errors.Is) by errors about a malformed file.
	ErrFormat = errors.New("safetensors: bad format")
	// ErrUnsupported is matched by errors about a dtype this package does
	// not know, or cannot convert or write.
	ErrUnsupported = errors.New("safetensors: unsupported dtype")
	// ErrNotFound is matched by errors about a tensor name not in the file.
	ErrNotFound = errors.New("safetensors: no such tensor")
)

// stError is the error type of this package. Its message is
// "safetensors: " + path + ": " + msg, and it matches the errors in kinds.
type stError struct {
	path  string
	msg   string
	kinds []error
}

func (e *stError) Error() string {
	if e.path != "" {
		return "safetensors: " + e.path + ": " + e.msg
	}
	return "safetensors: " + e.msg
}

func (e *stError) Unwrap() []error { return e.kinds }

func newError(kinds []error, format string, args ...any) error {
	return &stError{msg: fmt.Sprintf(format, args...), kinds: kinds}
}

var (
	formatKinds      = []error{ErrFormat}
	truncatedKinds   = []error{ErrFormat, io.ErrUnexpectedEOF}
	unsupportedKinds = []error{ErrUnsupported}
	notFoundKinds    = []error{ErrNotFound}
)

func formatErr(format string, args ...any) error { return newError(formatKinds, format, args...) }

func truncatedErr(format string, args ...any) error {
	return newError(truncatedKinds, format, args...)
}

func unsupportedErr(format string, args ...any) error {
	return newError(unsupportedKinds, format, args...)
}

// withPath returns err with path added to its message.
func withPath(path string, err error) error {
	var se *stError
	if errors.As(err, &se) && se.path == "" {
		c := *se
		c.path = path
		return &c
	}
	return &stError{path: path, msg: err.Error(), kinds: []error{err}}
}
