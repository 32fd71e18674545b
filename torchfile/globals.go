package torchfile

import (
	"encoding/binary"
	"math"
	"strings"
)

// The allow-list: the only globals whose calls build something, modelled
// on torch/_weights_only_unpickler.py. Everything else becomes an *Object,
// except the calls of deniedModules and deniedNames, which are refused.

// deniedModules are modules no call of which loading data needs; a call of
// anything in them (or in a submodule) is refused. The first four are
// torch's own block-list.
var deniedModules = []string{
	"os", "posix", "nt", "sys",
	"subprocess", "importlib", "pickle", "_pickle", "cPickle", "pickletools",
	"shutil", "socket", "ssl", "http", "urllib", "ftplib", "smtplib", "webbrowser",
	"runpy", "ctypes", "code", "codeop", "pty", "pdb", "bdb", "timeit", "trace",
	"multiprocessing", "threading", "_thread", "asyncio", "concurrent",
	"signal", "marshal", "tempfile", "pathlib", "io", "_io", "glob",
	"fcntl", "resource", "platform", "ensurepip", "pip", "setuptools", "zipimport",
	"operator", "_operator", "functools", "_functools", "types", "inspect", "gc",
	"torch.hub", "torch.jit", "torch.ops", "torch.utils.cpp_extension", "torch.package",
	"numpy.lib.npyio", "numpy.testing", "numpy.distutils", "numpy.f2py",
}

// deniedNames are individual functions refused.
var deniedNames = map[string]bool{
	"builtins.eval": true, "builtins.exec": true, "builtins.compile": true,
	"builtins.open": true, "builtins.__import__": true, "builtins.getattr": true,
	"builtins.setattr": true, "builtins.delattr": true, "builtins.globals": true,
	"builtins.locals": true, "builtins.vars": true, "builtins.input": true,
	"builtins.breakpoint": true, "builtins.exit": true, "builtins.quit": true,
	"builtins.help": true, "builtins.type": true, "builtins.super": true,
	"builtins.memoryview": true, "builtins.print": true, "builtins.execfile": true,
	"builtins.file": true, "builtins.reload": true, "builtins.apply": true,
	"torch.load": true, "torch.serialization.load": true, "torch.save": true,
	"torch.serialization.save": true, "torch.from_file": true,
	"numpy.load": true, "numpy.save": true, "numpy.fromfile": true, "numpy.memmap": true,
}

func denied(full string) bool {
	if deniedNames[full] {
		return true
	}
	for _, m := range deniedModules {
		if strings.HasPrefix(full, m+".") {
			return true
		}
	}
	return false
}

// refuse reports a refused call of full.
func (m *machine) refuse(full string) error {
	return m.errAt(ErrUnsafe, "pickle: refusing to call %s", full)
}

