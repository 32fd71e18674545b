package torchfile

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// Limits bounds the memory and work of reading one file. The zero value
// uses the defaults, which are proportional to the file's size.
type Limits struct {
	// MaxBytes bounds the bytes read into memory from the file, in total:
	// the pickles and the storages, after decompression. Zero means
	// 4 × size + 1 MiB: torch writes its zip entries uncompressed, so a
	// file it wrote needs at most size, and a file recompressed by some
	// other tool may still inflate fourfold.
	MaxBytes int64

	// MaxElements bounds the tensor elements returned, all tensors
	// together (each costs 8 bytes). Zero means MaxBytes: no more than one
	// element per byte held, so views sharing one storage may together
	// have a few times as many elements as it.
	MaxElements int64
}

// Read reads a file written by torch.save, of size bytes, with the default
// Limits.
func Read(r io.ReaderAt, size int64) (Value, error) {
	return Limits{}.Read(r, size)
}

// Read reads a file written by torch.save, of size bytes, within l.
func (l Limits) Read(r io.ReaderAt, size int64) (Value, error) {
	if size < 0 {
		return nil, errors.New("torchfile: negative size")
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = 1<<20 + 4*min(size, math.MaxInt64/8)
	}
	if l.MaxElements <= 0 {
		l.MaxElements = l.MaxBytes
	}
	rd := &reader{r: r, size: size, bytes: l.MaxBytes, elements: l.MaxElements, storages: map[string]*Storage{}}
	var sig [4]byte
	n, err := r.ReadAt(sig[:], 0)
	if n < len(sig) {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Offset: 0, Msg: fmt.Sprintf("file of %d bytes is not a torch.save file", size), Err: err}
	}
	if string(sig[:]) == "PK\x03\x04" {
		return rd.readZip()
	}
	return rd.readLegacy()
}

type reader struct {
	r        io.ReaderAt
	size     int64
	bytes    int64 // left of Limits.MaxBytes
	elements int64 // left of Limits.MaxElements
	storages map[string]*Storage

	// zip format
	prefix  string
	entries map[string]*zip.File
}

func (rd *reader) take(entry string, n uint64) error {
	if n > uint64(rd.bytes) {
		return &FormatError{Entry: entry, Offset: -1, Err: ErrLimit,
			Msg: fmt.Sprintf("%d bytes, more than the %d left of the limit", n, rd.bytes)}
	}
	rd.bytes -= int64(n)
	return nil
}

// The zip format: <prefix>/data.pkl, <prefix>/data/<key> for each storage,
// <prefix>/byteorder (torch 2.1 on), <prefix>/version and others ignored.
func (rd *reader) readZip() (Value, error) {
	zr, err := zip.NewReader(rd.r, rd.size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		if errors.Is(err, zip.ErrFormat) && rd.size < 22 {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Offset: -1, Msg: zipMsg(err), Err: err}
	}
	var pkl []*zip.File
	for _, f := range zr.File {
		dir, rest, ok := strings.Cut(f.Name, "/")
		if ok && dir != "" && rest == "data.pkl" {
			pkl = append(pkl, f)
		}
	}
	switch len(pkl) {
	case 0:
		return nil, &FormatError{Offset: -1, Msg: "zip: no <archive>/data.pkl entry: not a torch.save file"}
	case 1:
	default:
		return nil, &FormatError{Offset: -1, Msg: fmt.Sprintf("zip: %d entries named <archive>/data.pkl", len(pkl))}
	}
	rd.prefix = strings.TrimSuffix(pkl[0].Name, "data.pkl")
	rd.entries = map[string]*zip.File{}
	for _, f := range zr.File {
		if rest, ok := strings.CutPrefix(f.Name, rd.prefix); ok {
			if _, dup := rd.entries[rest]; dup {
				return nil, &FormatError{Entry: f.Name, Offset: -1, Msg: "zip: duplicate entry"}
			}
			rd.entries[rest] = f
		}
	}
	if _, ok := rd.entries["constants.pkl"]; ok {
		return nil, &FormatError{Offset: -1, Msg: "zip: a TorchScript archive (torch.jit.save), not a torch.save file"}
	}
	if f, ok := rd.entries["byteorder"]; ok {
		b, err := rd.readEntry(f, min(f.UncompressedSize64, 64))
		if err != nil {
			return nil, err
		}
		switch strings.TrimSpace(string(b)) {
		case "little":
		case "big":
			return nil, &FormatError{Entry: f.Name, Offset: -1, Msg: "big-endian files are not supported", Err: ErrBigEndian}
		default:
			return nil, &FormatError{Entry: f.Name, Offset: 0, Msg: fmt.Sprintf("unknown byte order %.20q", b)}
		}
	}
	data, err := rd.readEntry(pkl[0], pkl[0].UncompressedSize64)
	if err != nil {
		return nil, err
	}
	m := newMachine(data, pkl[0].Name, 0)
	m.persistentLoad = rd.zipStorage
	v, err := m.run()
	if err != nil {
		return nil, err
	}
	for _, t := range m.tensors {
		if !t.storage.root.loaded() {
			if err := rd.loadZipStorage(t.storage.root); err != nil {
				return nil, err
			}
		}
	}
	return v, rd.fill(m.tensors)
}

