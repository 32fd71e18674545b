package torchfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxMarks bounds the nesting of MARKs. Python's pickler recurses once or
// twice per level of nesting and stops at its recursion limit of 1000, so
// no pickle Python writes comes near.
const maxMarks = 1000

// maxDims bounds a tensor's dimensions, as torch does.
const maxDims = 64

// A machine runs one pickle. It never calls anything: GLOBAL pushes a
// *Global, and calls of globals build values only for the allow-list in
// call (globals.go), inert records otherwise.
type machine struct {
	data  []byte
	pos   int
	op    int    // offset of the opcode being run
	entry string // for messages
	base  int64  // offset of data[0] in entry

	stack []Value
	marks []int // stack heights at each open MARK
	memo  map[int64]Value

	// work counts the elements that opcodes and calls go through; it is
	// bounded proportionally to the pickle's size so that a small pickle
	// cannot make the machine quadratic by reusing memoized values.
	work, maxWork int64

	// persistentLoad resolves BINPERSID and PERSID; nil refuses them.
	persistentLoad func(m *machine, pid Value) (Value, error)
	// bigLongs keeps integers beyond int64 as bigLong values (for the
	// legacy format's magic number) instead of failing.
	bigLongs bool
	// tensors lists the tensors built, to be filled from their storages.
	tensors []*Tensor
}

// bigLong is an integer beyond int64, as its little-endian two's complement
// bytes; it only appears when machine.bigLongs is set.
type bigLong string

func newMachine(data []byte, entry string, base int64) *machine {
	return &machine{
		data:    data,
		entry:   entry,
		base:    base,
		memo:    map[int64]Value{},
		maxWork: 1<<20 + 16*int64(len(data)),
	}
}

// errAt returns a FormatError at the current opcode.
func (m *machine) errAt(cause error, format string, args ...any) error {
	return &FormatError{Entry: m.entry, Offset: m.base + int64(m.op), Msg: fmt.Sprintf(format, args...), Err: cause}
}

func (m *machine) errf(format string, args ...any) error { return m.errAt(nil, format, args...) }

func (m *machine) eof(what string) error {
	return m.errAt(io.ErrUnexpectedEOF, "pickle: %s: %v", what, io.ErrUnexpectedEOF)
}

// charge adds n to the work done.
func (m *machine) charge(n int) error {
	m.work += int64(n) + 1
	if m.work > m.maxWork {
		return m.errAt(ErrLimit, "pickle: more than %d steps of work for a pickle of %d bytes", m.maxWork, len(m.data))
	}
	return nil
}

func (m *machine) read(n uint64, what string) ([]byte, error) {
	if n > uint64(len(m.data)-m.pos) {
		return nil, m.eof(fmt.Sprintf("%s of %d bytes", what, n))
	}
	b := m.data[m.pos : m.pos+int(n) : m.pos+int(n)]
	m.pos += int(n)
	return b, nil
}