// call runs REDUCE (and INST, OBJ): fn(*args).
func (m *machine) call(fn Value, args Tuple, kw *Dict, op string) (Value, error) {
	g, ok := fn.(*Global)
	if !ok {
		return nil, m.errf("pickle: %s of a %s, not a global", op, typeName(fn))
	}
	if err := m.charge(len(args)); err != nil {
		return nil, err
	}
	full := g.String()
	switch full {
	case "torch._utils._rebuild_tensor_v2":
		return m.rebuildTensor(args, true)
	case "torch._utils._rebuild_tensor":
		return m.rebuildTensor(args, false)
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		if len(args) < 2 {
			return nil, m.errf("pickle: %s with %d arguments", full, len(args))
		}
		t, ok1 := args[0].(*Tensor)
		rg, ok2 := args[1].(bool)
		if !ok1 || !ok2 {
			return nil, m.errf("pickle: %s of a %s and a %s, not a tensor and a bool", full, typeName(args[0]), typeName(args[1]))
		}
		t.RequiresGrad = rg
		return t, nil
	case "torch._tensor._rebuild_from_type_v2":
		// (func, new_type, args, state): a tensor subclass, or a tensor
		// with Python attributes; both are read as the plain tensor.
		if len(args) != 4 {
			return nil, m.errf("pickle: %s with %d arguments", full, len(args))
		}
		f, ok1 := args[0].(*Global)
		a, ok2 := args[2].(Tuple)
		if !ok1 || !ok2 || !strings.HasPrefix(f.String(), "torch._utils._rebuild_") {
			return nil, m.errf("pickle: %s of a %s", full, typeName(args[0]))
		}
		return m.call(f, a, nil, op)
	case "collections.OrderedDict", "builtins.dict":
		d := &Dict{}
		if len(args) == 0 {
			return d, nil
		}
		if len(args) > 1 {
			return nil, m.errf("pickle: %s with %d arguments", full, len(args))
		}
		if src, ok := args[0].(*Dict); ok {
			if err := m.charge(src.Len()); err != nil {
				return nil, err
			}
			for i := range src.Len() {
				k, v := src.Item(i)
				_ = d.set(k, v) // src's keys are hashable
			}
			return d, nil
		}
		items, ok := iterItems(args[0])
		if !ok {
			return nil, m.errf("pickle: %s of a %s", full, typeName(args[0]))
		}
		if err := m.charge(len(items)); err != nil {
			return nil, err
		}
		for _, it := range items {
			p, ok := it.(Tuple)
			if !ok || len(p) != 2 {
				return nil, m.errf("pickle: %s of a sequence of %s, not pairs", full, typeName(it))
			}
			if err := d.set(p[0], p[1]); err != nil {
				return nil, m.errf("pickle: %s: %v", full, err)
			}
		}
		return d, nil
	case "builtins.set", "builtins.frozenset":
		s := &Set{Frozen: g.Name == "frozenset"}
		if len(args) == 0 {
			return s, nil
		}
		items, ok := iterItems(args[0])
		if len(args) > 1 || !ok {
			return nil, m.errf("pickle: %s of %d arguments, the first a %s", full, len(args), typeName(args[0]))
		}
		if err := m.charge(len(items)); err != nil {
			return nil, err
		}
		for _, v := range items {
			if err := s.add(v); err != nil {
				return nil, m.errf("pickle: %s: %v", full, err)
			}
		}
		return s, nil
	case "builtins.bytes", "builtins.bytearray":
		switch {
		case len(args) == 0:
			return []byte{}, nil
		case len(args) == 1:
			if b, ok := args[0].([]byte); ok {
				return b, nil
			}
		case len(args) == 2:
			return m.encode(full, args)
		}
		return nil, m.errf("pickle: %s of %d arguments, the first a %s", full, len(args), typeName(args[0]))
	case "_codecs.encode":
		return m.encode(full, args)
	case "builtins.getattr":
		// Python 3.11 pickles an Enum member as getattr(EnumClass, name).
		// Of a global and a plain name, getattr only names a global.
		if len(args) == 2 {
			c, ok1 := args[0].(*Global)
			name, ok2 := args[1].(string)
			if ok1 && ok2 && isIdentifier(name) && !strings.HasPrefix(name, "__") {
				return &Global{Module: c.Module, Name: c.Name + "." + name}, nil
			}
		}
		return nil, m.refuse(full)
	case "copyreg._reconstructor":
		// Protocols 0 and 1 make instances with _reconstructor(cls, base, state).
		if len(args) != 3 {
			return nil, m.errf("pickle: %s with %d arguments", full, len(args))
		}
		c, ok := args[0].(*Global)
		if !ok {
			return nil, m.errf("pickle: %s of a %s", full, typeName(args[0]))
		}
		if denied(c.String()) {
			return nil, m.refuse(c.String())
		}
		o := &Object{Module: c.Module, Name: c.Name}
		if args[2] != nil {
			o.Args = []Value{args[2]}
		}
		return o, nil
	case "torch.Size":
		if len(args) == 1 {
			if t, ok := args[0].(Tuple); ok {
				return t, nil
			}
		}
	}
	if denied(full) {
		return nil, m.refuse(full)
	}
	return &Object{Module: g.Module, Name: g.Name, Args: []Value(args), Kwargs: kw}, nil
}

