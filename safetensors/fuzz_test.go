package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"maxgrok/safetensors"
)

// FuzzRead checks, for any input, that Read does not panic; that a failure
// is an ErrFormat or ErrUnsupported error starting with "safetensors: ",
// the same as ReadHeader's; and that on success ReadHeader agrees, every
// tensor converts (or reports ErrUnsupported for the dtypes that do not
// convert), and writing the convertible tensors and the metadata gives a
// file that reads back equal, and writes back to the same bytes.
//
// The seed corpus is testdata/fuzz/FuzzRead plus the test checkpoint.
func FuzzRead(f *testing.F) {
	if data, err := os.ReadFile("../compute/testdata/ref_epoch-00000.safetensors"); err == nil {
		f.Add(data)
	}
	f.Fuzz(checkRead)
}

// FuzzHeader is FuzzRead with the header and the buffer as separate inputs
// and a correct header length, so that the fuzzer explores the JSON parsing
// instead of mostly breaking the length prefix. Its seeds are the headers of
// the readerErrors table and a few valid files.
func FuzzHeader(f *testing.F) {
	for _, tc := range readerErrors {
		if len(tc.data) >= 8 {
			n := binary.LittleEndian.Uint64(tc.data)
			if n <= uint64(len(tc.data)-8) {
				f.Add(string(tc.data[8:8+n]), tc.data[8+n:])
			}
		}
	}
	f.Add(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}`, []byte{0, 0x3c, 0xff, 0x7b})
	f.Add(`{"a\u0062":{"dtype":"BF16","shape":[],"data_offsets":[0,2]},"b":{"dtype":"I32","shape":[1,1],"data_offsets":[2,6]}}  `, []byte{1, 2, 3, 4, 5, 6})
	f.Fuzz(func(t *testing.T, header string, buf []byte) {
		checkRead(t, file(header, buf))
	})
}

// checkRead checks the properties FuzzRead and FuzzHeader assert.
func checkRead(t *testing.T, data []byte) {
	file, err := safetensors.Read(bytes.NewReader(data), int64(len(data)))
	hfile, herr := safetensors.ReadHeader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		if file != nil {
			t.Fatalf("Read returned a File and the error %v", err)
		}
		if !strings.HasPrefix(err.Error(), "safetensors: ") {
			t.Fatalf("error without prefix: %v", err)
		}
		if !errors.Is(err, safetensors.ErrFormat) && !errors.Is(err, safetensors.ErrUnsupported) {
			t.Fatalf("error is neither ErrFormat nor ErrUnsupported: %v", err)
		}
		if errors.Is(err, safetensors.ErrFormat) && errors.Is(err, safetensors.ErrUnsupported) {
			t.Fatalf("error is both ErrFormat and ErrUnsupported: %v", err)
		}
		if herr == nil || herr.Error() != err.Error() {
			t.Fatalf("Read error %v, ReadHeader error %v", err, herr)
		}
		return
	}
	if herr != nil {
		t.Fatalf("Read succeeded, ReadHeader failed: %v", herr)
	}
	if !reflect.DeepEqual(hfile.Tensors, file.Tensors) || !reflect.DeepEqual(hfile.Metadata, file.Metadata) {
		t.Fatalf("ReadHeader %+v differs from Read %+v", hfile, file)
	}

	var out []safetensors.Tensor
	for i, info := range file.Tensors {
		if i > 0 && file.Tensors[i-1].Name >= info.Name {
			t.Fatalf("Tensors not sorted by name: %q, %q", file.Tensors[i-1].Name, info.Name)
		}
		if got, ok := file.Info(info.Name); !ok || !reflect.DeepEqual(got, info) {
			t.Fatalf("Info(%q) = %+v, %v", info.Name, got, ok)
		}
		n := 1
		for _, d := range info.Shape {
			n *= d
		}
		fv, fshape, ferr := file.Float64s(info.Name)
		iv, ishape, ierr := file.Int64s(info.Name)
		switch {
		case ferr == nil:
			if len(fv) != n || !reflect.DeepEqual(fshape, info.Shape) {
				t.Fatalf("tensor %q: %d values, shape %v; want %d, %v", info.Name, len(fv), fshape, n, info.Shape)
			}
			out = append(out, safetensors.Tensor{Name: info.Name, DType: info.DType, Shape: info.Shape, F64: fv})
		case ierr == nil:
			if len(iv) != n || !reflect.DeepEqual(ishape, info.Shape) {
				t.Fatalf("tensor %q: %d values, shape %v; want %d, %v", info.Name, len(iv), ishape, n, info.Shape)
			}
			out = append(out, safetensors.Tensor{Name: info.Name, DType: info.DType, Shape: info.Shape, I64: iv})
		default:
			if !errors.Is(ferr, safetensors.ErrUnsupported) || !errors.Is(ierr, safetensors.ErrUnsupported) {
				t.Fatalf("tensor %q of %s does not convert: %v; %v", info.Name, info.DType, ferr, ierr)
			}
		}
	}

	var buf bytes.Buffer
	if err := safetensors.Write(&buf, out, file.Metadata); err != nil {
		t.Fatalf("Write of a file just read: %v", err)
	}
	written := buf.Bytes()
	again, err := safetensors.Read(bytes.NewReader(written), int64(len(written)))
	if err != nil {
		t.Fatalf("re-reading a written file: %v", err)
	}
	if len(again.Metadata) != len(file.Metadata) || (len(file.Metadata) > 0 && !reflect.DeepEqual(again.Metadata, file.Metadata)) {
		t.Fatalf("metadata %v, re-read as %v", file.Metadata, again.Metadata)
	}
	if len(again.Tensors) != len(out) {
		t.Fatalf("%d tensors written, %d re-read", len(out), len(again.Tensors))
	}
	for _, w := range out {
		info, ok := again.Info(w.Name)
		if !ok || info.DType != w.DType || !reflect.DeepEqual(info.Shape, w.Shape) {
			t.Fatalf("tensor %q re-read as %+v, %v", w.Name, info, ok)
		}
		if w.F64 != nil {
			got, _, err := again.Float64s(w.Name)
			if err != nil || !sameBits(got, w.F64) {
				t.Fatalf("tensor %q: values %v re-read as %v (%v)", w.Name, w.F64, got, err)
			}
		} else {
			got, _, err := again.Int64s(w.Name)
			if err != nil || !reflect.DeepEqual(got, w.I64) {
				t.Fatalf("tensor %q: values %v re-read as %v (%v)", w.Name, w.I64, got, err)
			}
		}
	}
	// Writing is deterministic and a fixed point.
	var buf2 bytes.Buffer
	if err := safetensors.Write(&buf2, fileTensors(t, again), again.Metadata); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf2.Bytes(), written) {
		t.Fatalf("rewriting changed the bytes:\n%q\n%q", written, buf2.Bytes())
	}
	// A truncated copy fails cleanly.
	if len(written) > 8 {
		cut := written[:len(written)-1]
		if _, err := safetensors.Read(bytes.NewReader(cut), int64(len(cut))); err == nil {
			t.Fatal("Read of a truncated file succeeded")
		}
	}
}

// sameBits compares float64 slices bit for bit: the conversions keep NaN
// payloads, signed zeros and all.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestFuzzCorpusValid makes sure the seed corpus holds both valid and
// invalid files, so the fuzzer starts from both.
func TestFuzzCorpusValid(t *testing.T) {
	entries, err := os.ReadDir("testdata/fuzz/FuzzRead")
	if err != nil {
		t.Fatal(err)
	}
	valid, invalid := 0, 0
	for _, e := range entries {
		data, err := readCorpusFile("testdata/fuzz/FuzzRead/" + e.Name())
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if _, err := read(data); err == nil {
			valid++
		} else {
			invalid++
		}
	}
	t.Logf("%d valid, %d invalid seeds", valid, invalid)
	if valid < 3 || invalid < 3 {
		t.Errorf("%d valid and %d invalid seeds, want at least 3 of each", valid, invalid)
	}
}

// readCorpusFile decodes a "go test fuzz v1" file holding one []byte.
func readCorpusFile(path string) ([]byte, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.SplitN(string(text), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		return nil, errors.New("not a go test fuzz v1 file")
	}
	s := strings.TrimSpace(lines[1])
	if !strings.HasPrefix(s, "[]byte(") || !strings.HasSuffix(s, ")") {
		return nil, errors.New("not a []byte value")
	}
	v, err := strconv.Unquote(s[len("[]byte(") : len(s)-1])
	return []byte(v), err
}
