package torchfile

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// A Value is one node of the object tree a pickle describes. Its dynamic
// type is one of
//
//	nil, bool, int64, float64, string, []byte,
//	Tuple, *List, *Dict, *Set,
//	*Tensor, *Storage, *Global, *Object.
//
// Python's str is string; bytes and bytearray are []byte; int is int64
// (larger integers are refused); float is float64. Mutable containers are
// pointers so that values the pickle shares stay shared, and a hostile
// pickle can make them contain themselves: code walking a tree from an
// untrusted file must guard against cycles.
type Value = any

// A Tuple is a Python tuple.
type Tuple []Value

// A List is a Python list.
type List struct {
	Items []Value
}

// A Set is a Python set or, if Frozen, frozenset. Items keep their first
// insertion order; equal items are stored once.
type Set struct {
	Items  []Value
	Frozen bool
	index  map[hkey]struct{}
}

// A Global is a reference to a module-level name, such as torch.float32 or a
// class, that was not called. Nested names are joined with dots, as in
// Python's qualified names (Enum members appear as "Kind.ATTN_ONLY").
type Global struct {
	Module, Name string
}

// String returns the dotted name, as in "torch.float32".
func (g *Global) String() string { return g.Module + "." + g.Name }

// An Object is the inert record of a call to, or an instance of, a class or
// function that this package does not build: a configuration dataclass, a
// torch.device, a class from a module that only exists where the file was
// written. Nothing of that class is run.
type Object struct {
	Module, Name string
	Args         []Value // positional arguments of the call, or of NEWOBJ
	Kwargs       *Dict   // keyword arguments of NEWOBJ_EX, or nil
	State        Value   // the argument of BUILD (often a *Dict of attributes), or nil
	DictItems    *Dict   // items set on an instance of a dict subclass, or nil
	ListItems    []Value // items appended to an instance of a list subclass
}

// A Dict is a Python dict, or a collections.OrderedDict, in insertion order.
type Dict struct {
	items []dictItem
	index map[hkey]int
}

type dictItem struct{ key, value Value }

func newDict() *Dict { return &Dict{index: map[hkey]int{}} }

// Len reports the number of items; a nil *Dict has none.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.items)
}

// Item returns the i'th item in insertion order.
func (d *Dict) Item(i int) (key, value Value) { return d.items[i].key, d.items[i].value }

// Keys returns the keys in insertion order.
func (d *Dict) Keys() []Value {
	keys := make([]Value, d.Len())
	for i := range keys {
		keys[i] = d.items[i].key
	}
	return keys
}

// Get returns the value stored under key, which is compared as Python
// would compare it (1, 1.0 and true are the same key).
func (d *Dict) Get(key Value) (Value, bool) {
	if d == nil {
		return nil, false
	}
	k, err := hashOf(key)
	if err != nil {
		return nil, false
	}
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	return d.items[i].value, true
}

// set stores value under key, keeping the key's first position if it is
// already present. It fails only if key is of an unhashable type.
func (d *Dict) set(key, value Value) error {
	k, err := hashOf(key)
	if err != nil {
		return err
	}
	if d.index == nil {
		d.index = map[hkey]int{}
	}
	if i, ok := d.index[k]; ok {
		d.items[i].value = value
		return nil
	}
	d.index[k] = len(d.items)
	d.items = append(d.items, dictItem{key, value})
	return nil
}

func (s *Set) add(v Value) error {
	k, err := hashOf(v)
	if err != nil {
		return err
	}
	if s.index == nil {
		s.index = map[hkey]struct{}{}
	}
	if _, ok := s.index[k]; ok {
		return nil
	}
	s.index[k] = struct{}{}
	s.Items = append(s.Items, v)
	return nil
}

// A Tensor is a tensor read from the file, its elements gathered from its
// storage into row-major order (a view's offset and strides applied).
type Tensor struct {
	Dtype        string    // torch's name: "float32", "bfloat16", "int64", "bool"...
	Shape        []int     // empty for a scalar
	Data         []float64 // the elements of a float16/bfloat16/float32/float64 tensor, else nil
	Ints         []int64   // the elements of an integer or bool (0 or 1) tensor, else nil
	Device       string    // where it was saved from, e.g. "cpu" or "cuda:0"
	RequiresGrad bool

	// Set while unpickling, consumed when the storages are read.
	storage       *Storage
	offset        int64
	stride        []int64
	materializing bool
}

// Len reports the number of elements, the product of Shape.
func (t *Tensor) Len() int {
	n := 1
	for _, s := range t.Shape {
		n *= s
	}
	return n
}