// newObj runs NEWOBJ and NEWOBJ_EX: cls.__new__(cls, *args, **kw).
func (m *machine) newObj(cls Value, args Tuple, kw *Dict) (Value, error) {
	g, ok := cls.(*Global)
	if !ok {
		return nil, m.errf("pickle: NEWOBJ of a %s, not a class", typeName(cls))
	}
	if err := m.charge(len(args)); err != nil {
		return nil, err
	}
	switch full := g.String(); full {
	case "collections.OrderedDict", "builtins.dict":
		return &Dict{}, nil
	case "builtins.list":
		return &List{}, nil
	case "builtins.set":
		return &Set{}, nil
	case "builtins.frozenset", "builtins.tuple", "builtins.bytes", "builtins.bytearray", "torch.Size":
		return m.call(g, args, kw, "NEWOBJ")
	case "torch.nn.parameter.Parameter":
		if len(args) >= 1 {
			if t, ok := args[0].(*Tensor); ok {
				t.RequiresGrad = true
				if len(args) >= 2 {
					if rg, ok := args[1].(bool); ok {
						t.RequiresGrad = rg
					}
				}
				return t, nil
			}
		}
	default:
		if denied(full) {
			return nil, m.refuse(full)
		}
	}
	return &Object{Module: g.Module, Name: g.Name, Args: []Value(args), Kwargs: kw}, nil
}

// encode runs codecs.encode(str, encoding), as protocol 2 pickles bytes.
func (m *machine) encode(full string, args Tuple) (Value, error) {
	if len(args) < 1 || len(args) > 2 {
		return nil, m.errf("pickle: %s with %d arguments", full, len(args))
	}
	s, ok := args[0].(string)
	enc := "utf-8"
	if len(args) == 2 {
		e, ok2 := args[1].(string)
		ok = ok && ok2
		enc = strings.ToLower(strings.ReplaceAll(e, "_", "-"))
	}
	if !ok {
		return nil, m.errf("pickle: %s of a %s", full, typeName(args[0]))
	}
	if err := m.charge(len(s)); err != nil {
		return nil, err
	}
	switch enc {
	case "utf-8", "utf8":
		return []byte(s), nil
	case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1":
		b := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 0xff {
				return nil, m.errf("pickle: %s: %q is not Latin-1", full, r)
			}
			b = append(b, byte(r))
		}
		return b, nil
	}
	return nil, m.errf("pickle: %s: unsupported encoding %.40q", full, enc)
}

