package torchfile

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkTree walks v without recursion, guarding against cycles, and checks
// each tensor's invariants.
func checkTree(t *testing.T, v Value) {
	seen := map[any]bool{}
	todo := []Value{v}
	for steps := 0; len(todo) > 0 && steps < 1e6; steps++ {
		v := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		switch x := v.(type) {
		case *Dict, *List, *Set, *Object, *Tensor:
			if seen[x] {
				continue
			}
			seen[x] = true
		}
		switch x := v.(type) {
		case Tuple:
			todo = append(todo, x...)
		case *List:
			todo = append(todo, x.Items...)
		case *Set:
			todo = append(todo, x.Items...)
		case *Dict:
			for i := range x.Len() {
				k, val := x.Item(i)
				todo = append(todo, k, val)
			}
		case *Object:
			todo = append(todo, x.Args...)
			todo = append(todo, x.State, x.Kwargs, x.DictItems)
			todo = append(todo, x.ListItems...)
		case *Tensor:
			n := x.Len()
			if x.Data != nil && len(x.Data) != n || x.Ints != nil && len(x.Ints) != n {
				t.Fatalf("tensor of shape %v has %d floats and %d ints", x.Shape, len(x.Data), len(x.Ints))
			}
			if x.storage != nil {
				t.Fatalf("tensor keeps its storage")
			}
		}
	}
}

func fixtures(f *testing.F) map[string][]byte {
	names, _ := filepath.Glob("testdata/*.p*")
	names = append(names, "testdata/lightning.ckpt")
	m := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		m[n] = b
	}
	return m
}

func FuzzRead(f *testing.F) {
	for _, b := range fixtures(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Read(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "torchfile: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		checkTree(t, v)
	})
}

// FuzzPickle runs the pickle machine alone, with persistent ids of either
// format resolved to zero-filled storages.
func FuzzPickle(f *testing.F) {
	for name, b := range fixtures(f) {
		if zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err == nil {
			for _, e := range zr.File {
				if strings.HasSuffix(e.Name, "/data.pkl") {
					rc, _ := e.Open()
					p, _ := io.ReadAll(rc)
					f.Add(p)
				}
			}
		} else if strings.Contains(name, "legacy") {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rd := &reader{bytes: 1 << 20, elements: 1 << 20, storages: map[string]*Storage{}}
		m := newMachine(b, "fuzz", 0)
		m.persistentLoad = func(m *machine, pid Value) (Value, error) {
			if t, ok := pid.(Tuple); ok && len(t) == 5 {
				return rd.zipStorage(m, pid)
			}
			return rd.legacyStorage(m, pid)
		}
		v, err := m.run()
		if err != nil {
			if !strings.HasPrefix(err.Error(), "torchfile: fuzz: offset ") {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		for _, st := range rd.storages {
			if st.root == st && st.Len*st.dt.size <= 1<<16 {
				st.data = make([]byte, st.Len*st.dt.size)
			}
		}
		if err := rd.fill(m.tensors); err != nil {
			if !strings.HasPrefix(err.Error(), "torchfile: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		checkTree(t, v)
	})
}

// TestWriteFuzzCorpus writes the committed seed corpus when
// TORCHFILE_WRITE_CORPUS is set: small hand-made files, as Go's fuzzing
// reads them from testdata/fuzz.
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("TORCHFILE_WRITE_CORPUS") == "" {
		t.Skip("set TORCHFILE_WRITE_CORPUS=1 to write testdata/fuzz")
	}
	write := func(target, name string, b []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	one := oneTensor(6, 1, []int64{2, 2}, []int64{1, 2})
	keys := newPK().op(opEmptyList).str("0").op(opAppend).stop()
	legacyObj := func() []byte {
		p := newPK().op(opEmptyDict).str("w").global("torch._utils", "_rebuild_tensor_v2")
		p.tuple(func() {
			p.tuple(func() {
				p.str("storage").global("torch", "HalfStorage").str("0").str("cpu").long(3).op(opNone)
			})
			p.op(opBinPersID).long(0).ints(3).ints(1).op(opNewFalse).op(opEmptyDict)
		})
		return p.op(opReduce, opSetItem).stop()
	}()
	legacy := legacyFile(t, legacyObj, keys, []byte{3, 0, 0, 0, 0, 0, 0, 0}, []byte{0, 0x3c, 0, 0xc0, 0xff, 0x7b})
	zipOne := makeZip(t, entry{"byteorder", []byte("little")}, entry{"data.pkl", one}, entry{"data/0", make([]byte, 24)})
	evil, _ := os.ReadFile("testdata/evil_os_system.pt")
	write("FuzzRead", "zip_view", zipOne)
	write("FuzzRead", "legacy_half", legacy)
	write("FuzzRead", "evil", evil)
	write("FuzzPickle", "tensor_view", one)
	write("FuzzPickle", "legacy", legacy)
	hp := newPK().op(opEmptyDict, opMark).str("k").global("builtins", "getattr")
	hp.tuple(func() { hp.global("m", "Kind").str("A") })
	hp.op(opReduce).str("s").global("builtins", "set").op(opEmptyList, opMark, opNone, opNewTrue, opAppends, opTuple1, opReduce)
	hp.str("o").global("m", "C").op(opEmptyTuple, opNewObj, opEmptyDict).str("x").op(opBinFloat, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, opSetItem, opBuild)
	hp.str("f").op(opProto, 4).op(opEmptySet, opMemoize, opMark, 'N', opAddItems, opMark, 'N', opFrozenSet, opTuple2)
	write("FuzzPickle", "objects", hp.op(opSetItems).stop())
	write("FuzzPickle", "protocol0", []byte("(dp0\nS'a'\np1\nI1\nsVb\\u00e9\np2\nF1.5\nsg1\n(lp3\nL12L\naI01\nas."))
}