// readEntry reads the first n bytes of f, and checks the CRC-32 if that is
// all of it.
func (rd *reader) readEntry(f *zip.File, n uint64) ([]byte, error) {
	if err := rd.take(f.Name, n); err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, &FormatError{Entry: f.Name, Offset: -1, Msg: zipMsg(err), Err: err}
	}
	defer rc.Close()
	b, err := readChunked(rc, n)
	if err == nil && n == f.UncompressedSize64 {
		// Read to the end, where archive/zip checks the CRC-32.
		var one [1]byte
		if _, err = rc.Read(one[:]); err == io.EOF {
			err = nil
		}
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &FormatError{Entry: f.Name, Offset: int64(len(b)), Msg: zipMsg(err), Err: err}
	}
	return b, nil
}

// zipStorage resolves a persistent id of the zip format:
// ('storage', storage_type, key, location, numel).
func (rd *reader) zipStorage(m *machine, pid Value) (Value, error) {
	t, ok := pid.(Tuple)
	if !ok || len(t) != 5 || asString(t[0]) != "storage" {
		return nil, m.errf("pickle: persistent id %s is not a storage", describePID(pid))
	}
	return rd.storage(m, t[1], t[2], t[3], t[4])
}

func (rd *reader) storage(m *machine, typ, key, loc, numel Value) (*Storage, error) {
	dt, ok := storageType(typ)
	k, ok2 := key.(string)
	l, ok3 := loc.(string)
	n, ok4 := numel.(int64)
	if !ok {
		return nil, m.errf("pickle: storage of unknown type %s", typeName(typ))
	}
	if !ok2 || !ok3 || !ok4 || n < 0 || k == "" || strings.ContainsAny(k, "/\\") || k == "." || k == ".." {
		return nil, m.errf("pickle: storage with key %.40v, location %.40v and size %.40v", key, loc, numel)
	}
	if st, ok := rd.storages[k]; ok {
		if st.dt != dt || st.Len != n {
			return nil, m.errf("pickle: storage %q is both %d %s and %d %s elements", k, st.Len, st.Dtype, n, dt.name)
		}
		return st, nil
	}
	if n > math.MaxInt64/dt.size {
		return nil, m.errAt(ErrLimit, "pickle: storage %q of %d elements of %d bytes overflows", k, n, dt.size)
	}
	st := &Storage{Dtype: dt.name, Key: k, Device: l, Len: n, dt: dt}
	st.root = st
	rd.storages[k] = st
	return st, nil
}

func (rd *reader) loadZipStorage(st *Storage) error {
	name := "data/" + st.Key
	f, ok := rd.entries[name]
	if !ok {
		return &FormatError{Entry: rd.prefix + name, Offset: -1, Msg: fmt.Sprintf("zip: no entry for storage %q", st.Key)}
	}
	need := uint64(st.Len) * uint64(st.dt.size)
	if f.UncompressedSize64 < need {
		return &FormatError{Entry: f.Name, Offset: -1, Msg: fmt.Sprintf(
			"storage of %d %s elements needs %d bytes, the entry has %d", st.Len, st.Dtype, need, f.UncompressedSize64)}
	}
	b, err := rd.readEntry(f, need)
	if err != nil {
		return err
	}
	st.data = b
	return nil
}

func (s *Storage) loaded() bool { return s.data != nil || s.Len == 0 }

func asString(v Value) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

func describePID(v Value) string {
	if t, ok := v.(Tuple); ok && len(t) > 0 {
		return fmt.Sprintf("(%.40q, ...)", asString(t[0]))
	}
	return "of type " + typeName(v)
}

// The legacy format: five pickles and the storages, in one stream.
var legacyMagic = bigLong("\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19") // 0x1950a86a20f9469cfc6c

const legacyProtocol = 1001

