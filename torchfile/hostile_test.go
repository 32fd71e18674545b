package torchfile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// pk builds pickles for tests.
type pk struct{ bytes.Buffer }

func newPK() *pk {
	p := &pk{}
	p.Write([]byte{opProto, 2})
	return p
}

func (p *pk) op(b ...byte) *pk { p.Write(b); return p }

func (p *pk) str(s string) *pk {
	p.WriteByte(opBinUnicode)
	binary.Write(&p.Buffer, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
	return p
}

func (p *pk) int(i int64) *pk {
	p.WriteByte(opBinInt)
	binary.Write(&p.Buffer, binary.LittleEndian, int32(i))
	return p
}

func (p *pk) long(i int64) *pk {
	p.Write([]byte{opLong1, 8})
	binary.Write(&p.Buffer, binary.LittleEndian, i)
	return p
}

func (p *pk) global(mod, name string) *pk {
	p.WriteByte(opGlobal)
	p.WriteString(mod + "\n" + name + "\n")
	return p
}

func (p *pk) tuple(f func()) *pk {
	p.WriteByte(opMark)
	f()
	p.WriteByte(opTuple)
	return p
}

func (p *pk) ints(v ...int64) *pk {
	return p.tuple(func() {
		for _, i := range v {
			p.long(i)
		}
	})
}

func (p *pk) stop() []byte { p.WriteByte(opStop); return p.Bytes() }

// tensor appends _rebuild_tensor_v2 of a float32 storage with key "0".
func (p *pk) tensor(numel, offset int64, shape, stride []int64) *pk {
	p.global("torch._utils", "_rebuild_tensor_v2")
	p.tuple(func() {
		p.tuple(func() {
			p.str("storage").global("torch", "FloatStorage").str("0").str("cpu").long(numel)
		})
		p.op(opBinPersID)
		p.long(offset).ints(shape...).ints(stride...).op(opNewFalse)
		p.global("collections", "OrderedDict").op(opEmptyTuple, opReduce)
	})
	return p.op(opReduce)
}

// oneTensor is the pickle of {'w': tensor}.
func oneTensor(numel, offset int64, shape, stride []int64) []byte {
	p := newPK().op(opEmptyDict).str("w")
	return p.tensor(numel, offset, shape, stride).op(opSetItem).stop()
}

type entry struct {
	name string
	data []byte
}

// makeZip stores entries under archive/ as torch does.
func makeZip(t testing.TB, entries ...entry) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range entries {
		f, err := w.CreateHeader(&zip.FileHeader{Name: "archive/" + e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(e.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bomb is 256 MiB of zeros, deflated (about 256 KB), made once.
var bomb = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 256 {
		w.Write(zeros)
	}
	w.Close()
	return b.Bytes()
})

const bombSize = 256 << 20

// bombZip holds data.pkl and a data/0 entry of the deflated zeros whose
// header declares declared bytes.
func bombZip(t testing.TB, pkl []byte, declared uint64, bombAs string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	add := func(name string, data []byte) {
		f, _ := w.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: zip.Store})
		f.Write(data)
	}
	if bombAs != "data.pkl" {
		add("data.pkl", pkl)
	}
	crc := crc32.NewIEEE()
	zeros := make([]byte, 1<<20)
	for range bombSize >> 20 {
		crc.Write(zeros)
	}
	z := bomb()
	f, err := w.CreateRaw(&zip.FileHeader{Name: "archive/" + bombAs, Method: zip.Deflate,
		CRC32: crc.Sum32(), CompressedSize64: uint64(len(z)), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	f.Write(z)
	w.Close()
	return b.Bytes()
}

// allocated runs f and reports the bytes it allocated.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

func legacyFile(t testing.TB, obj []byte, keys []byte, storages ...[]byte) []byte {
	var b bytes.Buffer
	b.Write([]byte("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."))
	b.Write(newPK().int(1001).stop())
	b.Write(newPK().op(opEmptyDict).str("little_endian").op(opNewTrue, opSetItem).stop())
	b.Write(obj)
	b.Write(keys)
	for _, s := range storages {
		b.Write(s)
	}
	return b.Bytes()
}

func TestHostile(t *testing.T) {
	evil, err := os.ReadFile("testdata/evil_os_system.pt")
	if err != nil {
		t.Fatal(err)
	}
	float8K := make([]byte, 8192)
	store10 := make([]byte, 40)
	nested := append([]byte{opProto, 2}, bytes.Repeat([]byte{opMark}, 100_000)...)
	legacyObj := func(numel int64) []byte {
		p := newPK().op(opEmptyDict).str("w").global("torch._utils", "_rebuild_tensor_v2")
		p.tuple(func() {
			p.tuple(func() {
				p.str("storage").global("torch", "FloatStorage").str("0").str("cpu").long(numel).op(opNone)
			})
			p.op(opBinPersID).long(0).ints(numel).ints(1).op(opNewFalse).op(opEmptyDict)
		})
		return p.op(opReduce, opSetItem).stop()
	}
	keys0 := newPK().op(opEmptyList).str("0").op(opAppend).stop()
	count := func(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }
	reduceOf := func(mod, name string) []byte {
		return newPK().global(mod, name).tuple(func() {}).op(opReduce).stop()
	}
	stackGlobal := func(mod, name string) []byte {
		p := &pk{}
		p.op(opProto, 4).op(opShortBinUnicode, byte(len(mod))).WriteString(mod)
		p.op(opShortBinUnicode, byte(len(name))).WriteString(name)
		return p.op(opStackGlobal).str("x").op(opTuple1, opReduce).stop()
	}
	// set(L) many times over one memoized list of 4096 items.
	quadratic := func() []byte {
		p := newPK().op(opEmptyList, opBinPut, 0, opMark)
		for range 4096 {
			p.op(opNone)
		}
		p.op(opAppends, opEmptyList, opMark)
		for range 20000 {
			p.global("builtins", "set").op(opBinGet, 0, opTuple1, opReduce)
		}
		return p.op(opAppends).stop()
	}
	// One storage of 1000 elements, shown a million times by a stride-0 view.
	wide := makeZip(t, entry{"data.pkl", oneTensor(1000, 0, []int64{1 << 20, 1000}, []int64{0, 1})}, entry{"data/0", make([]byte, 4000)})

	cases := []struct {
		name string
		file []byte
		want string
		is   error
	}{
		{"os.system by torch.save", evil, "refusing to call posix.system", ErrUnsafe},
		{"os.system", makeZip(t, entry{"data.pkl", reduceOf("os", "system")}), "pickle: refusing to call os.system", ErrUnsafe},
		{"nt.system by STACK_GLOBAL", makeZip(t, entry{"data.pkl", stackGlobal("nt", "system")}), "refusing to call nt.system", ErrUnsafe},
		{"subprocess by NEWOBJ", makeZip(t, entry{"data.pkl", newPK().global("subprocess", "Popen").tuple(func() {}).op(opNewObj).stop()}), "refusing to call subprocess.Popen", ErrUnsafe},
		{"eval", makeZip(t, entry{"data.pkl", reduceOf("__builtin__", "eval")}), "refusing to call builtins.eval", ErrUnsafe},
		{"importlib", makeZip(t, entry{"data.pkl", reduceOf("importlib", "import_module")}), "refusing to call importlib.import_module", ErrUnsafe},
		{"getattr of a dunder", makeZip(t, entry{"data.pkl", func() []byte {
			p := newPK().global("builtins", "getattr")
			p.tuple(func() { p.global("torch", "device").str("__class__") })
			return p.op(opReduce).stop()
		}()}), "refusing to call builtins.getattr", ErrUnsafe},
		{"getattr then call", makeZip(t, entry{"data.pkl", func() []byte {
			p := newPK().global("builtins", "getattr")
			p.tuple(func() { p.global("os", "path").str("join") })
			return p.op(opReduce).str("a").op(opTuple1, opReduce).stop()
		}()}), "refusing to call os.path.join", ErrUnsafe},
		{"legacy os.system", legacyFile(t, reduceOf("posix", "system"), newPK().op(opEmptyList).stop()), "offset 65: pickle: refusing to call posix.system", ErrUnsafe},
		{"2^30 elements over 8 KB", makeZip(t, entry{"data.pkl", oneTensor(1<<30, 0, []int64{1 << 30}, []int64{1})}, entry{"data/0", float8K}),
			"archive/data/0: storage of 1073741824 float32 elements needs 4294967296 bytes, the entry has 8192", nil},
		{"2^62 elements overflow", makeZip(t, entry{"data.pkl", oneTensor(1<<62, 0, []int64{1}, []int64{1})}, entry{"data/0", float8K}),
			"storage \"0\" of 4611686018427387904 elements of 4 bytes overflows", ErrLimit},
		{"view beyond storage", makeZip(t, entry{"data.pkl", oneTensor(10, 5, []int64{2, 3}, []int64{3, 1})}, entry{"data/0", store10}),
			"tensor of shape [2 3] on storage \"0\": view reaches element 10 of a storage of 10 elements", nil},
		{"offset beyond storage", makeZip(t, entry{"data.pkl", oneTensor(10, 11, []int64{0}, []int64{1})}, entry{"data/0", store10}),
			"storage offset 11 beyond its 10 elements", nil},
		{"view overflows", makeZip(t, entry{"data.pkl", oneTensor(10, 0, []int64{3, 2}, []int64{1 << 62, 1})}, entry{"data/0", store10}),
			"view overflows", ErrLimit},
		{"stride-0 view of a million rows", wide, "1048576000 elements, more than the", ErrLimit},
		{"storage entry missing", makeZip(t, entry{"data.pkl", oneTensor(10, 0, []int64{10}, []int64{1})}), `no entry for storage "0"`, nil},
		{"zip bomb storage", bombZip(t, oneTensor(bombSize/4, 0, []int64{bombSize / 4}, []int64{1}), bombSize, "data/0"),
			"archive/data/0: 268435456 bytes, more than the", ErrLimit},
		{"zip bomb data.pkl", bombZip(t, nil, bombSize, "data.pkl"), "archive/data.pkl: 268435456 bytes, more than the", ErrLimit},
		{"zip bomb with a lying header", bombZip(t, nil, 1000, "data.pkl"), "archive/data.pkl: offset 1000: zip: not a valid zip file", zip.ErrFormat},
		{"100,000 nested MARKs", makeZip(t, entry{"data.pkl", nested}), "archive/data.pkl: offset 1002: pickle: more than 1000 nested MARKs", ErrLimit},
		{"set(L) 20,000 times", makeZip(t, entry{"data.pkl", quadratic()}), "steps of work for a pickle of", ErrLimit},
		{"string longer than the pickle", makeZip(t, entry{"data.pkl", []byte("\x80\x02X\xff\xff\xff\xff")}),
			"archive/data.pkl: offset 2: pickle: BINUNICODE of 4294967295 bytes: unexpected EOF", io.ErrUnexpectedEOF},
		{"BINBYTES8 of 2^63", makeZip(t, entry{"data.pkl", []byte("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7f")}), "BINBYTES8 of 9223372036854775807 bytes: unexpected EOF", io.ErrUnexpectedEOF},
		{"frame longer than the pickle", makeZip(t, entry{"data.pkl", []byte("\x80\x04\x95\x00\x00\x00\x00\x01\x00\x00\x00N.")}), "frame of 4294967296 bytes", io.ErrUnexpectedEOF},
		{"unknown opcode", makeZip(t, entry{"data.pkl", []byte("\x80\x02N\xff.")}), "archive/data.pkl: offset 3: pickle: unknown opcode 0xff", nil},
		{"EXT1", makeZip(t, entry{"data.pkl", []byte("\x80\x02\x82\x01.")}), "offset 2: pickle: unsupported opcode EXT1 (0x82)", nil},
		{"no STOP", makeZip(t, entry{"data.pkl", []byte("\x80\x02N")}), "offset 3: pickle: no STOP opcode: unexpected EOF", io.ErrUnexpectedEOF},
		{"stack underflow", makeZip(t, entry{"data.pkl", []byte("\x80\x02a.")}), "offset 2: pickle: stack underflow", nil},
		{"pop across a MARK", makeZip(t, entry{"data.pkl", []byte("\x80\x02](a.")}), "offset 4: pickle: stack underflow", nil},
		{"memo miss", makeZip(t, entry{"data.pkl", []byte("\x80\x02h\x07.")}), "pickle: memo has no entry 7", nil},
		{"integer beyond int64", makeZip(t, entry{"data.pkl", []byte("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01.")}), "integer of 9 bytes does not fit in 64 bits", ErrLimit},
		{"unhashable key", makeZip(t, entry{"data.pkl", []byte("\x80\x02}]Ns.")}), "pickle: dict key: unhashable key of type list", nil},
		{"deep tuple key", makeZip(t, entry{"data.pkl", append(append([]byte("\x80\x02}N"), bytes.Repeat([]byte{opTuple1}, 100)...), 'N', 's', '.')}), "key too complex: a tuple of more than 64 parts", nil},
		{"append to a dict", makeZip(t, entry{"data.pkl", []byte("\x80\x02}Na.")}), "pickle: APPEND to a dict", nil},
		{"REDUCE of a string", makeZip(t, entry{"data.pkl", newPK().str("os").tuple(func() {}).op(opReduce).stop()}), "pickle: REDUCE of a str, not a global", nil},
		{"persistent id not a storage", makeZip(t, entry{"data.pkl", newPK().str("x").op(opBinPersID).stop()}), "persistent id of type str is not a storage", nil},
		{"unknown storage type", makeZip(t, entry{"data.pkl", newPK().tuple(func() {}).op(opPop).tuple(func() {}).op(opPop).
			op(opMark).str("storage").global("os", "FloatStorage").str("0").str("cpu").long(1).op(opTuple, opBinPersID).stop()}),
			"storage of unknown type global os.FloatStorage", nil},
		{"big-endian byteorder", makeZip(t, entry{"byteorder", []byte("big")}, entry{"data.pkl", []byte("\x80\x02N.")}), "torchfile: archive/byteorder: big-endian files are not supported", ErrBigEndian},
		{"TorchScript", makeZip(t, entry{"constants.pkl", nil}, entry{"data.pkl", []byte("\x80\x02N.")}), "a TorchScript archive", nil},
		{"no data.pkl", makeZip(t, entry{"data/0", nil}), "no <archive>/data.pkl entry", nil},
		{"empty file", nil, "file of 0 bytes is not a torch.save file", io.ErrUnexpectedEOF},
		{"not a torch file", []byte("hello, world\n"), "not a torch.save file: no zip signature, no legacy magic number", nil},
		{"legacy big-endian", func() []byte {
			b := legacyFile(t, nil, nil)
			return bytes.Replace(b, []byte("little_endian\x88"), []byte("little_endian\x89"), 1)
		}(), "big-endian files are not supported", ErrBigEndian},
		{"legacy count mismatch", legacyFile(t, legacyObj(10), keys0, count(11), store10), `storage "0" has 11 elements, the pickle says 10`, nil},
		{"legacy storage truncated", legacyFile(t, legacyObj(10), keys0, count(10), store10[:39]), `storage "0" of 40 bytes, 39 left: unexpected EOF`, io.ErrUnexpectedEOF},
		{"legacy 2^30 elements", legacyFile(t, legacyObj(1<<30), keys0, count(1<<30), float8K), "storage \"0\" of 4294967296 bytes, 8192 left", io.ErrUnexpectedEOF},
		{"legacy unknown key", legacyFile(t, legacyObj(10), newPK().op(opEmptyList).str("1").op(opAppend).stop(), count(10), store10), `storage key "1" is not a storage of the pickle`, nil},
		{"legacy storage never listed", legacyFile(t, legacyObj(10), newPK().op(opEmptyList).stop()), "storage has no data", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			mem := allocated(func() {
				_, err = Read(bytes.NewReader(c.file), int64(len(c.file)))
			})
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q\nwant it to contain %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "torchfile: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %q is not %v", err, c.is)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %q is not a *FormatError", err)
			}
			if limit := uint64(8<<20) + 4*uint64(len(c.file)); mem > limit {
				t.Errorf("allocated %d bytes for a file of %d, more than %d", mem, len(c.file), limit)
			}
			t.Logf("%d-byte file: %d bytes allocated: %v", len(c.file), mem, err)
		})
	}
}