func iterItems(v Value) ([]Value, bool) {
	switch v := v.(type) {
	case Tuple:
		return v, true
	case *List:
		return v.Items, true
	case *Set:
		return v.Items, true
	}
	return nil, false
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// rebuildTensor runs torch._utils._rebuild_tensor_v2(storage,
// storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
// or _rebuild_tensor(storage, storage_offset, size, stride). The elements
// are read once every storage is known (after the pickle, for the legacy
// format).
func (m *machine) rebuildTensor(args Tuple, v2 bool) (Value, error) {
	name := "_rebuild_tensor"
	want := len(args) == 4
	if v2 {
		name = "_rebuild_tensor_v2"
		want = len(args) == 6 || len(args) == 7
	}
	if !want {
		return nil, m.errf("pickle: %s with %d arguments", name, len(args))
	}
	st, ok := args[0].(*Storage)
	if !ok {
		return nil, m.errf("pickle: %s of a %s, not a storage", name, typeName(args[0]))
	}
	off, ok := args[1].(int64)
	if !ok || off < 0 {
		return nil, m.errf("pickle: %s: storage offset %v", name, args[1])
	}
	size, ok1 := args[2].(Tuple)
	stride, ok2 := args[3].(Tuple)
	if !ok1 || !ok2 || len(size) != len(stride) {
		return nil, m.errf("pickle: %s: size and stride are a %s and a %s of different lengths", name, typeName(args[2]), typeName(args[3]))
	}
	if len(size) > maxDims {
		return nil, m.errf("pickle: %s: %d dimensions, more than %d", name, len(size), maxDims)
	}
	t := &Tensor{Dtype: st.Dtype, Device: st.Device, storage: st, offset: off,
		Shape: make([]int, len(size)), stride: make([]int64, len(size))}
	n := int64(1)
	for i := range size {
		s, ok1 := size[i].(int64)
		d, ok2 := stride[i].(int64)
		if !ok1 || !ok2 || s < 0 || d < 0 || uint64(s) > math.MaxInt {
			return nil, m.errf("pickle: %s: size %v and stride %v", name, size[i], stride[i])
		}
		if s != 0 && n > math.MaxInt64/s {
			return nil, m.errAt(ErrLimit, "pickle: %s: element count overflows", name)
		}
		n *= s
		t.Shape[i], t.stride[i] = int(s), d
	}
	if v2 {
		rg, ok := args[4].(bool)
		if !ok {
			return nil, m.errf("pickle: %s: requires_grad is a %s", name, typeName(args[4]))
		}
		t.RequiresGrad = rg
	}
	m.tensors = append(m.tensors, t)
	return t, nil
}

// dtypes.

type kind int

const (
	kindFloat kind = iota
	kindInt
	kindOther // complex and quantized: shape and dtype only
)

type dtypeInfo struct {
	name  string
	size  int64
	kind  kind
	float func([]byte) float64
	int   func([]byte) int64
}

var le = binary.LittleEndian

var storageTypes = map[string]*dtypeInfo{
	"FloatStorage":    {name: "float32", size: 4, float: func(b []byte) float64 { return float64(math.Float32frombits(le.Uint32(b))) }},
	"DoubleStorage":   {name: "float64", size: 8, float: func(b []byte) float64 { return math.Float64frombits(le.Uint64(b)) }},
	"HalfStorage":     {name: "float16", size: 2, float: func(b []byte) float64 { return halfToFloat(le.Uint16(b)) }},
	"BFloat16Storage": {name: "bfloat16", size: 2, float: func(b []byte) float64 { return float64(math.Float32frombits(uint32(le.Uint16(b)) << 16)) }},
	"LongStorage":     {name: "int64", size: 8, kind: kindInt, int: func(b []byte) int64 { return int64(le.Uint64(b)) }},
	"IntStorage":      {name: "int32", size: 4, kind: kindInt, int: func(b []byte) int64 { return int64(int32(le.Uint32(b))) }},
	"ShortStorage":    {name: "int16", size: 2, kind: kindInt, int: func(b []byte) int64 { return int64(int16(le.Uint16(b))) }},
	"CharStorage":     {name: "int8", size: 1, kind: kindInt, int: func(b []byte) int64 { return int64(int8(b[0])) }},
	"ByteStorage":     {name: "uint8", size: 1, kind: kindInt, int: func(b []byte) int64 { return int64(b[0]) }},
	"UntypedStorage":  {name: "uint8", size: 1, kind: kindInt, int: func(b []byte) int64 { return int64(b[0]) }},
	"BoolStorage": {name: "bool", size: 1, kind: kindInt, int: func(b []byte) int64 {
		if b[0] != 0 {
			return 1
		}
		return 0
	}},
	"ComplexFloatStorage":  {name: "complex64", size: 8, kind: kindOther},
	"ComplexDoubleStorage": {name: "complex128", size: 16, kind: kindOther},
	"QInt8Storage":         {name: "qint8", size: 1, kind: kindOther},
	"QUInt8Storage":        {name: "quint8", size: 1, kind: kindOther},
	"QInt32Storage":        {name: "qint32", size: 4, kind: kindOther},
	"QUInt4x2Storage":      {name: "quint4x2", size: 1, kind: kindOther},
	"QUInt2x4Storage":      {name: "quint2x4", size: 1, kind: kindOther},
}

// storageType returns the dtype of a storage class such as torch.FloatStorage.
func storageType(v Value) (*dtypeInfo, bool) {
	g, ok := v.(*Global)
	if !ok {
		return nil, false
	}
	switch g.Module {
	case "torch", "torch.cuda", "torch.storage":
	default:
		return nil, false
	}
	dt, ok := storageTypes[g.Name]
	return dt, ok
}

// halfToFloat converts IEEE 754 binary16 bits.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1024+frac, exp-25)
}
