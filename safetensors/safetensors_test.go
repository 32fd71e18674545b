package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"maxgrok/internal/testref"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"maxgrok/safetensors"
)

// file builds a safetensors file from a header (not padded) and a buffer.
func file(header string, buf []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, buf...)
}

// withLen builds a file whose header length field says n.
func withLen(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

func read(data []byte) (*safetensors.File, error) {
	return safetensors.Read(bytes.NewReader(data), int64(len(data)))
}

func mustWrite(t testing.TB, tensors []safetensors.Tensor, meta map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, meta); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestRoundTripDTypes(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, tc := range []struct {
		name  string
		in    safetensors.Tensor
		raw   []byte    // expected data bytes, if set
		wantF []float64 // expected values after reading, if different from in.F64
	}{
		{name: "F64", in: safetensors.Tensor{DType: safetensors.F64, Shape: []int{2, 3},
			F64: []float64{0, -1.5, math.Pi, math.SmallestNonzeroFloat64, -inf, math.MaxFloat64}}},
		{name: "F32", in: safetensors.Tensor{DType: safetensors.F32, Shape: []int{5},
			F64: []float64{1, -2, 0.1, inf, math.Ldexp(1, -149)}},
			raw:   []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0xcd, 0xcc, 0xcc, 0x3d, 0, 0, 0x80, 0x7f, 1, 0, 0, 0},
			wantF: []float64{1, -2, float64(float32(0.1)), inf, math.Ldexp(1, -149)}},
		{name: "F16", in: safetensors.Tensor{DType: safetensors.F16, Shape: []int{2, 3},
			F64: []float64{1, -2, 65504, math.Ldexp(1, -24), inf, math.Copysign(0, -1)}},
			raw: []byte{0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c, 0x00, 0x80}},
		{name: "F16 rounding", in: safetensors.Tensor{DType: safetensors.F16, Shape: []int{3},
			F64: []float64{1.0 / 3, 1e6, 1e-9}},
			raw:   []byte{0x55, 0x35, 0x00, 0x7c, 0x00, 0x00},
			wantF: []float64{0.333251953125, inf, 0}},
		{name: "BF16", in: safetensors.Tensor{DType: safetensors.BF16, Shape: []int{4},
			F64: []float64{1, -2, 3.140625, math.Ldexp(1, -133)}},
			raw: []byte{0x80, 0x3f, 0x00, 0xc0, 0x49, 0x40, 0x01, 0x00}},
		{name: "F32 NaN", in: safetensors.Tensor{DType: safetensors.F32, Shape: []int{1}, F64: []float64{nan}},
			raw: []byte{0, 0, 0xc0, 0x7f}},
		{name: "I64", in: safetensors.Tensor{DType: safetensors.I64, Shape: []int{3},
			I64: []int64{math.MinInt64, -1, math.MaxInt64}}},
		{name: "I32", in: safetensors.Tensor{DType: safetensors.I32, Shape: []int{1, 3},
			I64: []int64{math.MinInt32, -1, math.MaxInt32}},
			raw: []byte{0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
		{name: "I16", in: safetensors.Tensor{DType: safetensors.I16, Shape: []int{2}, I64: []int64{math.MinInt16, math.MaxInt16}}},
		{name: "I8", in: safetensors.Tensor{DType: safetensors.I8, Shape: []int{3}, I64: []int64{-128, 0, 127}},
			raw: []byte{0x80, 0, 0x7f}},
		{name: "U32", in: safetensors.Tensor{DType: safetensors.U32, Shape: []int{2}, I64: []int64{0, math.MaxUint32}}},
		{name: "U16", in: safetensors.Tensor{DType: safetensors.U16, Shape: []int{2}, I64: []int64{0, math.MaxUint16}}},
		{name: "U8", in: safetensors.Tensor{DType: safetensors.U8, Shape: []int{2}, I64: []int64{0, 255}}},
		{name: "scalar", in: safetensors.Tensor{DType: safetensors.F64, Shape: []int{}, F64: []float64{42}}},
		{name: "empty", in: safetensors.Tensor{DType: safetensors.F32, Shape: []int{3, 0}, F64: []float64{}}},
		// Found by FuzzHeader: the reader accepted this, the writer did not.
		{name: "empty with a huge dimension", in: safetensors.Tensor{DType: safetensors.F32, Shape: []int{1170000000000000000, 0}, F64: []float64{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Name = "x"
			data := mustWrite(t, []safetensors.Tensor{in}, nil)
			f, err := read(data)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			info, ok := f.Info("x")
			if !ok || info.DType != in.DType || !reflect.DeepEqual(info.Shape, in.Shape) {
				t.Fatalf("Info = %+v, %v", info, ok)
			}
			if tc.raw != nil {
				hdrEnd := len(data) - int(info.End)
				if got := data[hdrEnd:]; !bytes.Equal(got, tc.raw) {
					t.Errorf("data bytes = % x, want % x", got, tc.raw)
				}
			}
			if in.F64 != nil {
				got, shape, err := f.Float64s("x")
				if err != nil {
					t.Fatal(err)
				}
				want := tc.wantF
				if want == nil {
					want = in.F64
				}
				if !sameFloats(got, want) || !reflect.DeepEqual(shape, in.Shape) {
					t.Errorf("Float64s = %v %v, want %v %v", got, shape, want, in.Shape)
				}
				if _, _, err := f.Int64s("x"); !errors.Is(err, safetensors.ErrUnsupported) {
					t.Errorf("Int64s of %s: err = %v, want ErrUnsupported", in.DType, err)
				}
			} else {
				got, shape, err := f.Int64s("x")
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, in.I64) || !reflect.DeepEqual(shape, in.Shape) {
					t.Errorf("Int64s = %v %v, want %v %v", got, shape, in.I64, in.Shape)
				}
				if _, _, err := f.Float64s("x"); !errors.Is(err, safetensors.ErrUnsupported) {
					t.Errorf("Float64s of %s: err = %v, want ErrUnsupported", in.DType, err)
				}
			}
			// Writing what was read gives the same bytes.
			if again := mustWrite(t, fileTensors(t, f), f.Metadata); !bytes.Equal(again, data) {
				t.Errorf("rewrite differs:\n%q\n%q", again, data)
			}
		})
	}
}

// sameFloats compares bit patterns, except that any NaN equals any NaN
// and zeros compare by sign too.
func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.IsNaN(a[i]) && math.IsNaN(b[i]) {
			continue
		}
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// fileTensors converts every tensor of f back into a Tensor to write.
func fileTensors(t testing.TB, f *safetensors.File) []safetensors.Tensor {
	t.Helper()
	var out []safetensors.Tensor
	for _, info := range f.Tensors {
		tt := safetensors.Tensor{Name: info.Name, DType: info.DType, Shape: info.Shape}
		var err error
		if vals, _, e := f.Float64s(info.Name); e == nil {
			tt.F64 = vals
		} else if vals, _, e2 := f.Int64s(info.Name); e2 == nil {
			tt.I64 = vals
		} else {
			err = e2
		}
		if err != nil {
			t.Fatalf("tensor %q: %v", info.Name, err)
		}
		out = append(out, tt)
	}
	return out
}

// TestOfficialVectors checks Write against byte vectors of the official
// implementation's tests (safetensors/src/tensor.rs).
func TestOfficialVectors(t *testing.T) {
	six := []float64{0, 1, 2, 3, 4, 5}
	data := []byte{0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64}
	for _, tc := range []struct {
		name    string
		tensors []safetensors.Tensor
		meta    map[string]string
		want    []byte
	}{
		{"serialization", []safetensors.Tensor{{Name: "attn.0", DType: safetensors.F32, Shape: []int{1, 2, 3}, F64: six}}, nil,
			file(`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`, data)},
		{"forced alignment", []safetensors.Tensor{{Name: "attn0", DType: safetensors.F32, Shape: []int{1, 1, 2, 3}, F64: six}}, nil,
			file(`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `, data)},
		{"empty", nil, nil, file(`{}      `, nil)},
		{"metadata", nil, map[string]string{"framework": "pt"}, file(`{"__metadata__":{"framework":"pt"}}     `, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := mustWrite(t, tc.tensors, tc.meta)
			if !bytes.Equal(got, tc.want) {
				t.Errorf("Write =\n%q\nwant\n%q", got, tc.want)
			}
			if _, err := read(got); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestWriteLayout(t *testing.T) {
	// Given out of order, mixed sizes: header sorted by name, data by
	// element size then name, so every tensor is aligned.
	data := mustWrite(t, []safetensors.Tensor{
		{Name: "c", DType: safetensors.F16, Shape: []int{3}, F64: []float64{1, 2, 3}},
		{Name: "b", DType: safetensors.F64, Shape: []int{1}, F64: []float64{1}},
		{Name: "a", DType: safetensors.U8, Shape: []int{1}, I64: []int64{7}},
		{Name: "d", DType: safetensors.F32, Shape: []int{1}, F64: []float64{1}},
	}, map[string]string{"z": "1", "a": "\"quoted\"\n<&>"})
	n := binary.LittleEndian.Uint64(data)
	if n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	want := `{"__metadata__":{"a":"\"quoted\"\n<&>","z":"1"},` +
		`"a":{"dtype":"U8","shape":[1],"data_offsets":[18,19]},` +
		`"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},` +
		`"c":{"dtype":"F16","shape":[3],"data_offsets":[12,18]},` +
		`"d":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`
	if got := strings.TrimRight(string(data[8:8+n]), " "); got != want {
		t.Errorf("header =\n%s\nwant\n%s", got, want)
	}
	f, err := read(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Metadata["a"]; got != "\"quoted\"\n<&>" {
		t.Errorf("metadata a = %q", got)
	}
	var names []string
	for _, ti := range f.Tensors {
		names = append(names, ti.Name)
	}
	if !reflect.DeepEqual(names, []string{"a", "b", "c", "d"}) {
		t.Errorf("Tensors not sorted by name: %v", names)
	}
}

func TestWriteErrors(t *testing.T) {
	f := func(name string, d safetensors.DType, shape []int, v ...float64) safetensors.Tensor {
		return safetensors.Tensor{Name: name, DType: d, Shape: shape, F64: v}
	}
	for _, tc := range []struct {
		tensors     []safetensors.Tensor
		meta        map[string]string
		want        string
		unsupported bool
	}{
		{tensors: []safetensors.Tensor{f("a", safetensors.F32, []int{1}, 1), f("a", safetensors.F32, []int{1}, 1)},
			want: `safetensors: duplicate tensor "a"`},
		{tensors: []safetensors.Tensor{f("a", safetensors.F32, []int{2, 2}, 1, 2, 3)},
			want: `safetensors: tensor "a": 3 values in F64, but shape [2 2] has 4 elements`},
		{tensors: []safetensors.Tensor{f("a", safetensors.F32, []int{2, -2})},
			want: `safetensors: tensor "a": shape[1] = -2 is negative`},
		{tensors: []safetensors.Tensor{f("a", safetensors.F32, []int{1 << 40, 1 << 40})},
			want: `safetensors: tensor "a": shape [1099511627776 1099511627776] has too many elements`},
		{tensors: []safetensors.Tensor{f("a", safetensors.BOOL, []int{1}, 1)},
			want: `safetensors: tensor "a": cannot write dtype "BOOL"`, unsupported: true},
		{tensors: []safetensors.Tensor{f("a", "Q4", []int{1}, 1)},
			want: `safetensors: tensor "a": cannot write dtype "Q4"`, unsupported: true},
		{tensors: []safetensors.Tensor{f("__metadata__", safetensors.F32, []int{1}, 1)},
			want: `safetensors: tensor "__metadata__": the name is reserved`},
		{tensors: []safetensors.Tensor{f("\xff", safetensors.F32, []int{1}, 1)},
			want: `safetensors: tensor "\xff": the name is not valid UTF-8`},
		{tensors: []safetensors.Tensor{{Name: "a", DType: safetensors.I32, Shape: []int{2}, I64: []int64{1, 1 << 31}}},
			want: `safetensors: tensor "a": value 2147483648 at index 1 does not fit I32`},
		{tensors: []safetensors.Tensor{{Name: "a", DType: safetensors.U8, Shape: []int{1}, I64: []int64{-1}}},
			want: `safetensors: tensor "a": value -1 at index 0 does not fit U8`},
		{tensors: []safetensors.Tensor{{Name: "a", DType: safetensors.I64, Shape: []int{1}, I64: []int64{1}, F64: []float64{1}}},
			want: `safetensors: tensor "a": dtype I64 takes its values from I64, but the other field is set`},
		{meta: map[string]string{"k": "\xfe"},
			want: `safetensors: __metadata__ "k": not valid UTF-8`},
	} {
		var buf bytes.Buffer
		err := safetensors.Write(&buf, tc.tensors, tc.meta)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Write error = %v\nwant %s", err, tc.want)
			continue
		}
		if errors.Is(err, safetensors.ErrUnsupported) != tc.unsupported {
			t.Errorf("%v: errors.Is(ErrUnsupported) = %v", err, !tc.unsupported)
		}
		if buf.Len() != 0 {
			t.Errorf("%v: wrote %d bytes before failing", err, buf.Len())
		}
	}
}

const (
	fmtErr = 1 << iota
	unsupErr
	eofErr
)

// readerErrors are malformed files and the exact errors Read and ReadHeader
// give for them.
var readerErrors = []struct {
	name  string
	data  []byte
	want  string
	kinds int
}{
	{"truncated header length", []byte{1, 0, 0}, "safetensors: the file is 3 bytes, too short for the 8-byte header length", fmtErr | eofErr},
	{"header length beyond file", withLen(100, "{}"), "safetensors: header length 100 exceeds the 2 bytes after it", fmtErr | eofErr},
	{"header length 2^63", withLen(1<<63, "{}"), "safetensors: header length 9223372036854775808 exceeds the 100000000-byte limit", fmtErr},
	{"header length 2^64-1", withLen(math.MaxUint64, "{}"), "safetensors: header length 18446744073709551615 exceeds the 100000000-byte limit", fmtErr},
	{"empty header", withLen(0, ""), "safetensors: the header is empty", fmtErr},
	{"non-JSON", file("{not json}", nil), "safetensors: the header is not valid JSON: invalid character 'n' looking for beginning of object key string (after 2 bytes)", fmtErr},
	{"JSON array", file("[]", nil), "safetensors: the header must be a JSON object, starting with '{', not '['", fmtErr},
	{"JSON string", file(`"{}"`, nil), "safetensors: the header must be a JSON object, starting with '{', not '\"'", fmtErr},
	{"leading space", file(" {}", nil), "safetensors: the header must be a JSON object, starting with '{', not ' '", fmtErr},
	{"invalid UTF-8", file("{\"\xff\":1}", nil), "safetensors: the header is not valid UTF-8", fmtErr},
	{"unterminated", file(`{"a":{"dtype":"F32"`, nil), "safetensors: the header is not valid JSON: unexpected end of JSON input (after 19 bytes)", fmtErr},
	{"trailing data", file("{}  x", nil), "safetensors: the header is not valid JSON: invalid character 'x' after top-level value (after 5 bytes)", fmtErr},
	{"two objects", file("{}{}", nil), "safetensors: the header is not valid JSON: invalid character '{' after top-level value (after 3 bytes)", fmtErr},
	{"NUL padding", file("{}\x00", nil), `safetensors: the header is not valid JSON: invalid character '\x00' after top-level value (after 3 bytes)`, fmtErr},
	{"offsets out of range", file(`{"unembed.W_U":{"dtype":"F32","shape":[45,50],"data_offsets":[0,9000]}}`, make([]byte, 8192)),
		`safetensors: tensor "unembed.W_U": data_offsets [0 9000] exceed the 8192-byte buffer`, fmtErr | eofErr},
	{"offsets mismatch shape", file(`{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}`, make([]byte, 12)),
		`safetensors: tensor "a": data_offsets [0 12] hold 12 bytes, but F32 of shape [2 2] takes 16`, fmtErr},
	{"offsets reversed", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[8,4]}}`, make([]byte, 8)),
		`safetensors: tensor "a": data_offsets [8 4] end before they begin`, fmtErr},
	{"offset negative", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[-1,0]}}`, nil),
		`safetensors: tensor "a": data_offsets[0] = -1 is negative`, fmtErr},
	{"offset 2^64", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,18446744073709551616]}}`, nil),
		`safetensors: tensor "a": data_offsets[1] = 18446744073709551616 is too large`, fmtErr},
	{"offsets count", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0]}}`, nil),
		`safetensors: tensor "a": data_offsets must be an array of 2 integers, not 1`, fmtErr},
	{"offsets too many", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0,0]}}`, nil),
		`safetensors: tensor "a": data_offsets has more than 2 elements`, fmtErr},
	{"offsets not array", file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":"0,0"}}`, nil),
		`safetensors: tensor "a": data_offsets must be an array of integers, not a string`, fmtErr},
	{"overflow shape", file(`{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": shape [1099511627776 1099511627776] has too many elements`, fmtErr},
	{"overflow bytes", file(`{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": shape [4611686018427387904] has too many elements`, fmtErr},
	{"overflow product wraps to zero", file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}`, nil),
		`safetensors: tensor "a": shape [4294967296 4294967296 0] has too many elements`, fmtErr},
	{"negative dim", file(`{"a":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": shape[0] = -1 is negative`, fmtErr},
	{"fractional dim", file(`{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": shape[0] = 1.5 is not an integer`, fmtErr},
	{"exponent dim", file(`{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": shape[0] = 1e0 is not an integer`, fmtErr},
	{"string dim", file(`{"a":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": shape[0] must be an integer, not a string`, fmtErr},
	{"too many dims", file(`{"a":{"dtype":"F32","shape":[`+strings.Repeat("1,", 64)+`1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": shape has more than 64 elements`, fmtErr},
	{"unknown dtype", file(`{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,1]}}`, make([]byte, 1)),
		`safetensors: tensor "a": unknown dtype "Q4"`, unsupErr},
	{"lowercase dtype", file(`{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": unknown dtype "f32"`, unsupErr},
	{"dtype not string", file(`{"a":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": dtype must be a string, not a number`, fmtErr},
	{"F4 partial byte", file(`{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,1]}}`, make([]byte, 1)),
		`safetensors: tensor "a": 3 elements of F4 do not fill a whole number of bytes`, fmtErr},
	{"missing dtype", file(`{"a":{"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": missing dtype`, fmtErr},
	{"missing shape", file(`{"a":{"dtype":"F32","data_offsets":[0,4]}}`, make([]byte, 4)),
		`safetensors: tensor "a": missing shape`, fmtErr},
	{"missing offsets", file(`{"a":{"dtype":"F32","shape":[1]}}`, make([]byte, 4)),
		`safetensors: tensor "a": missing data_offsets`, fmtErr},
	{"entry not object", file(`{"a":[1]}`, nil), `safetensors: tensor "a": the entry must be a JSON object, not an array`, fmtErr},
	{"entry null", file(`{"a":null}`, nil), `safetensors: tensor "a": the entry must be a JSON object, not null`, fmtErr},
	{"duplicate key", file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, make([]byte, 2)),
		`safetensors: the header has a duplicate key "a"`, fmtErr},
	{"duplicate metadata", file(`{"__metadata__":{},"__metadata__":{}}`, nil),
		`safetensors: the header has a duplicate key "__metadata__"`, fmtErr},
	{"duplicate metadata key", file(`{"__metadata__":{"k":"1","k":"2"}}`, nil),
		`safetensors: __metadata__ has a duplicate key "k"`, fmtErr},
	{"duplicate field", file(`{"a":{"dtype":"U8","shape":[1],"dtype":"U8","data_offsets":[0,1]}}`, make([]byte, 1)),
		`safetensors: tensor "a": duplicate field "dtype"`, fmtErr},
	{"overlapping tensors", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)),
		`safetensors: tensor "b": data_offsets [4 12] overlap tensor "a" [0 8]`, fmtErr},
	{"same offsets", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)),
		`safetensors: tensor "b": data_offsets [0 8] overlap tensor "a" [0 8]`, fmtErr},
	{"empty tensor inside another", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}`, make([]byte, 8)),
		`safetensors: tensor "b": data_offsets [4 4] overlap tensor "a" [0 8]`, fmtErr},
	{"gap", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12)),
		`safetensors: bytes [4 8) of the buffer belong to no tensor`, fmtErr},
	{"gap at start", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)),
		`safetensors: bytes [0 4) of the buffer belong to no tensor`, fmtErr},
	{"trailing bytes", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8)),
		`safetensors: bytes [4 8) of the buffer belong to no tensor`, fmtErr},
	{"buffer without tensors", file(`{}`, make([]byte, 1)),
		`safetensors: bytes [0 1) of the buffer belong to no tensor`, fmtErr},
	{"truncated buffer", truncatedCheckpoint(),
		`safetensors: tensor "unembed.W_U": data_offsets [25088 33280] exceed the 33180-byte buffer`, fmtErr | eofErr},
	{"metadata non-string", file(`{"__metadata__":{"epoch":0}}`, nil),
		`safetensors: __metadata__ "epoch": the value must be a string, not a number`, fmtErr},
	{"metadata nested", file(`{"__metadata__":{"epoch":{"a":"b"}}}`, nil),
		`safetensors: __metadata__ "epoch": the value must be a string, not an object`, fmtErr},
	{"metadata null value", file(`{"__metadata__":{"epoch":null}}`, nil),
		`safetensors: __metadata__ "epoch": the value must be a string, not null`, fmtErr},
	{"metadata array", file(`{"__metadata__":["a"]}`, nil),
		`safetensors: __metadata__ must be a JSON object, not an array`, fmtErr},
	{"deep nesting in unknown field", file(`{"a":{"x":`+strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+`}}`, nil),
		"safetensors: the header is not valid JSON: invalid character '[' exceeded max depth (after 10009 bytes)", fmtErr},
}

// truncatedCheckpoint is the test checkpoint without its last 100 bytes.
func truncatedCheckpoint() []byte {
	data, err := os.ReadFile("../compute/testdata/ref_epoch-00000.safetensors")
	if err != nil {
		panic(err)
	}
	return data[:len(data)-100]
}

func TestReaderErrors(t *testing.T) {
	for _, tc := range readerErrors {
		t.Run(tc.name, func(t *testing.T) {
			for _, fn := range []struct {
				name string
				read func(io.ReaderAt, int64) (*safetensors.File, error)
			}{{"Read", safetensors.Read}, {"ReadHeader", safetensors.ReadHeader}} {
				f, err := fn.read(bytes.NewReader(tc.data), int64(len(tc.data)))
				if err == nil {
					t.Fatalf("%s succeeded: %+v", fn.name, f)
				}
				if f != nil {
					t.Errorf("%s returned a File with its error", fn.name)
				}
				if err.Error() != tc.want {
					t.Errorf("%s error:\n got %s\nwant %s", fn.name, err, tc.want)
				}
				for _, k := range []struct {
					bit int
					err error
				}{{fmtErr, safetensors.ErrFormat}, {unsupErr, safetensors.ErrUnsupported}, {eofErr, io.ErrUnexpectedEOF}} {
					if got, want := errors.Is(err, k.err), tc.kinds&k.bit != 0; got != want {
						t.Errorf("%s: errors.Is(err, %v) = %v, want %v", fn.name, k.err, got, want)
					}
				}
			}
		})
	}
}

func TestReaderAccepts(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty object", file("{}", nil)},
		{"padded with whitespace", file("{} \t\r\n", nil)},
		{"metadata null", file(`{"__metadata__":null}`, nil)},
		{"metadata last, hand-rolled writer style", file(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"epoch":"3"}}  `, make([]byte, 4))},
		{"unknown field ignored", file(`{"a":{"dtype":"F32","x":{"y":[1,2,{"z":null}]},"shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4))},
		{"offsets out of name order", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 8))},
		{"empty tensors share an offset", file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"c":{"dtype":"F64","shape":[0,7],"data_offsets":[4,4]}}`, make([]byte, 4))},
		{"escaped name", file(`{"a\u00e9\n":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4))},
		{"parse-only dtypes", file(`{"a":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F4","shape":[2],"data_offsets":[1,2]},"c":{"dtype":"C64","shape":[1],"data_offsets":[2,10]}}`, make([]byte, 10))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := read(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			for _, info := range f.Tensors {
				_, _, ferr := f.Float64s(info.Name)
				_, _, ierr := f.Int64s(info.Name)
				if ferr != nil && ierr != nil && (!errors.Is(ferr, safetensors.ErrUnsupported) || !errors.Is(ierr, safetensors.ErrUnsupported)) {
					t.Errorf("tensor %q: %v / %v", info.Name, ferr, ierr)
				}
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	data := mustWrite(t, []safetensors.Tensor{{Name: "a", DType: safetensors.F32, Shape: []int{1}, F64: []float64{1}}}, nil)
	f, err := read(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Float64s("b"); !errors.Is(err, safetensors.ErrNotFound) || err.Error() != `safetensors: no tensor "b"` {
		t.Errorf("missing tensor: %v", err)
	}
	if _, ok := f.Info("b"); ok {
		t.Error("Info of a missing tensor succeeded")
	}
	if _, _, err := f.Int64s("a"); !errors.Is(err, safetensors.ErrUnsupported) || err.Error() != `safetensors: tensor "a": dtype F32 does not convert to int64` {
		t.Errorf("Int64s of F32: %v", err)
	}
	h, err := safetensors.ReadHeader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h.Tensors, f.Tensors) {
		t.Errorf("ReadHeader tensors %+v != Read tensors %+v", h.Tensors, f.Tensors)
	}
	if _, _, err := h.Float64s("a"); err == nil || err.Error() != `safetensors: tensor "a": data not loaded (the File comes from ReadHeader)` {
		t.Errorf("Float64s on a header-only File: %v", err)
	}
}

// TestLyingSize passes a size larger than the data: the header is fine,
// reading the buffer fails.
func TestLyingSize(t *testing.T) {
	data := file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4))
	if _, err := safetensors.ReadHeader(bytes.NewReader(data), int64(len(data))+4); err == nil ||
		err.Error() != `safetensors: bytes [4 8) of the buffer belong to no tensor` {
		t.Errorf("ReadHeader: %v", err)
	}
	data = file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 4))
	_, err := safetensors.Read(bytes.NewReader(data), int64(len(data))+4)
	if !errors.Is(err, io.ErrUnexpectedEOF) || err.Error() != "safetensors: reading the byte buffer: unexpected EOF" {
		t.Errorf("Read: %v", err)
	}
	if _, err := safetensors.Read(bytes.NewReader(data), -1); err == nil || err.Error() != "safetensors: negative file size -1" {
		t.Errorf("negative size: %v", err)
	}
}

// checkpointWant describes ../compute/testdata/ref_epoch-00000.safetensors (the reference run's epoch 0), written by
// the reference PyTorch script's hand-rolled writer (st_write).
var checkpointWant = []struct {
	name        string
	shape       []int
	first, last float64
	sum         float64 // sequential float64 sum, as computed by Python
}{
	{"blocks.0.attn.W_K", []int{1, 32, 32}, 0.21382658183574677, 0.20423492789268494, -2.2762115248769987},
	{"blocks.0.attn.W_O", []int{1, 32, 32}, -0.12449055910110474, 0.09717775881290436, 4.19540276238331},
	{"blocks.0.attn.W_Q", []int{1, 32, 32}, -0.22096073627471924, -0.0788271352648735, -5.917750454158522},
	{"blocks.0.attn.W_V", []int{1, 32, 32}, 0.0186179056763649, 0.00991430226713419, -6.2171922677371185},
	{"embed.W_E", []int{65, 32}, 0.06690328568220139, -0.10189122706651688, 0.23000949986817432},
	{"pos_embed.W_pos", []int{3, 32}, 0.09665897488594055, 0.007627060636878014, -1.9499888268401264},
	{"unembed.W_U", []int{32, 64}, 0.1258210390806198, -0.05319466441869736, -7.257146712207032},
}

func TestReadCheckpoint(t *testing.T) {
	f, err := safetensors.ReadFile("../compute/testdata/ref_epoch-00000.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f.Metadata, map[string]string{"epoch": "0"}) {
		t.Errorf("Metadata = %v", f.Metadata)
	}
	if len(f.Tensors) != len(checkpointWant) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(checkpointWant))
	}
	for i, w := range checkpointWant {
		info := f.Tensors[i]
		if info.Name != w.name || info.DType != safetensors.F32 || !reflect.DeepEqual(info.Shape, w.shape) {
			t.Errorf("tensor %d = %+v, want %s F32 %v", i, info, w.name, w.shape)
		}
		vals, shape, err := f.Float64s(w.name)
		if err != nil {
			t.Fatal(err)
		}
		var sum float64
		for _, v := range vals {
			sum += v
		}
		if !reflect.DeepEqual(shape, w.shape) || vals[0] != w.first || vals[len(vals)-1] != w.last || sum != w.sum {
			t.Errorf("%s: shape %v first %v last %v sum %v, want %v %v %v %v",
				w.name, shape, vals[0], vals[len(vals)-1], sum, w.shape, w.first, w.last, w.sum)
		}
	}
	u, _ := f.Info("unembed.W_U")
	if u.Begin != 25088 || u.End != 33280 {
		t.Errorf("unembed.W_U offsets [%d %d]", u.Begin, u.End)
	}

	// Rewriting it gives a file that reads back equal; since it has a
	// single dtype, the data layout (by name) and values are identical.
	data := mustWrite(t, fileTensors(t, f), f.Metadata)
	g, err := read(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Metadata, f.Metadata) {
		t.Errorf("rewritten metadata %v", g.Metadata)
	}
	for _, w := range checkpointWant {
		a, _, _ := f.Float64s(w.name)
		b, _, _ := g.Float64s(w.name)
		if !sameFloats(a, b) {
			t.Errorf("%s differs after rewrite", w.name)
		}
	}
}