func (rd *reader) readLegacy() (Value, error) {
	if err := rd.take("", uint64(rd.size)); err != nil {
		return nil, err
	}
	data, err := readAtChunked(rd.r, rd.size)
	if err != nil {
		return nil, &FormatError{Offset: int64(len(data)), Msg: err.Error(), Err: err}
	}
	pos := 0
	next := func(what string, bigLongs bool) (*machine, Value, error) {
		m := newMachine(data[pos:], "", int64(pos))
		m.bigLongs = bigLongs
		v, err := m.run()
		if err != nil && what != "" {
			err = fmt.Errorf("%w (reading the %s)", err, what)
		}
		pos += m.pos
		return m, v, err
	}
	_, magic, err := next("", true)
	if err != nil || magic != legacyMagic {
		return nil, &FormatError{Offset: 0, Msg: "not a torch.save file: no zip signature, no legacy magic number"}
	}
	_, proto, err := next("protocol version", false)
	if err != nil {
		return nil, err
	}
	if proto != int64(legacyProtocol) {
		return nil, &FormatError{Offset: int64(pos), Msg: fmt.Sprintf("legacy format: unsupported protocol version %.20v", proto)}
	}
	_, info, err := next("system information", false)
	if err != nil {
		return nil, err
	}
	if d, ok := info.(*Dict); ok {
		if little, ok := d.Get("little_endian"); ok && little == false {
			return nil, &FormatError{Offset: int64(pos), Msg: "big-endian files are not supported", Err: ErrBigEndian}
		}
	}

	m := newMachine(data[pos:], "", int64(pos))
	m.persistentLoad = rd.legacyStorage
	v, err := m.run()
	if err != nil {
		return nil, err
	}
	pos += m.pos

	_, keys, err := next("storage keys", false)
	if err != nil {
		return nil, err
	}
	list, ok := iterItems(keys)
	if !ok {
		return nil, &FormatError{Offset: int64(pos), Msg: fmt.Sprintf("legacy format: storage keys are a %s, not a list", typeName(keys))}
	}
	for _, k := range list {
		key := asString(k)
		st, ok := rd.storages[key]
		if !ok || st.root != st {
			return nil, &FormatError{Offset: int64(pos), Msg: fmt.Sprintf("legacy format: storage key %.40q is not a storage of the pickle", key)}
		}
		if st.data != nil {
			return nil, &FormatError{Offset: int64(pos), Msg: fmt.Sprintf("legacy format: storage %q listed twice", key)}
		}
		if len(data)-pos < 8 {
			return nil, &FormatError{Offset: int64(pos), Msg: fmt.Sprintf("legacy format: storage %q: %v", key, io.ErrUnexpectedEOF), Err: io.ErrUnexpectedEOF}
		}
		n := le.Uint64(data[pos:])
		if n != uint64(st.Len) {
			return nil, &FormatError{Offset: int64(pos), Msg: fmt.Sprintf("legacy format: storage %q has %d elements, the pickle says %d", key, n, st.Len)}
		}
		pos += 8
		nb := n * uint64(st.dt.size) // no overflow: checked when the storage was made
		if nb > uint64(len(data)-pos) {
			return nil, &FormatError{Offset: int64(pos), Err: io.ErrUnexpectedEOF, Msg: fmt.Sprintf(
				"legacy format: storage %q of %d bytes, %d left: %v", key, nb, len(data)-pos, io.ErrUnexpectedEOF)}
		}
		st.data = data[pos : pos+int(nb) : pos+int(nb)]
		pos += int(nb)
	}
	return v, rd.fill(m.tensors)
}

// legacyStorage resolves a persistent id of the legacy format:
// ('storage', storage_type, root_key, location, numel, view_metadata), where
// view_metadata is None or (view_key, offset, view_size); or
// ('module', module_type, source_file, source) for a pickled nn.Module.
func (rd *reader) legacyStorage(m *machine, pid Value) (Value, error) {
	t, ok := pid.(Tuple)
	if ok && len(t) == 4 && asString(t[0]) == "module" {
		return t[1], nil
	}
	if !ok || len(t) != 6 || asString(t[0]) != "storage" {
		return nil, m.errf("pickle: persistent id %s is not a storage", describePID(pid))
	}
	root, err := rd.storage(m, t[1], t[2], t[3], t[4])
	if err != nil {
		return nil, err
	}
	if t[5] == nil {
		return root, nil
	}
	vm, ok := t[5].(Tuple)
	if !ok || len(vm) != 3 {
		return nil, m.errf("pickle: storage view metadata is a %s", typeName(t[5]))
	}
	key, ok1 := vm[0].(string)
	off, ok2 := vm[1].(int64)
	n, ok3 := vm[2].(int64)
	if !ok1 || !ok2 || !ok3 || off < 0 || n < 0 || off > root.Len || n > root.Len-off {
		return nil, m.errf("pickle: view %.40v of %.40v elements at %.40v of a storage of %d", vm[0], vm[2], vm[1], root.Len)
	}
	if st, ok := rd.storages[key]; ok {
		if st.root != root || st.rootAt != off || st.Len != n {
			return nil, m.errf("pickle: storage view %q redefined", key)
		}
		return st, nil
	}
	st := &Storage{Dtype: root.Dtype, Key: key, Device: root.Device, Len: n, dt: root.dt, root: root, rootAt: off}
	rd.storages[key] = st
	return st, nil
}