func (m *machine) u8(what string) (byte, error) {
	b, err := m.read(1, what)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (m *machine) u16(what string) (uint16, error) {
	b, err := m.read(2, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (m *machine) u32(what string) (uint32, error) {
	b, err := m.read(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (m *machine) u64(what string) (uint64, error) {
	b, err := m.read(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// line reads up to and excluding the next newline.
func (m *machine) line(what string) ([]byte, error) {
	i := bytes.IndexByte(m.data[m.pos:], '\n')
	if i < 0 {
		return nil, m.eof(what + " line")
	}
	b := m.data[m.pos : m.pos+i : m.pos+i]
	m.pos += i + 1
	return b, nil
}

func (m *machine) push(v Value) {
	if len(m.stack) == cap(m.stack) {
		// Double: append grows large slices by 1.25, allocating five
		// times the final size in all.
		m.stack = slices.Grow(m.stack, len(m.stack)+16)
	}
	m.stack = append(m.stack, v)
}

func (m *machine) floor() int {
	if len(m.marks) == 0 {
		return 0
	}
	return m.marks[len(m.marks)-1]
}

func (m *machine) pop() (Value, error) {
	if len(m.stack) <= m.floor() {
		return nil, m.errf("pickle: stack underflow")
	}
	v := m.stack[len(m.stack)-1]
	m.stack[len(m.stack)-1] = nil
	m.stack = m.stack[:len(m.stack)-1]
	return v, nil
}

// pop2 removes the two top items and returns them in stack order: a below b.
func (m *machine) pop2() (a, b Value, err error) {
	if len(m.stack)-m.floor() < 2 {
		return nil, nil, m.errf("pickle: stack underflow")
	}
	n := len(m.stack)
	a, b = m.stack[n-2], m.stack[n-1]
	clear(m.stack[n-2:])
	m.stack = m.stack[:n-2]
	return a, b, nil
}

// pop3 is pop2 for three items.
func (m *machine) pop3() (a, b, c Value, err error) {
	if len(m.stack)-m.floor() < 3 {
		return nil, nil, nil, m.errf("pickle: stack underflow")
	}
	n := len(m.stack)
	a, b, c = m.stack[n-3], m.stack[n-2], m.stack[n-1]
	clear(m.stack[n-3:])
	m.stack = m.stack[:n-3]
	return a, b, c, nil
}

func (m *machine) top() (Value, error) {
	if len(m.stack) <= m.floor() {
		return nil, m.errf("pickle: stack underflow")
	}
	return m.stack[len(m.stack)-1], nil
}

// popMark returns (a copy of) the items above the last MARK and removes
// them and the mark.
func (m *machine) popMark() ([]Value, error) {
	if len(m.marks) == 0 {
		return nil, m.errf("pickle: no MARK on the stack")
	}
	lo := m.marks[len(m.marks)-1]
	m.marks = m.marks[:len(m.marks)-1]
	items := append([]Value(nil), m.stack[lo:]...)
	clear(m.stack[lo:])
	m.stack = m.stack[:lo]
	return items, m.charge(len(items))
}

// Opcodes, as named in Python's pickle module.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opDup            = '2'
	opFloat          = 'F'
	opInt            = 'I'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opLong           = 'L'
	opBinInt2        = 'M'
	opNone           = 'N'
	opPersID         = 'P'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opString         = 'S'
	opBinString      = 'T'
	opShortBinString = 'U'
	opUnicode        = 'V'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opGet            = 'g'
	opBinGet         = 'h'
	opInst           = 'i'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opObj            = 'o'
	opPut            = 'p'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opBinFloat       = 'G'

	opProto    = 0x80
	opNewObj   = 0x81
	opExt1     = 0x82
	opExt2     = 0x83
	opExt4     = 0x84
	opTuple1   = 0x85
	opTuple2   = 0x86
	opTuple3   = 0x87
	opNewTrue  = 0x88
	opNewFalse = 0x89
	opLong1    = 0x8a
	opLong4    = 0x8b

	opBinBytes      = 'B'
	opShortBinBytes = 'C'

	opShortBinUnicode = 0x8c
	opBinUnicode8     = 0x8d
	opBinBytes8       = 0x8e
	opEmptySet        = 0x8f
	opAddItems        = 0x90
	opFrozenSet       = 0x91
	opNewObjEx        = 0x92
	opStackGlobal     = 0x93
	opMemoize         = 0x94
	opFrame           = 0x95

	opByteArray8     = 0x96
	opNextBuffer     = 0x97
	opReadOnlyBuffer = 0x98
)

var opNames = map[byte]string{
	opExt1: "EXT1", opExt2: "EXT2", opExt4: "EXT4",
	opNextBuffer: "NEXT_BUFFER", opReadOnlyBuffer: "READONLY_BUFFER",
}

// run executes the pickle from m.pos to its STOP and returns its value.
func (m *machine) run() (Value, error) {
	for {
		m.op = m.pos
		if m.pos >= len(m.data) {
			return nil, m.eof("no STOP opcode")
		}
		op := m.data[m.pos]
		m.pos++
		if err := m.step(op); err != nil {
			if errors.Is(err, errStop) {
				v, err := m.pop()
				if err != nil {
					return nil, err
				}
				return v, nil
			}
			return nil, err
		}
	}
}

var errStop = errors.New("STOP")

func (m *machine) step(op byte) error {
	switch op {
	case opStop:
		return errStop
	case opProto:
		v, err := m.u8("protocol")
		if err != nil {
			return err
		}
		if v > 5 {
			return m.errf("pickle: unsupported protocol %d", v)
		}
	case opFrame:
		n, err := m.u64("frame length")
		if err != nil {
			return err
		}
		if n > uint64(len(m.data)-m.pos) {
			return m.eof(fmt.Sprintf("frame of %d bytes", n))
		}

	case opMark:
		if len(m.marks) >= maxMarks {
			return m.errAt(ErrLimit, "pickle: more than %d nested MARKs", maxMarks)
		}
		m.marks = append(m.marks, len(m.stack))
	case opPop:
		if len(m.stack) > m.floor() {
			_, err := m.pop()
			return err
		}
		_, err := m.popMark()
		return err
	case opPopMark:
		_, err := m.popMark()
		return err
	case opDup:
		v, err := m.top()
		if err != nil {
			return err
		}
		m.push(v)

	case opNone:
		m.push(nil)
	case opNewTrue:
		m.push(true)
	case opNewFalse:
		m.push(false)
	case opBinInt:
		v, err := m.u32("BININT")
		if err != nil {
			return err
		}
		m.push(int64(int32(v)))
	case opBinInt1:
		v, err := m.u8("BININT1")
		if err != nil {
			return err
		}
		m.push(int64(v))
	case opBinInt2:
		v, err := m.u16("BININT2")
		if err != nil {
			return err
		}
		m.push(int64(v))
	case opLong1:
		n, err := m.u8("LONG1 length")
		if err != nil {
			return err
		}
		return m.long(uint64(n))
	case opLong4:
		n, err := m.u32("LONG4 length")
		if err != nil {
			return err
		}
		if int32(n) < 0 {
			return m.errf("pickle: LONG4 of negative length")
		}
		return m.long(uint64(n))
	case opInt:
		b, err := m.line("INT")
		if err != nil {
			return err
		}
		switch string(b) {
		case "00":
			m.push(false)
			return nil
		case "01":
			m.push(true)
			return nil
		}
		return m.textInt(b, "INT")
	case opLong:
		b, err := m.line("LONG")
		if err != nil {
			return err
		}
		return m.textInt(bytes.TrimSuffix(b, []byte("L")), "LONG")
	case opBinFloat:
		b, err := m.read(8, "BINFLOAT")
		if err != nil {
			return err
		}
		m.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case opFloat:
		b, err := m.line("FLOAT")
		if err != nil {
			return err
		}
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return m.errf("pickle: FLOAT %q is not a number", b)
		}
		m.push(f)

	case opBinUnicode:
		n, err := m.u32("BINUNICODE length")
		if err != nil {
			return err
		}
		return m.pushString(uint64(n), "BINUNICODE")
	case opShortBinUnicode:
		n, err := m.u8("SHORT_BINUNICODE length")
		if err != nil {
			return err
		}
		return m.pushString(uint64(n), "SHORT_BINUNICODE")
	case opBinUnicode8:
		n, err := m.u64("BINUNICODE8 length")
		if err != nil {
			return err
		}
		return m.pushString(n, "BINUNICODE8")
	case opBinString:
		n, err := m.u32("BINSTRING length")
		if err != nil {
			return err
		}
		if int32(n) < 0 {
			return m.errf("pickle: BINSTRING of negative length")
		}
		return m.pushString(uint64(n), "BINSTRING")
	case opShortBinString:
		n, err := m.u8("SHORT_BINSTRING length")
		if err != nil {
			return err
		}
		return m.pushString(uint64(n), "SHORT_BINSTRING")
	case opString:
		b, err := m.line("STRING")
		if err != nil {
			return err
		}
		s, ok := unquotePython(b)
		if !ok {
			return m.errf("pickle: STRING is not a quoted string")
		}
		m.push(s)
	case opUnicode:
		b, err := m.line("UNICODE")
		if err != nil {
			return err
		}
		m.push(rawUnicodeEscape(b))
	case opBinBytes:
		n, err := m.u32("BINBYTES length")
		if err != nil {
			return err
		}
		return m.pushBytes(uint64(n), "BINBYTES")
	case opShortBinBytes:
		n, err := m.u8("SHORT_BINBYTES length")
		if err != nil {
			return err
		}
		return m.pushBytes(uint64(n), "SHORT_BINBYTES")
	case opBinBytes8, opByteArray8:
		n, err := m.u64("BINBYTES8 length")
		if err != nil {
			return err
		}
		return m.pushBytes(n, "BINBYTES8")

	case opEmptyTuple:
		m.push(Tuple{})
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if len(m.stack)-m.floor() < n {
			return m.errf("pickle: stack underflow")
		}
		t := append(Tuple(nil), m.stack[len(m.stack)-n:]...)
		clear(m.stack[len(m.stack)-n:])
		m.stack = m.stack[:len(m.stack)-n]
		m.push(t)
	case opTuple:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		m.push(Tuple(items))
	case opEmptyList:
		m.push(&List{})
	case opList:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		m.push(&List{Items: items})
	case opEmptyDict:
		m.push(&Dict{})
	case opDict:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		d := &Dict{}
		if err := m.setItems(d, items); err != nil {
			return err
		}
		m.push(d)
	case opEmptySet:
		m.push(&Set{})
	case opFrozenSet:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		s := &Set{Frozen: true}
		for _, v := range items {
			if err := s.add(v); err != nil {
				return m.errf("pickle: FROZENSET: %v", err)
			}
		}
		m.push(s)

	case opAppend:
		v, err := m.pop()
		if err != nil {
			return err
		}
		return m.appendTo([]Value{v})
	case opAppends:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		return m.appendTo(items)
	case opSetItem:
		k, v, err := m.pop2()
		if err != nil {
			return err
		}
		return m.setItemsOnTop([]Value{k, v})
	case opSetItems:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		return m.setItemsOnTop(items)
	case opAddItems:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		t, err := m.top()
		if err != nil {
			return err
		}
		s, ok := t.(*Set)
		if !ok || s.Frozen {
			return m.errf("pickle: ADDITEMS to a %s", typeName(t))
		}
		for _, v := range items {
			if err := s.add(v); err != nil {
				return m.errf("pickle: ADDITEMS: %v", err)
			}
		}

	case opGlobal:
		mod, err := m.line("GLOBAL module")
		if err != nil {
			return err
		}
		name, err := m.line("GLOBAL name")
		if err != nil {
			return err
		}
		return m.pushGlobal(string(mod), string(name))
	case opStackGlobal:
		mod, name, err := m.pop2()
		if err != nil {
			return err
		}
		ms, ok1 := mod.(string)
		ns, ok2 := name.(string)
		if !ok1 || !ok2 {
			return m.errf("pickle: STACK_GLOBAL of a %s and a %s, not strings", typeName(mod), typeName(name))
		}
		return m.pushGlobal(ms, ns)
	case opReduce:
		fn, args, err := m.pop2()
		if err != nil {
			return err
		}
		t, ok := args.(Tuple)
		if !ok {
			return m.errf("pickle: REDUCE with arguments of type %s, not a tuple", typeName(args))
		}
		v, err := m.call(fn, t, nil, "REDUCE")
		if err != nil {
			return err
		}
		m.push(v)
	case opNewObj:
		cls, args, err := m.pop2()
		if err != nil {
			return err
		}
		t, ok := args.(Tuple)
		if !ok {
			return m.errf("pickle: NEWOBJ with arguments of type %s, not a tuple", typeName(args))
		}
		v, err := m.newObj(cls, t, nil)
		if err != nil {
			return err
		}
		m.push(v)
	case opNewObjEx:
		cls, args, kw, err := m.pop3()
		if err != nil {
			return err
		}
		t, ok1 := args.(Tuple)
		d, ok2 := kw.(*Dict)
		if !ok1 || !ok2 {
			return m.errf("pickle: NEWOBJ_EX with arguments of types %s and %s, not a tuple and a dict", typeName(args), typeName(kw))
		}
		v, err := m.newObj(cls, t, d)
		if err != nil {
			return err
		}
		m.push(v)
	case opInst:
		mod, err := m.line("INST module")
		if err != nil {
			return err
		}
		name, err := m.line("INST name")
		if err != nil {
			return err
		}
		args, err := m.popMark()
		if err != nil {
			return err
		}
		v, err := m.call(m.global(string(mod), string(name)), Tuple(args), nil, "INST")
		if err != nil {
			return err
		}
		m.push(v)
	case opObj:
		items, err := m.popMark()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return m.errf("pickle: OBJ without a class")
		}
		v, err := m.call(items[0], Tuple(items[1:]), nil, "OBJ")
		if err != nil {
			return err
		}
		m.push(v)
	case opBuild:
		state, err := m.pop()
		if err != nil {
			return err
		}
		inst, err := m.top()
		if err != nil {
			return err
		}
		switch inst := inst.(type) {
		case *Object:
			inst.State = state
		case *Dict, *Tensor:
			// An OrderedDict's attributes (a state dict's _metadata) and a
			// tensor's Python attributes are not kept.
		default:
			return m.errf("pickle: BUILD on a %s", typeName(inst))
		}

	case opPersID:
		b, err := m.line("PERSID")
		if err != nil {
			return err
		}
		return m.persistent(string(b))
	case opBinPersID:
		pid, err := m.pop()
		if err != nil {
			return err
		}
		return m.persistent(pid)

	case opPut:
		b, err := m.line("PUT")
		if err != nil {
			return err
		}
		i, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil || i < 0 {
			return m.errf("pickle: PUT index %q", b)
		}
		return m.put(i)
	case opBinPut:
		i, err := m.u8("BINPUT index")
		if err != nil {
			return err
		}
		return m.put(int64(i))
	case opLongBinPut:
		i, err := m.u32("LONG_BINPUT index")
		if err != nil {
			return err
		}
		return m.put(int64(i))
	case opMemoize:
		return m.put(int64(len(m.memo)))
	case opGet:
		b, err := m.line("GET")
		if err != nil {
			return err
		}
		i, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return m.errf("pickle: GET index %q", b)
		}
		return m.get(i)
	case opBinGet:
		i, err := m.u8("BINGET index")
		if err != nil {
			return err
		}
		return m.get(int64(i))
	case opLongBinGet:
		i, err := m.u32("LONG_BINGET index")
		if err != nil {
			return err
		}
		return m.get(int64(i))

	default:
		if name, ok := opNames[op]; ok {
			return m.errf("pickle: unsupported opcode %s (0x%02x)", name, op)
		}
		return m.errf("pickle: unknown opcode 0x%02x", op)
	}
	return nil
}

func (m *machine) pushString(n uint64, what string) error {
	b, err := m.read(n, what)
	if err != nil {
		return err
	}
	m.push(string(b))
	return nil
}

func (m *machine) pushBytes(n uint64, what string) error {
	b, err := m.read(n, what)
	if err != nil {
		return err
	}
	m.push(b)
	return nil
}

// long pushes the n-byte little-endian two's complement integer that
// follows.
func (m *machine) long(n uint64) error {
	b, err := m.read(n, "LONG")
	if err != nil {
		return err
	}
	if len(b) > 8 {
		ext := byte(0)
		if b[7]&0x80 != 0 {
			ext = 0xff
		}
		for _, c := range b[8:] {
			if c != ext {
				if m.bigLongs {
					m.push(bigLong(b))
					return nil
				}
				return m.errAt(ErrLimit, "pickle: integer of %d bytes does not fit in 64 bits", len(b))
			}
		}
		b = b[:8]
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	if len(b) > 0 && len(b) < 8 && b[len(b)-1]&0x80 != 0 {
		v |= ^uint64(0) << (8 * len(b))
	}
	m.push(int64(v))
	return nil
}

func (m *machine) textInt(b []byte, what string) error {
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return m.errAt(ErrLimit, "pickle: %s %.40s does not fit in 64 bits", what, b)
		}
		return m.errf("pickle: %s %.40q is not an integer", what, b)
	}
	m.push(v)
	return nil
}

func (m *machine) put(i int64) error {
	v, err := m.top()
	if err != nil {
		return err
	}
	m.memo[i] = v
	return nil
}

func (m *machine) get(i int64) error {
	v, ok := m.memo[i]
	if !ok {
		return m.errf("pickle: memo has no entry %d", i)
	}
	m.push(v)
	return nil
}

func (m *machine) appendTo(items []Value) error {
	t, err := m.top()
	if err != nil {
		return err
	}
	if err := m.charge(len(items)); err != nil {
		return err
	}
	switch t := t.(type) {
	case *List:
		t.Items = append(t.Items, items...)
	case *Object:
		t.ListItems = append(t.ListItems, items...)
	default:
		return m.errf("pickle: APPEND to a %s", typeName(t))
	}
	return nil
}

func (m *machine) setItemsOnTop(items []Value) error {
	t, err := m.top()
	if err != nil {
		return err
	}
	switch t := t.(type) {
	case *Dict:
		return m.setItems(t, items)
	case *Object:
		if t.DictItems == nil {
			t.DictItems = &Dict{}
		}
		return m.setItems(t.DictItems, items)
	}
	return m.errf("pickle: SETITEM on a %s", typeName(t))
}

func (m *machine) setItems(d *Dict, items []Value) error {
	if len(items)%2 != 0 {
		return m.errf("pickle: odd number of items (%d) for a dict", len(items))
	}
	if err := m.charge(len(items)); err != nil {
		return err
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return m.errf("pickle: dict key: %v", err)
		}
	}
	return nil
}

// pushGlobal pushes a reference to module.name. Nothing is imported or
// looked up: it becomes a *Global, which call may build from.
func (m *machine) pushGlobal(mod, name string) error {
	if mod == "" || name == "" || !utf8.ValidString(mod) || !utf8.ValidString(name) {
		return m.errf("pickle: GLOBAL %.80q %.80q is not a name", mod, name)
	}
	m.push(m.global(mod, name))
	return nil
}

func (m *machine) global(mod, name string) *Global {
	// Python 2 names, as pickle's fix_imports maps them.
	switch mod {
	case "__builtin__", "exceptions":
		mod = "builtins"
	case "copy_reg":
		mod = "copyreg"
	}
	return &Global{Module: mod, Name: name}
}

func (m *machine) persistent(pid Value) error {
	if m.persistentLoad == nil {
		return m.errf("pickle: unexpected persistent id")
	}
	v, err := m.persistentLoad(m, pid)
	if err != nil {
		return err
	}
	m.push(v)
	return nil
}

// unquotePython decodes the repr of a Python 2 str: 'abc' or "abc" with
// backslash escapes.
func unquotePython(b []byte) (string, bool) {
	if len(b) < 2 || (b[0] != '\'' && b[0] != '"') || b[len(b)-1] != b[0] {
		return "", false
	}
	b = b[1 : len(b)-1]
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 == len(b) {
			out = append(out, c)
			continue
		}
		i++
		switch c = b[i]; c {
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'a':
			out = append(out, '\a')
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'v':
			out = append(out, '\v')
		case '\\', '\'', '"':
			out = append(out, c)
		case '\n':
		case 'x':
			if i+2 < len(b) && isHex(b[i+1]) && isHex(b[i+2]) {
				v, _ := strconv.ParseUint(string(b[i+1:i+3]), 16, 8)
				out = append(out, byte(v))
				i += 2
			} else {
				return "", false
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(c - '0')
			for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
				i++
				v = v*8 + int(b[i]-'0')
			}
			out = append(out, byte(v))
		default:
			out = append(out, '\\', c)
		}
	}
	return string(out), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// rawUnicodeEscape decodes Python's raw-unicode-escape: bytes are Latin-1
// code points, except \uXXXX and \UXXXXXXXX.
func rawUnicodeEscape(b []byte) string {
	out := make([]rune, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && (b[i+1] == 'u' || b[i+1] == 'U') {
			n := 4
			if b[i+1] == 'U' {
				n = 8
			}
			if i+2+n <= len(b) {
				if v, err := strconv.ParseUint(string(b[i+2:i+2+n]), 16, 32); err == nil {
					r := rune(v)
					if !utf8.ValidRune(r) {
						r = utf8.RuneError
					}
					out = append(out, r)
					i += 1 + n
					continue
				}
			}
		}
		out = append(out, rune(b[i]))
	}
	return string(out)
}