func TestReadReferenceFiles(t *testing.T) {
	dir := testref.Shared(t, "reference/default")
	f, err := safetensors.ReadFile(filepath.Join(dir, "logits-epoch-00000.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	vals, shape, err := f.Float64s("logits")
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, v := range vals {
		sum += v
	}
	if !reflect.DeepEqual(shape, []int{4096, 64}) || len(f.Metadata) != 0 || vals[0] != -0.25152847170829773 ||
		vals[5*64+3] != 0.05314916372299194 || vals[len(vals)-1] != -0.054242946207523346 || sum != 468.21682007529307 {
		t.Errorf("logits: shape %v metadata %v [0]=%v [323]=%v [-1]=%v sum=%v",
			shape, f.Metadata, vals[0], vals[5*64+3], vals[len(vals)-1], sum)
	}
	// Listing checkpoints cheaply: every header parses.
	paths, _ := filepath.Glob(filepath.Join(dir, "run/checkpoints/*.safetensors"))
	if len(paths) == 0 {
		t.Fatal("no checkpoints")
	}
	for _, p := range paths {
		fd, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fd.Stat()
		h, err := safetensors.ReadHeader(fd, st.Size())
		fd.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(h.Tensors) != 7 || h.Metadata["epoch"] == "" {
			t.Errorf("%s: %d tensors, metadata %v", p, len(h.Tensors), h.Metadata)
		}
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.safetensors")
	_, err := safetensors.ReadFile(missing)
	if !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), "safetensors: open "+missing) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.safetensors")
	if err := os.WriteFile(bad, truncatedCheckpoint(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = safetensors.ReadFile(bad)
	want := "safetensors: " + bad + `: tensor "unembed.W_U": data_offsets [25088 33280] exceed the 33180-byte buffer`
	if err == nil || err.Error() != want || !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, safetensors.ErrFormat) {
		t.Errorf("truncated file:\n got %v\nwant %s", err, want)
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	tensors := []safetensors.Tensor{{Name: "w", DType: safetensors.F32, Shape: []int{2}, F64: []float64{1, 2}}}
	if err := safetensors.WriteFile(path, tensors, map[string]string{"epoch": "1"}); err != nil {
		t.Fatal(err)
	}
	// Overwrite.
	tensors[0].F64 = []float64{3, 4}
	if err := safetensors.WriteFile(path, tensors, map[string]string{"epoch": "2"}); err != nil {
		t.Fatal(err)
	}
	// A failing write leaves the old file alone.
	bad := []safetensors.Tensor{{Name: "w", DType: safetensors.F32, Shape: []int{3}, F64: []float64{1}}}
	err := safetensors.WriteFile(path, bad, nil)
	want := "safetensors: " + path + `: tensor "w": 1 values in F64, but shape [3] has 3 elements`
	if err == nil || err.Error() != want {
		t.Errorf("bad WriteFile:\n got %v\nwant %s", err, want)
	}
	f, err := safetensors.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vals, _, _ := f.Float64s("w")
	if !reflect.DeepEqual(vals, []float64{3, 4}) || f.Metadata["epoch"] != "2" {
		t.Errorf("read back %v %v", vals, f.Metadata)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the file (temporary files left?)", len(entries))
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "no/such/dir/x.safetensors"), tensors, nil); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
}

// allocated returns the bytes allocated while running fn.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// sizedReader is a ReaderAt over data that claims to be size bytes.
type sizedReader struct {
	data []byte
}

func (r sizedReader) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(r.data).ReadAt(p, off)
}

func TestAllocationBounded(t *testing.T) {
	hugeTensor := file(`{"a":{"dtype":"F32","shape":[274877906944],"data_offsets":[0,1099511627776]}}`, make([]byte, 8))
	hugeHeader := withLen(safetensors.MaxHeaderSize, "{}")
	for _, tc := range []struct {
		name string
		data []byte
		size int64
		want string
	}{
		{"1 TB header in a 16-byte file", withLen(1<<40, "{}      "), 16,
			"safetensors: header length 1099511627776 exceeds the 100000000-byte limit"},
		{"huge shapes", file(`{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]},`+
			`"b":{"dtype":"F64","shape":[1152921504606846976],"data_offsets":[4,4]}}`, make([]byte, 4)), -1,
			`safetensors: tensor "a": shape [1099511627776 1099511627776] has too many elements`},
		{"1 TB tensor, honest size", hugeTensor, -1,
			`safetensors: tensor "a": data_offsets [0 1099511627776] exceed the 8-byte buffer`},
		{"1 TB tensor, lying size", hugeTensor, int64(len(hugeTensor)) - 8 + 1<<40,
			"safetensors: reading the byte buffer: unexpected EOF"},
		{"100 MB header, lying size", hugeHeader, 1 << 40,
			"safetensors: reading the header: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size < 0 {
				size = int64(len(tc.data))
			}
			var err error
			n := allocated(func() { _, err = safetensors.Read(sizedReader{tc.data}, size) })
			if err == nil || err.Error() != tc.want {
				t.Errorf("error:\n got %v\nwant %s", err, tc.want)
			}
			if n > 1<<20 {
				t.Errorf("Read allocated %d bytes", n)
			}
		})
	}
}