// TestTruncated reads every prefix of real files: each must fail cleanly.
func TestTruncated(t *testing.T) {
	for _, name := range []string{"state_zip.pt", "state_legacy.pt", "state_legacy_p4.pt", "lightning.ckpt"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		// Every cut in the pickles (at the start) and the central
		// directory (at the end), some in between.
		step := 37
		if testing.Short() {
			step = 97
		}
		for n := 0; n < len(b); n++ {
			if n > 3000 && n < len(b)-3000 && n%step != 0 {
				continue
			}
			v, err := Read(bytes.NewReader(b[:n]), int64(n))
			if err == nil {
				t.Fatalf("%s cut at %d: no error, read %T", name, n, v)
			}
			if !strings.HasPrefix(err.Error(), "torchfile: ") {
				t.Fatalf("%s cut at %d: %v", name, n, err)
			}
		}
	}
	if b, _ := os.ReadFile("testdata/state_zip.pt"); true {
		_, err := Read(bytes.NewReader(b[:len(b)/2]), int64(len(b)/2))
		if err == nil || !strings.Contains(err.Error(), "zip: not a valid zip file") {
			t.Errorf("half a zip: %v", err)
		}
	}
}

// TestCorrupt flips bytes of real files: reading must not panic.
func TestCorrupt(t *testing.T) {
	for _, name := range []string{"state_zip.pt", "state_legacy.pt", "lightning.ckpt"} {
		orig, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, len(orig))
		step := 23
		if testing.Short() {
			step = 211
		}
		for i := 0; i < len(orig); i += step {
			copy(b, orig)
			b[i] ^= 0xa5
			Read(bytes.NewReader(b), int64(len(b)))
		}
	}
}

