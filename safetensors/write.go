package safetensors

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Tensor is a tensor to write.
type Tensor struct {
	// Name is the tensor's key in the header: valid UTF-8, not
	// "__metadata__", unique within a file.
	Name string
	// DType is the element type to store; it must be F64, F32, F16, BF16,
	// I64, I32, I16, I8, U32, U16 or U8.
	DType DType
	// Shape is the list of dimensions, outermost first; empty for a scalar.
	Shape []int
	// F64 holds the values, row-major, for the float dtypes. They are
	// rounded to the dtype to nearest, ties to even (so values beyond its
	// range become infinities); NaNs keep the top of their payload.
	F64 []float64
	// I64 holds the values, row-major, for the integer dtypes. Each must be
	// in the dtype's range.
	I64 []int64
}

// Write writes a safetensors file holding tensors and metadata (which may
// be nil) to w.
//
// The output is deterministic: the header is compact JSON with
// "__metadata__" first (omitted if metadata is empty), then the tensors
// sorted by name, padded with spaces to a multiple of 8 bytes. The data is
// laid out like the official implementation does it: sorted by element
// size, largest first, then by name, so that every tensor starts at a
// multiple of its element size within the file. The tensors are validated
// before anything is written: names must be unique, len(values) must equal
// the product of the shape, and integer values must fit the dtype.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	hdr, order, err := encodeHeader(tensors, metadata, true)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	chunk := binary.LittleEndian.AppendUint64(make([]byte, 0, 64<<10), uint64(len(hdr)))
	bw.Write(chunk)
	bw.Write(hdr)
	// Encode a chunk at a time: one Write per chunk, not per value.
	const perChunk = 64 << 10 / 8 // values per chunk, at 8 bytes or fewer each
	for _, i := range order {
		t := &tensors[i]
		for lo := 0; lo < len(t.F64) || lo < len(t.I64); lo += perChunk {
			chunk = appendValues(chunk[:0], t, lo, lo+perChunk)
			bw.Write(chunk)
		}
	}
	if err := bw.Flush(); err != nil {
		return newError([]error{err}, "writing: %v", err)
	}
	return nil
}

// Append appends to dst the safetensors file that Write writes for tensors and metadata, and
// returns the extended slice. It grows dst once, to the file's exact size, so that a caller
// writing many files may reuse one buffer (Append(buf[:0], ...)).
func Append(dst []byte, tensors []Tensor, metadata map[string]string) ([]byte, error) {
	hdr, order, err := encodeHeader(tensors, metadata, true)
	if err != nil {
		return dst, err
	}
	size := 8 + len(hdr)
	for _, i := range order {
		size += (len(tensors[i].F64) + len(tensors[i].I64)) * (tensors[i].DType.bits() / 8)
	}
	dst = slices.Grow(dst, size)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(hdr)))
	dst = append(dst, hdr...)
	for _, i := range order {
		t := &tensors[i]
		dst = appendValues(dst, t, 0, max(len(t.F64), len(t.I64)))
	}
	return dst, nil
}

// Layout returns the header that Write writes for tensors and metadata (padded, without the
// 8-byte length before it) and, for each tensor, where its data begins within the data that
// follows the header. Only the tensors' names, dtypes and shapes are read, not their values:
// a caller may then encode the values in place itself, each tensor little-endian at
// 8 + len(header) + begin[i] of the file, whose data ends at the largest begin[i] plus the
// tensor's size.
func Layout(tensors []Tensor, metadata map[string]string) (header []byte, begin []int64, err error) {
	hdr, order, err := encodeHeader(tensors, metadata, false)
	if err != nil {
		return nil, nil, err
	}
	begin = make([]int64, len(tensors))
	var pos int64
	for _, i := range order {
		begin[i] = pos
		n, _ := elemCount(tensors[i].Shape)
		pos += int64(n) * int64(tensors[i].DType.bits()/8)
	}
	return hdr, begin, nil
}

// appendValues appends the values [lo, hi) of t (clamped to its length), encoded as its dtype,
// to dst.
func appendValues(dst []byte, t *Tensor, lo, hi int) []byte {
	if !t.DType.isFloat() {
		size := t.DType.bits() / 8
		var scratch [8]byte
		for _, v := range t.I64[lo:min(hi, len(t.I64))] {
			// Little-endian two's complement: the low bytes of v.
			binary.LittleEndian.PutUint64(scratch[:], uint64(v))
			dst = append(dst, scratch[:size]...)
		}
		return dst
	}
	vals := t.F64[lo:min(hi, len(t.F64))]
	switch t.DType {
	case F64:
		for _, v := range vals {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
		}
	case F32:
		for _, v := range vals {
			dst = binary.LittleEndian.AppendUint32(dst, F32Bits(v))
		}
	case F16:
		for _, v := range vals {
			dst = binary.LittleEndian.AppendUint16(dst, uint16(encodeFloat(v, f16Exp, f16Mant)))
		}
	case BF16:
		for _, v := range vals {
			dst = binary.LittleEndian.AppendUint16(dst, uint16(encodeFloat(v, bf16Exp, bf16Mant)))
		}
	}
	return dst
}

// F32Bits returns the bits Write stores for v as F32: v rounded to nearest, ties to even (the
// hardware conversion, which rounds as encodeFloat does), a NaN keeping the top of its payload.
func F32Bits(v float64) uint32 {
	if v == v {
		return math.Float32bits(float32(v))
	}
	return uint32(encodeFloat(v, f32Exp, f32Mant))
}