// fill gathers the elements of each tensor from its storage, then lets the
// storages go.
func (rd *reader) fill(tensors []*Tensor) error {
	for _, t := range tensors {
		if err := rd.fillOne(t); err != nil {
			return err
		}
	}
	for _, t := range tensors {
		t.storage, t.stride = nil, nil
	}
	for _, st := range rd.storages {
		st.data, st.root = nil, nil
	}
	return nil
}

func (rd *reader) fillOne(t *Tensor) error {
	st := t.storage
	fail := func(err error, format string, args ...any) error {
		return &FormatError{Offset: -1, Err: err, Msg: fmt.Sprintf("tensor of shape %v on storage %q: ", t.Shape, st.Key) + fmt.Sprintf(format, args...)}
	}
	if t.materializing {
		return nil // the same tensor twice in the list
	}
	t.materializing = true
	n := int64(1)
	last := t.offset // the last element's index in the storage
	for i, s := range t.Shape {
		n *= int64(s) // no overflow: checked when the tensor was made
		if s == 0 {
			continue
		}
		d := t.stride[i]
		if d != 0 && int64(s-1) > (math.MaxInt64-last)/d {
			return fail(ErrLimit, "view overflows")
		}
		last += int64(s-1) * d
	}
	if n == 0 {
		if t.offset > st.Len {
			return fail(nil, "storage offset %d beyond its %d elements", t.offset, st.Len)
		}
		switch st.dt.kind {
		case kindFloat:
			t.Data = []float64{}
		case kindInt:
			t.Ints = []int64{}
		}
		return nil
	}
	if last >= st.Len {
		return fail(nil, "view reaches element %d of a storage of %d elements", last, st.Len)
	}
	if st.dt.kind == kindOther {
		return nil
	}
	if n > rd.elements {
		return fail(ErrLimit, "%d elements, more than the %d left of the limit", n, rd.elements)
	}
	rd.elements -= n
	root, base := st.root, st.rootAt
	if !root.loaded() {
		return fail(nil, "storage has no data")
	}
	size := st.dt.size
	data := root.data
	at := func(i int64) []byte {
		o := (base + i) * size
		return data[o : o+size]
	}
	var put func(j int, i int64)
	if st.dt.kind == kindFloat {
		t.Data = make([]float64, n)
		dec := st.dt.float
		put = func(j int, i int64) { t.Data[j] = dec(at(i)) }
	} else {
		t.Ints = make([]int64, n)
		dec := st.dt.int
		put = func(j int, i int64) { t.Ints[j] = dec(at(i)) }
	}
	// Walk the view in row-major order.
	nd := len(t.Shape)
	idx := make([]int, nd)
	pos := t.offset
	for j := range int(n) {
		put(j, pos)
		for k := nd - 1; k >= 0; k-- {
			idx[k]++
			pos += t.stride[k]
			if idx[k] < t.Shape[k] {
				break
			}
			pos -= int64(idx[k]) * t.stride[k]
			idx[k] = 0
		}
	}
	return nil
}

// chunk is the most read into memory beyond what has arrived, as in the
// standard library's internal/saferio: a size read from a file is not
// trusted with an allocation until the data is there.
const chunk = 1 << 20

// readChunked reads n bytes from r.
func readChunked(r io.Reader, n uint64) ([]byte, error) {
	if n < chunk {
		b := make([]byte, n)
		k, err := io.ReadFull(r, b)
		return b[:k], err
	}
	var b []byte
	for n > 0 {
		c := min(n, chunk)
		b = append(b, make([]byte, c)...)
		k, err := io.ReadFull(r, b[len(b)-int(c):])
		if err != nil {
			return b[:len(b)-int(c)+k], err
		}
		n -= c
	}
	return b, nil
}

// readAtChunked reads n bytes from the start of r.
func readAtChunked(r io.ReaderAt, n int64) ([]byte, error) {
	b, err := readChunked(io.NewSectionReader(r, 0, n), uint64(n))
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return b, err
}

func zipMsg(err error) string {
	if s := err.Error(); strings.HasPrefix(s, "zip: ") {
		return s
	}
	return "zip: " + err.Error()
}