func TestLimits(t *testing.T) {
	b, err := os.ReadFile("testdata/state_zip.pt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (Limits{MaxBytes: 1000}).Read(bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrLimit) {
		t.Errorf("MaxBytes 1000: %v", err)
	}
	if _, err := (Limits{MaxElements: 1000}).Read(bytes.NewReader(b), int64(len(b))); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "elements, more than the") {
		t.Errorf("MaxElements 1000: %v", err)
	}
	if _, err := (Limits{MaxBytes: 1 << 30, MaxElements: 1 << 30}).Read(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Errorf("large limits: %v", err)
	}
}

// TestMemoryReal reports the allocation for a real file, as a reference.
func TestMemoryReal(t *testing.T) {
	b, err := os.ReadFile("testdata/lightning.ckpt")
	if err != nil {
		t.Fatal(err)
	}
	mem := allocated(func() {
		if _, err := Read(bytes.NewReader(b), int64(len(b))); err != nil {
			t.Error(err)
		}
	})
	t.Logf("lightning.ckpt, %d bytes: %d bytes allocated", len(b), mem)
	if mem > 16*uint64(len(b))+1<<20 {
		t.Errorf("allocated %d", mem)
	}
}

// TestMemoryPerPickleByte measures the worst cases of the object tree's
// growth: a pickle of a million one- or two-byte opcodes that each make
// an object. The figures are of all bytes allocated, including the
// stack's growth by appending (which allocates about five times its final
// size); the peak is lower.
func TestMemoryPerPickleByte(t *testing.T) {
	const n = 1 << 20
	for _, c := range []struct {
		name string
		unit []byte
	}{
		{"EMPTY_DICT", []byte{opEmptyDict}},
		{"EMPTY_DICT MEMOIZE", []byte{opEmptyDict, opMemoize}},
		{"EMPTY_LIST", []byte{opEmptyList}},
		{"EMPTY_SET", []byte{opEmptySet}},
		{"NONE TUPLE1", []byte{opNone, opTuple1}},
		{"NONE", []byte{opNone}},
		{"EMPTY_TUPLE MEMOIZE", []byte{opEmptyTuple, opMemoize}},
	} {
		p := append([]byte{opProto, 4}, bytes.Repeat(c.unit, n/len(c.unit))...)
		p = append(p, opStop)
		file := makeZip(t, entry{"data.pkl", p})
		var err error
		mem := allocated(func() { _, err = Read(bytes.NewReader(file), int64(len(file))) })
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		per := float64(mem) / float64(len(p))
		t.Logf("%s: %d bytes allocated for a pickle of %d: %.0f per byte", c.name, mem, len(p), per)
		if per > 120 {
			t.Errorf("%s: %.0f bytes allocated per byte of pickle", c.name, per)
		}
	}
}
