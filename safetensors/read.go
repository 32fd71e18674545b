package safetensors

import (
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// TensorInfo describes one tensor of a file, as its header entry says.
type TensorInfo struct {
	// Name is the tensor's key in the header.
	Name string
	// DType is the element type.
	DType DType
	// Shape is the list of dimensions, outermost first; empty for a scalar.
	Shape []int
	// Begin and End are the data_offsets: the tensor's bytes are
	// [Begin, End) of the byte buffer that follows the header.
	Begin, End int64
}

// File is a parsed safetensors file. Its methods are safe for concurrent
// use as long as nobody modifies the exported fields.
type File struct {
	// Metadata holds the "__metadata__" map of the header; it is empty,
	// not nil, when the header has none.
	Metadata map[string]string
	// Tensors describes every tensor, sorted by name.
	Tensors []TensorInfo

	data   []byte // the byte buffer, if loaded
	loaded bool   // whether data was read (Read rather than ReadHeader)
}

// Info returns the description of the tensor called name, and whether there
// is one.
func (f *File) Info(name string) (TensorInfo, bool) {
	i, ok := slices.BinarySearchFunc(f.Tensors, name, func(t TensorInfo, name string) int {
		return strings.Compare(t.Name, name)
	})
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

// tensorData returns the description and the bytes of the tensor name.
func (f *File) tensorData(name string) (TensorInfo, []byte, error) {
	t, ok := f.Info(name)
	if !ok {
		return t, nil, newError(notFoundKinds, "no tensor %q", name)
	}
	if !f.loaded {
		return t, nil, newError(nil, "tensor %q: data not loaded (the File comes from ReadHeader)", name)
	}
	if t.Begin < 0 || t.End < t.Begin || t.End > int64(len(f.data)) {
		// Only possible if the caller modified Tensors.
		return t, nil, formatErr("tensor %q: data_offsets [%d %d] exceed the %d-byte buffer", name, t.Begin, t.End, len(f.data))
	}
	return t, f.data[t.Begin:t.End], nil
}

// Shape returns a copy of the shape of the tensor called name, and whether there is one.
func (f *File) Shape(name string) ([]int, bool) {
	t, ok := f.Info(name)
	return slices.Clone(t.Shape), ok
}

// Float64s returns the values of the tensor called name, converted exactly
// to float64, and a copy of its shape. The dtype must be F64, F32, F16 or
// BF16: subnormals, infinities and signed zeros convert exactly and NaNs
// keep their payload. Other dtypes give an error matching ErrUnsupported.
func (f *File) Float64s(name string) ([]float64, []int, error) {
	t, b, err := f.tensorData(name)
	if err != nil {
		return nil, nil, err
	}
	if !t.DType.isFloat() {
		return nil, nil, unsupportedErr("tensor %q: dtype %s does not convert to float64", name, t.DType)
	}
	size := t.DType.bits() / 8
	out := make([]float64, len(b)/size)
	for i := range out {
		p := b[i*size:]
		switch t.DType {
		case F64:
			out[i] = math.Float64frombits(binary.LittleEndian.Uint64(p))
		case F32:
			out[i] = decodeFloat(uint64(binary.LittleEndian.Uint32(p)), f32Exp, f32Mant)
		case F16:
			out[i] = decodeFloat(uint64(binary.LittleEndian.Uint16(p)), f16Exp, f16Mant)
		case BF16:
			out[i] = decodeFloat(uint64(binary.LittleEndian.Uint16(p)), bf16Exp, bf16Mant)
		}
	}
	return out, slices.Clone(t.Shape), nil
}

// Int64s returns the values of the tensor called name, converted to int64,
// and a copy of its shape. The dtype must be I64, I32, I16, I8, U32, U16 or
// U8. Other dtypes give an error matching ErrUnsupported.
func (f *File) Int64s(name string) ([]int64, []int, error) {
	t, b, err := f.tensorData(name)
	if err != nil {
		return nil, nil, err
	}
	if !t.DType.isInt() {
		return nil, nil, unsupportedErr("tensor %q: dtype %s does not convert to int64", name, t.DType)
	}
	size := t.DType.bits() / 8
	out := make([]int64, len(b)/size)
	for i := range out {
		p := b[i*size:]
		switch t.DType {
		case I64:
			out[i] = int64(binary.LittleEndian.Uint64(p))
		case I32:
			out[i] = int64(int32(binary.LittleEndian.Uint32(p)))
		case I16:
			out[i] = int64(int16(binary.LittleEndian.Uint16(p)))
		case I8:
			out[i] = int64(int8(p[0]))
		case U32:
			out[i] = int64(binary.LittleEndian.Uint32(p))
		case U16:
			out[i] = int64(binary.LittleEndian.Uint16(p))
		case U8:
			out[i] = int64(p[0])
		}
	}
	return out, slices.Clone(t.Shape), nil
}

// ReadFile reads and validates the whole safetensors file at path. Its
// errors include the path.
func ReadFile(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, &stError{msg: err.Error(), kinds: []error{err}}
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, &stError{msg: err.Error(), kinds: []error{err}}
	}
	return ReadNamed(fd, st.Size(), path)
}

// ReadNamed is Read with name (a file's path, say) in its errors, as ReadFile gives them.
func ReadNamed(r io.ReaderAt, size int64, name string) (*File, error) {
	f, err := Read(r, size)
	if err != nil {
		return nil, withPath(name, err)
	}
	return f, nil
}

// Read reads and validates a safetensors file of size bytes from r: the
// header and the byte buffer. See the package documentation for the checks.
func Read(r io.ReaderAt, size int64) (*File, error) {
	f, start, err := readHeader(r, size)
	if err != nil {
		return nil, err
	}
	n := size - start
	if uint64(n) > math.MaxInt {
		return nil, formatErr("the %d-byte buffer is too large for this platform", n)
	}
	f.data, err = readAt(r, start, n, "the byte buffer")
	if err != nil {
		return nil, err
	}
	f.loaded = true
	return f, nil
}

// ReadHeader reads and validates only the header of a safetensors file of
// size bytes, which is cheap however large the file. Everything Read checks
// is checked, except that the buffer is really there; the returned File
// describes the tensors but Float64s and Int64s fail on it.
func ReadHeader(r io.ReaderAt, size int64) (*File, error) {
	f, _, err := readHeader(r, size)
	return f, err
}

// readHeader reads and validates the header; it returns the file and the
// offset of the byte buffer.
func readHeader(r io.ReaderAt, size int64) (*File, int64, error) {
	if size < 0 {
		return nil, 0, formatErr("negative file size %d", size)
	}
	if size < 8 {
		return nil, 0, truncatedErr("the file is %d bytes, too short for the 8-byte header length", size)
	}
	var lenBuf [8]byte
	if err := readFullAt(r, lenBuf[:], 0); err != nil {
		return nil, 0, readErr("the header length", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize {
		return nil, 0, formatErr("header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, 0, truncatedErr("header length %d exceeds the %d bytes after it", n, size-8)
	}
	hdr, err := readAt(r, 8, int64(n), "the header")
	if err != nil {
		return nil, 0, err
	}
	start := 8 + int64(n)
	f, err := parseHeader(hdr, size-start)
	if err != nil {
		return nil, 0, err
	}
	return f, start, nil
}

// readChunk is the size of the pieces readAt reads at a time.
const readChunk = 1 << 20

// readAt reads n bytes of r at off. Before allocating more than readChunk
// bytes it reads the last byte, so that an n larger than what r holds fails
// without allocating n bytes.
func readAt(r io.ReaderAt, off, n int64, what string) ([]byte, error) {
	if n > readChunk {
		var last [1]byte
		if err := readFullAt(r, last[:], off+n-1); err != nil {
			return nil, readErr(what, err)
		}
	}
	buf := make([]byte, n)
	for done := int64(0); done < n; {
		m := min(n-done, readChunk)
		if err := readFullAt(r, buf[done:done+m], off+done); err != nil {
			return nil, readErr(what, err)
		}
		done += m
	}
	return buf, nil
}

// readFullAt fills p from r at off; a short read is io.ErrUnexpectedEOF.
func readFullAt(r io.ReaderAt, p []byte, off int64) error {
	k, err := r.ReadAt(p, off)
	if k == len(p) {
		return nil // err may be io.EOF at the very end
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// readErr wraps an error of reading what.
func readErr(what string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return newError([]error{ErrFormat, err}, "reading %s: %v", what, err)
	}
	return newError([]error{err}, "reading %s: %v", what, err)
}

// checkLayout checks that the tensors tile the buffer exactly, in offset
// order: no overlap, no gap, nothing past its end.
func checkLayout(tensors []TensorInfo, bufSize int64) error {
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &tensors[i], &tensors[j]
		if a.Begin != b.Begin {
			return cmpInt64(a.Begin, b.Begin)
		}
		if a.End != b.End {
			return cmpInt64(a.End, b.End)
		}
		return strings.Compare(a.Name, b.Name)
	})
	var pos int64 // end of the data covered so far
	prev := -1    // tensor ending at pos
	for _, i := range order {
		t := &tensors[i]
		if t.Begin < pos && prev >= 0 {
			p := &tensors[prev]
			return formatErr("tensor %q: data_offsets [%d %d] overlap tensor %q [%d %d]",
				t.Name, t.Begin, t.End, p.Name, p.Begin, p.End)
		}
		if t.Begin > pos {
			return formatErr("bytes [%d %d) of the buffer belong to no tensor", pos, t.Begin)
		}
		if t.End > bufSize {
			return truncatedErr("tensor %q: data_offsets [%d %d] exceed the %d-byte buffer",
				t.Name, t.Begin, t.End, bufSize)
		}
		if t.End > pos {
			pos, prev = t.End, i
		}
	}
	if pos < bufSize {
		return formatErr("bytes [%d %d) of the buffer belong to no tensor", pos, bufSize)
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