// TestAllocationProportional checks that valid files with pathological
// headers (many tiny tensors, long shapes, many unknown fields, large
// metadata) cost a small multiple of their size, and that a file of real
// data costs its size.
func TestAllocationProportional(t *testing.T) {
	var tensors []safetensors.Tensor
	for i := range 20000 {
		tensors = append(tensors, safetensors.Tensor{Name: string(rune('a'+i%26)) + strings.Repeat("x", i%7) + string(rune(0x4e00+i)),
			DType: safetensors.U8, Shape: make([]int, 64), I64: []int64{}})
	}
	var unknown, many strings.Builder
	unknown.WriteString(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[0,0]`)
	for range 200000 {
		unknown.WriteString(`,"":0`)
	}
	unknown.WriteString(`}}`)
	many.WriteString(`{"__metadata__":{`)
	for i := range 100000 {
		fmt.Fprintf(&many, `"%d":"",`, i)
	}
	many.WriteString(`"":""}`)
	for i := range 50000 {
		fmt.Fprintf(&many, `,"%d":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}`, i)
	}
	many.WriteString(`}`)
	for _, tc := range []struct {
		name     string
		data     []byte
		maxRatio float64
	}{
		{"64-dimension shapes", mustWrite(t, tensors, nil), 8},
		{"unknown fields", file(unknown.String(), nil), 8},
		{"many tensors and metadata", file(many.String(), nil), 8},
		{"4 MB of data", mustWrite(t, []safetensors.Tensor{{Name: "w", DType: safetensors.F32, Shape: []int{1 << 20}, F64: make([]float64, 1<<20)}}, nil), 1.01},
	} {
		var err error
		n := allocated(func() { _, err = read(tc.data) })
		if err != nil {
			t.Fatal(err)
		}
		ratio := float64(n) / float64(len(tc.data))
		t.Logf("%s: file %d bytes, Read allocated %d bytes (%.2fx)", tc.name, len(tc.data), n, ratio)
		if ratio > tc.maxRatio {
			t.Errorf("%s: Read allocated %.2fx the file size, want at most %gx", tc.name, ratio, tc.maxRatio)
		}
	}
}

// TestAppendAndLayout checks Append and Layout against Write: Append's bytes are Write's (also
// after existing bytes, and for tensors larger than Write's chunk), and Layout's header and
// offsets are those in Write's file, without reading any value.
func TestAppendAndLayout(t *testing.T) {
	big := make([]float64, 20000) // more than one of Write's chunks
	for i := range big {
		big[i] = math.Sin(float64(i)) * 1e3
	}
	for _, tc := range []struct {
		name    string
		tensors []safetensors.Tensor
		meta    map[string]string
	}{
		{"mixed", []safetensors.Tensor{
			{Name: "c", DType: safetensors.F16, Shape: []int{3}, F64: []float64{1, 2, math.NaN()}},
			{Name: "b", DType: safetensors.F64, Shape: []int{1}, F64: []float64{1}},
			{Name: "a", DType: safetensors.U8, Shape: []int{1}, I64: []int64{7}},
			{Name: "d", DType: safetensors.F32, Shape: []int{2}, F64: []float64{0.1, math.Inf(-1)}},
			{Name: "e", DType: safetensors.BF16, Shape: []int{1}, F64: []float64{3}},
			{Name: "f", DType: safetensors.I32, Shape: []int{2}, I64: []int64{-5, 1 << 30}},
		}, map[string]string{"epoch": "7"}},
		{"large", []safetensors.Tensor{
			{Name: "x", DType: safetensors.F32, Shape: []int{4, 5000}, F64: big},
			{Name: "y", DType: safetensors.F64, Shape: []int{20000}, F64: big},
		}, nil},
		{"empty", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := mustWrite(t, tc.tensors, tc.meta)
			got, err := safetensors.Append([]byte("prefix"), tc.tensors, tc.meta)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
				t.Fatalf("Append differs from Write (%d bytes, want %d)", len(got)-6, len(want))
			}
			bare := make([]safetensors.Tensor, len(tc.tensors))
			for i, ts := range tc.tensors {
				bare[i] = safetensors.Tensor{Name: ts.Name, DType: ts.DType, Shape: ts.Shape}
			}
			hdr, begin, err := safetensors.Layout(bare, tc.meta)
			if err != nil {
				t.Fatal(err)
			}
			if n := binary.LittleEndian.Uint64(want); !bytes.Equal(hdr, want[8:8+n]) {
				t.Fatalf("Layout header\n%s\nwant\n%s", hdr, want[8:8+n])
			}
			f, err := read(want)
			if err != nil {
				t.Fatal(err)
			}
			for i, ts := range tc.tensors {
				for _, info := range f.Tensors {
					if info.Name == ts.Name && info.Begin != begin[i] {
						t.Errorf("%s begins at %d, Layout says %d", ts.Name, info.Begin, begin[i])
					}
				}
			}
		})
	}
}