// intRange returns the range of values of an integer dtype.
func intRange(d DType) (lo, hi int64) {
	switch d {
	case I64:
		return math.MinInt64, math.MaxInt64
	case I32:
		return math.MinInt32, math.MaxInt32
	case I16:
		return math.MinInt16, math.MaxInt16
	case I8:
		return math.MinInt8, math.MaxInt8
	case U32:
		return 0, math.MaxUint32
	case U16:
		return 0, math.MaxUint16
	case U8:
		return 0, math.MaxUint8
	}
	return 0, -1
}

// encodeHeader validates tensors and metadata and returns the padded header
// and the order in which to write the tensors' data. Without values, the
// tensors' values are neither read nor checked (Layout).
func encodeHeader(tensors []Tensor, metadata map[string]string, values bool) ([]byte, []int, error) {
	byName := make([]int, len(tensors))
	for i := range byName {
		byName[i] = i
	}
	slices.SortFunc(byName, func(i, j int) int { return strings.Compare(tensors[i].Name, tensors[j].Name) })
	sizes := make([]int64, len(tensors))
	for k, i := range byName {
		t := &tensors[i]
		if k > 0 && tensors[byName[k-1]].Name == t.Name {
			return nil, nil, newError(nil, "duplicate tensor %q", t.Name)
		}
		n, err := checkTensor(t, values)
		if err != nil {
			return nil, nil, err
		}
		sizes[i] = n
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, newError(nil, "__metadata__ %q: not valid UTF-8", k)
		}
	}

	// Data order: element size descending, then name.
	order := slices.Clone(byName)
	slices.SortStableFunc(order, func(i, j int) int {
		return tensors[j].DType.bits() - tensors[i].DType.bits()
	})
	begin := make([]int64, len(tensors))
	var pos int64
	for _, i := range order {
		begin[i] = pos
		if sizes[i] > math.MaxInt64-pos {
			return nil, nil, newError(nil, "the tensors total more than 2^63 bytes")
		}
		pos += sizes[i]
	}

	b := []byte{'{'}
	if len(metadata) > 0 {
		b = append(b, `"__metadata__":{`...)
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for j, k := range keys {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, metadata[k])
		}
		b = append(b, '}')
	}
	for k, i := range byName {
		t := &tensors[i]
		if k > 0 || len(metadata) > 0 {
			b = append(b, ',')
		}
		b = appendString(b, t.Name)
		b = append(b, `:{"dtype":`...)
		b = appendString(b, string(t.DType))
		b = append(b, `,"shape":[`...)
		for j, d := range t.Shape {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, `],"data_offsets":[`...)
		b = strconv.AppendInt(b, begin[i], 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, begin[i]+sizes[i], 10)
		b = append(b, "]}"...)
	}
	b = append(b, '}')
	for len(b)%8 != 0 {
		b = append(b, ' ')
	}
	if len(b) > MaxHeaderSize {
		return nil, nil, newError(nil, "the header would be %d bytes, more than the %d-byte limit", len(b), MaxHeaderSize)
	}
	return b, order, nil
}

// checkTensor validates a tensor to write (its values too, with values) and
// returns its size in bytes.
func checkTensor(t *Tensor, values bool) (int64, error) {
	if t.Name == "__metadata__" {
		return 0, newError(nil, "tensor %q: the name is reserved", t.Name)
	}
	if !utf8.ValidString(t.Name) {
		return 0, newError(nil, "tensor %q: the name is not valid UTF-8", t.Name)
	}
	if !t.DType.isFloat() && !t.DType.isInt() {
		return 0, unsupportedErr("tensor %q: cannot write dtype %q", t.Name, t.DType)
	}
	if len(t.Shape) > MaxDims {
		return 0, newError(nil, "tensor %q: shape has more than %d dimensions", t.Name, MaxDims)
	}
	for i, d := range t.Shape {
		if d < 0 {
			return 0, newError(nil, "tensor %q: shape[%d] = %d is negative", t.Name, i, d)
		}
	}
	size := uint64(t.DType.bits() / 8)
	count, ok := elemCount(t.Shape)
	if !ok || count > math.MaxInt64/size {
		return 0, newError(nil, "tensor %q: shape %v has too many elements", t.Name, t.Shape)
	}
	if !values {
		return int64(count * size), nil
	}
	nvals, other, field := len(t.F64), len(t.I64), "F64"
	if t.DType.isInt() {
		nvals, other, field = len(t.I64), len(t.F64), "I64"
	}
	if other != 0 {
		return 0, newError(nil, "tensor %q: dtype %s takes its values from %s, but the other field is set", t.Name, t.DType, field)
	}
	if uint64(nvals) != count {
		return 0, newError(nil, "tensor %q: %d values in %s, but shape %v has %d elements", t.Name, nvals, field, t.Shape, count)
	}
	if t.DType.isInt() {
		lo, hi := intRange(t.DType)
		for i, v := range t.I64 {
			if v < lo || v > hi {
				return 0, newError(nil, "tensor %q: value %d at index %d does not fit %s", t.Name, v, i, t.DType)
			}
		}
	}
	return int64(count * size), nil
}

// appendString appends s, valid UTF-8, as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// WriteFile writes a safetensors file to path (see Write) atomically: it
// writes a temporary file in the same directory, syncs it to disk, and
// renames it over path, then syncs the directory. A crash leaves either the
// old file or the new one at path, never a partial file. The new file has
// mode 0644.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return newError([]error{err}, "%v", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = withPath(path, err)
		}
	}()
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := Write(tmp, tensors, metadata); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable. Not every system can sync a
	// directory; the file is in place either way.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
