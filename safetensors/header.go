package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The header is parsed in two steps. First json.Valid, the standard
// library's scanner, checks that it is one syntactically valid JSON value
// (with a nesting limit), without allocating. Then a small walker over the
// now known-valid bytes extracts the keys and values, seeing every key, so
// duplicates are caught (json.Unmarshal into a map silently keeps the last
// one). A json.Decoder Token walk would also see every key, but allocates
// a hundred bytes or more per token, which for a header of short tokens is
// dozens of times its size; the walker allocates only what it returns.

// parseHeader parses and validates the JSON header hdr, for a byte buffer
// of bufSize bytes.
func parseHeader(hdr []byte, bufSize int64) (*File, error) {
	if len(hdr) == 0 {
		return nil, formatErr("the header is empty")
	}
	if !utf8.Valid(hdr) {
		return nil, formatErr("the header is not valid UTF-8")
	}
	if hdr[0] != '{' {
		c, _ := utf8.DecodeRune(hdr)
		return nil, formatErr("the header must be a JSON object, starting with '{', not %q", c)
	}
	if !json.Valid(hdr) {
		// Unmarshal checks validity before decoding anything, and
		// reports where the syntax error is.
		var raw json.RawMessage
		err := json.Unmarshal(hdr, &raw)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, formatErr("the header is not valid JSON: %v (after %d bytes)", se, se.Offset)
		}
		return nil, formatErr("the header is not valid JSON: %v", err)
	}
	// hdr is now one valid JSON object, possibly followed by whitespace.

	n := 0
	members(hdr, func(_, _ []byte) error { n++; return nil })
	f := &File{Metadata: map[string]string{}, Tensors: make([]TensorInfo, 0, n)}
	seenMeta := false
	err := members(hdr, func(key, val []byte) error {
		name := unquote(key)
		if name == "__metadata__" {
			if seenMeta {
				return formatErr("the header has a duplicate key %q", name)
			}
			seenMeta = true
			return parseMetadata(val, f.Metadata)
		}
		t, err := parseEntry(name, val)
		if err != nil {
			return err
		}
		f.Tensors = append(f.Tensors, t)
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Duplicate tensor names are adjacent once sorted by name.
	slices.SortFunc(f.Tensors, func(a, b TensorInfo) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(f.Tensors); i++ {
		if f.Tensors[i].Name == f.Tensors[i-1].Name {
			return nil, formatErr("the header has a duplicate key %q", f.Tensors[i].Name)
		}
	}
	if err := checkLayout(f.Tensors, bufSize); err != nil {
		return nil, err
	}
	return f, nil
}

// parseMetadata parses val, the value of "__metadata__", into m: null or
// an object of strings.
func parseMetadata(val []byte, m map[string]string) error {
	if val[0] == 'n' {
		return nil // null
	}
	if val[0] != '{' {
		return formatErr("__metadata__ must be a JSON object, not %s", kindOfJSON(val))
	}
	return members(val, func(key, v []byte) error {
		k := unquote(key)
		if _, dup := m[k]; dup {
			return formatErr("__metadata__ has a duplicate key %q", k)
		}
		if v[0] != '"' {
			return formatErr("__metadata__ %q: the value must be a string, not %s", k, kindOfJSON(v))
		}
		m[k] = unquote(v)
		return nil
	})
}

// dtypes maps the spelling of every known dtype to its constant, so that
// parsing a dtype allocates nothing.
var dtypes = map[string]DType{}

func init() {
	for _, d := range []DType{F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8,
		BOOL, C64, F8E4M3, F8E5M2, F8E8M0, F6E2M3, F6E3M2, F4} {
		dtypes[string(d)] = d
	}
}

// parseEntry parses and checks val, the header entry of the tensor name.
func parseEntry(name string, val []byte) (TensorInfo, error) {
	t := TensorInfo{Name: name}
	if val[0] != '{' {
		return t, formatErr("tensor %q: the entry must be a JSON object, not %s", name, kindOfJSON(val))
	}
	var haveDType, haveShape, haveOffsets bool
	var offsets []int64
	err := members(val, func(key, v []byte) error {
		var dup *bool
		field := fieldName(key)
		switch field {
		case "dtype":
			dup = &haveDType
			if v[0] != '"' {
				return formatErr("tensor %q: dtype must be a string, not %s", name, kindOfJSON(v))
			}
			if d, ok := dtypes[string(v[1:max(1, len(v)-1)])]; ok {
				t.DType = d
			} else {
				t.DType = DType(unquote(v))
			}
		case "shape":
			dup = &haveShape
			var err error
			if t.Shape, err = parseInts[int](v, name, field, MaxDims, math.MaxInt); err != nil {
				return err
			}
		case "data_offsets":
			dup = &haveOffsets
			var err error
			if offsets, err = parseInts[int64](v, name, field, 2, math.MaxInt64); err != nil {
				return err
			}
			if len(offsets) != 2 {
				return formatErr("tensor %q: data_offsets must be an array of 2 integers, not %d", name, len(offsets))
			}
		default:
			// Unknown fields are ignored, as by the official
			// implementation.
			return nil
		}
		if *dup {
			return formatErr("tensor %q: duplicate field %q", name, field)
		}
		*dup = true
		return nil
	})
	if err != nil {
		return t, err
	}
	switch {
	case !haveDType:
		return t, formatErr("tensor %q: missing dtype", name)
	case !haveShape:
		return t, formatErr("tensor %q: missing shape", name)
	case !haveOffsets:
		return t, formatErr("tensor %q: missing data_offsets", name)
	}
	t.Begin, t.End = offsets[0], offsets[1]

	nbits := t.DType.bits()
	if nbits == 0 {
		return t, unsupportedErr("tensor %q: unknown dtype %q", name, t.DType)
	}
	count, ok := elemCount(t.Shape)
	if !ok {
		return t, formatErr("tensor %q: shape %v has too many elements", name, t.Shape)
	}
	hi, totalBits := bits.Mul64(count, uint64(nbits))
	if hi != 0 || totalBits/8 > math.MaxInt64 {
		return t, formatErr("tensor %q: shape %v has too many elements", name, t.Shape)
	}
	if totalBits%8 != 0 {
		return t, formatErr("tensor %q: %d elements of %s do not fill a whole number of bytes", name, count, t.DType)
	}
	if t.End < t.Begin {
		return t, formatErr("tensor %q: data_offsets [%d %d] end before they begin", name, t.Begin, t.End)
	}
	if nbytes := int64(totalBits / 8); t.End-t.Begin != nbytes {
		return t, formatErr("tensor %q: data_offsets [%d %d] hold %d bytes, but %s of shape %v takes %d",
			name, t.Begin, t.End, t.End-t.Begin, t.DType, t.Shape, nbytes)
	}
	return t, nil
}

// elemCount returns the number of elements of a tensor of the given shape,
// and false if a dimension is negative or a partial product exceeds 2^63-1
// (the official implementation also rejects a partial product that
// overflows, even if a later dimension is 0).
func elemCount(shape []int) (uint64, bool) {
	count := uint64(1)
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		hi, lo := bits.Mul64(count, uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, false
		}
		count = lo
	}
	return count, true
}

// fieldName returns the name of the entry field whose raw key is key, without
// allocating for the known ones; it returns "" for other fields.
func fieldName(key []byte) string {
	switch string(key) {
	case `"dtype"`:
		return "dtype"
	case `"shape"`:
		return "shape"
	case `"data_offsets"`:
		return "data_offsets"
	}
	if bytes.IndexByte(key, '\\') >= 0 {
		return unquote(key) // an escaped spelling of a known name?
	}
	return ""
}

// parseInts parses val, a JSON array of at most maxLen integers in
// [0, maxVal], the value of field in the entry of tensor name.
func parseInts[T int | int64](val []byte, name, field string, maxLen int, maxVal int64) ([]T, error) {
	if val[0] != '[' {
		return nil, formatErr("tensor %q: %s must be an array of integers, not %s", name, field, kindOfJSON(val))
	}
	// Allocate once: at most one element per comma, plus one.
	vals := make([]T, 0, min(1+bytes.Count(val, []byte{','}), maxLen+1))
	err := elements(val, func(n int, v []byte) error {
		if n == maxLen {
			return formatErr("tensor %q: %s has more than %d elements", name, field, maxLen)
		}
		if v[0] != '-' && (v[0] < '0' || v[0] > '9') {
			return formatErr("tensor %q: %s[%d] must be an integer, not %s", name, field, n, kindOfJSON(v))
		}
		num := string(v)
		x, err := strconv.ParseInt(num, 10, 64)
		switch {
		case err != nil && errors.Is(err, strconv.ErrRange) && num[0] != '-':
			return formatErr("tensor %q: %s[%d] = %s is too large", name, field, n, num)
		case err != nil && errors.Is(err, strconv.ErrRange):
			return formatErr("tensor %q: %s[%d] = %s is negative", name, field, n, num)
		case err != nil:
			return formatErr("tensor %q: %s[%d] = %s is not an integer", name, field, n, num)
		case x < 0:
			return formatErr("tensor %q: %s[%d] = %s is negative", name, field, n, num)
		case x > maxVal:
			return formatErr("tensor %q: %s[%d] = %s is too large", name, field, n, num)
		}
		vals = append(vals, T(x))
		return nil
	})
	return vals, err
}

// The walker. Its functions take valid JSON (json.Valid accepted the
// header) and find the ends of values; they never index out of range even
// on invalid input, which merely gives wrong results.

// members calls fn with the raw key (quoted) and the raw value of every
// member of obj, a valid JSON object, in order, until fn fails.
func members(obj []byte, fn func(key, val []byte) error) error {
	i := skipSpace(obj, 1)
	for i < len(obj) && obj[i] == '"' {
		ke := stringEnd(obj, i)
		vs := skipSpace(obj, skipSpace(obj, ke)+1) // past ':'
		ve := valueEnd(obj, vs)
		if vs >= ve {
			return formatErr("the header is not valid JSON") // not reached
		}
		if err := fn(obj[i:ke], obj[vs:ve]); err != nil {
			return err
		}
		i = skipSpace(obj, ve)
		if i >= len(obj) || obj[i] != ',' {
			break
		}
		i = skipSpace(obj, i+1)
	}
	return nil
}

// elements calls fn with the index and raw value of every element of arr,
// a valid JSON array, in order, until fn fails.
func elements(arr []byte, fn func(n int, val []byte) error) error {
	i := skipSpace(arr, 1)
	for n := 0; i < len(arr) && arr[i] != ']'; n++ {
		e := valueEnd(arr, i)
		if i >= e {
			return formatErr("the header is not valid JSON") // not reached
		}
		if err := fn(n, arr[i:e]); err != nil {
			return err
		}
		i = skipSpace(arr, e)
		if i >= len(arr) || arr[i] != ',' {
			break
		}
		i = skipSpace(arr, i+1)
	}
	return nil
}

// valueEnd returns the index just past the JSON value starting at data[i].
func valueEnd(data []byte, i int) int {
	if i >= len(data) {
		return len(data)
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = stringEnd(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	}
	// A number, true, false or null.
	j := i
	for j < len(data) && strings.IndexByte(",:]} \t\r\n", data[j]) < 0 {
		j++
	}
	return j
}

// stringEnd returns the index just past the JSON string starting at
// data[i] == '"'.
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// unquote returns the value of the valid JSON string raw (with quotes).
func unquote(raw []byte) string {
	if len(raw) < 2 {
		return ""
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	json.Unmarshal(raw, &s) // cannot fail on a valid JSON string
	return s
}

// skipSpace returns the index of the first non-whitespace byte of data at
// or after i, or len(data).
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// kindOfJSON names the kind of the valid JSON value data starts with.
func kindOfJSON(data []byte) string {
	if len(data) == 0 {
		return "nothing"
	}
	switch data[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
