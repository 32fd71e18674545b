package torchfile

import (
	"errors"
	"fmt"
)

// Errors that a FormatError may wrap, for errors.Is.
var (
	// ErrUnsafe reports a pickle that calls a function that loading data
	// never needs, such as os.system or builtins.eval. Nothing is ever
	// called; the file is refused so that its intent is reported.
	ErrUnsafe = errors.New("torchfile: refused unsafe call")

	// ErrLimit reports an input that would need more memory or work than
	// the Limits allow.
	ErrLimit = errors.New("torchfile: limit exceeded")

	// ErrBigEndian reports a file written on a big-endian machine.
	ErrBigEndian = errors.New("torchfile: big-endian files are not supported")
)

// A FormatError reports a file that is malformed, truncated, refused or
// beyond a limit. Offset counts bytes from the start of Entry (a zip entry
// such as "archive/data.pkl"), or of the file when Entry is empty.
type FormatError struct {
	Entry  string
	Offset int64 // -1 when it does not apply
	Msg    string
	Err    error // ErrUnsafe, ErrLimit, ErrBigEndian, io.ErrUnexpectedEOF or nil
}

// Error returns the message with its place: "torchfile: <entry>: offset <n>: <msg>".
func (e *FormatError) Error() string {
	s := "torchfile: "
	switch {
	case e.Entry != "" && e.Offset >= 0:
		s += fmt.Sprintf("%s: offset %d: ", e.Entry, e.Offset)
	case e.Entry != "":
		s += e.Entry + ": "
	case e.Offset >= 0:
		s += fmt.Sprintf("offset %d: ", e.Offset)
	}
	return s + e.Msg
}

// Unwrap returns the error's cause, if any.
func (e *FormatError) Unwrap() error { return e.Err }