// A Storage is a torch storage referenced from the pickle but not read as a
// part of a tensor (torch.save of a bare storage). Its bytes are not kept.
type Storage struct {
	Dtype  string
	Key    string // its name in the file: the zip entry "data/<Key>"
	Device string
	Len    int64 // elements

	dt     *dtypeInfo
	root   *Storage // for a legacy view: the storage it is a view of
	rootAt int64    // and the element it starts at
	data   []byte   // when read
}

// hkey is a Python-equality key for hashable values.
type hkey struct {
	kind byte
	s    string
	n    int64
	p    any
}

var errUnhashable = errors.New("unhashable key")

// maxKeyAtoms bounds the work of hashing one key (a tuple of tuples...), so
// that a pickle cannot make SETITEMS quadratic.
const maxKeyAtoms = 64

func hashOf(v Value) (hkey, error) {
	switch v := v.(type) {
	case string:
		return hkey{kind: 's', s: v}, nil
	case Tuple:
		var b strings.Builder
		atoms := 0
		if err := encodeKey(&b, v, &atoms); err != nil {
			return hkey{}, err
		}
		return hkey{kind: 't', s: b.String()}, nil
	}
	return scalarKey(v)
}

func scalarKey(v Value) (hkey, error) {
	switch v := v.(type) {
	case nil:
		return hkey{kind: 'N'}, nil
	case bool:
		if v {
			return hkey{kind: 'i', n: 1}, nil
		}
		return hkey{kind: 'i'}, nil
	case int64:
		return hkey{kind: 'i', n: v}, nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
			return hkey{kind: 'i', n: int64(v)}, nil
		}
		return hkey{kind: 'f', n: int64(math.Float64bits(v))}, nil
	case string:
		return hkey{kind: 's', s: v}, nil
	case []byte:
		return hkey{kind: 'b', s: string(v)}, nil
	case *Global:
		return hkey{kind: 'g', s: v.Module + "\x00" + v.Name}, nil
	case *Object, *Tensor, *Storage:
		return hkey{kind: 'p', p: v}, nil
	case *Set:
		if v.Frozen {
			return hkey{kind: 'p', p: v}, nil
		}
	}
	return hkey{}, fmt.Errorf("%w of type %s", errUnhashable, typeName(v))
}

func encodeKey(b *strings.Builder, v Value, atoms *int) error {
	*atoms++
	if *atoms > maxKeyAtoms {
		return fmt.Errorf("key too complex: a tuple of more than %d parts", maxKeyAtoms)
	}
	if t, ok := v.(Tuple); ok {
		fmt.Fprintf(b, "(%d", len(t))
		for _, e := range t {
			b.WriteByte(',')
			if err := encodeKey(b, e, atoms); err != nil {
				return err
			}
		}
		b.WriteByte(')')
		return nil
	}
	k, err := scalarKey(v)
	if err != nil {
		return err
	}
	if k.p != nil {
		fmt.Fprintf(b, "%c%p", k.kind, k.p)
	} else {
		fmt.Fprintf(b, "%c%d:%q", k.kind, k.n, k.s)
	}
	return nil
}

// typeName names the Python-ish type of v for error messages.
func typeName(v Value) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case Tuple:
		return "tuple"
	case *List:
		return "list"
	case *Dict:
		return "dict"
	case *Set:
		if v.Frozen {
			return "frozenset"
		}
		return "set"
	case *Tensor:
		return "tensor"
	case *Storage:
		return "storage"
	case *Global:
		return "global " + v.String()
	case *Object:
		return v.Module + "." + v.Name + " object"
	}
	return fmt.Sprintf("%T", v)
}

// StateDict returns the tensors of a state dict: v must be a *Dict whose
// keys are strings and whose values are tensors, as torch's
// Module.state_dict() makes. It returns the keys in the file's order and
// the tensors by key.
func StateDict(v Value) (keys []string, tensors map[string]*Tensor, err error) {
	d, ok := v.(*Dict)
	if !ok {
		return nil, nil, fmt.Errorf("torchfile: state dict is a %s, not a dict", typeName(v))
	}
	tensors = make(map[string]*Tensor, d.Len())
	for i := range d.Len() {
		k, val := d.Item(i)
		name, ok := k.(string)
		if !ok {
			return nil, nil, fmt.Errorf("torchfile: state dict key %d is a %s, not a string", i, typeName(k))
		}
		t, ok := val.(*Tensor)
		if !ok {
			return nil, nil, fmt.Errorf("torchfile: state dict entry %q is a %s, not a tensor", name, typeName(val))
		}
		keys = append(keys, name)
		tensors[name] = t
	}
	return keys, tensors, nil
}
