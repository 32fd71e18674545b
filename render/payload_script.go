package render

// The payload's script: the payload compressed and wrapped in a classic script, which, unlike
// fetch, loads from file:// too.

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// GzipLevel is the compression level of PayloadScript. The payload's layout leaves the match
// search little to do, and each level above it costs more CPU than it saves bytes. On the test
// run's payload (one core, the best of 5 runs): level 5 takes 48 ms for 299 KB (4: 30 ms,
// 307 KB; 1: 13 ms, 334 KB), and level 6 took 72 ms for 297 KB in a single run.
//
// The payload has no brotli copy. At its quality 4 brotli took 40 ms for 293 KB, 2 % less than
// gzip, and only for the browsers whose DecompressionStream reads brotli (Chromium's does not);
// at quality 2 it was as large as gzip, and quality 5 took twice as long for 286 KB. The
// second script doubled the payload's share of every site, and of every commit of it to a
// GitHub Pages branch.
const GzipLevel = 5

// PayloadScript compresses payload with gzip (GzipLevel) and returns it as a classic script,
// which, unlike fetch, loads from file:// too:
//
//	window.MAXGROK_PAYLOAD={enc:"gzip",size:N,z85:"..."};
//
// enc is the name DecompressionStream takes, size the length of the compressed stream and z85
// that stream, zero padded to a multiple of 4 bytes, in Z85 (ZeroMQ's base 85: 5 characters
// for 4 bytes, none of them a quote or a backslash), which is 6% smaller than base64. The
// output is deterministic.
func PayloadScript(payload []byte) ([]byte, error) {
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, GzipLevel)
	if err == nil {
		_, err = zw.Write(payload)
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	return payloadScript("gzip", gz.Bytes()), nil
}

func payloadScript(enc string, data []byte) []byte {
	out := []byte("window.MAXGROK_PAYLOAD={enc:\"" + enc + "\",size:" + strconv.Itoa(len(data)) + ",z85:\"")
	out = AppendZ85(out, data)
	return append(out, "\"};\n"...)
}

const z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

// AppendZ85 appends data in Z85 (https://rfc.zeromq.org/spec/32/), zero padded to a multiple
// of 4 bytes, to dst.
func AppendZ85(dst, data []byte) []byte {
	for i := 0; i < len(data); i += 4 {
		var b [4]byte
		copy(b[:], data[i:])
		v := binary.BigEndian.Uint32(b[:])
		var c [5]byte
		for k := 4; k >= 0; k-- {
			c[k] = z85Alphabet[v%85]
			v /= 85
		}
		dst = append(dst, c[:]...)
	}
	return dst
}

// DecodeZ85 decodes Z85 text (a multiple of 5 characters) written by AppendZ85.
func DecodeZ85(s []byte) ([]byte, error) {
	if len(s)%5 != 0 {
		return nil, errors.New("payload: z85 length is not a multiple of 5")
	}
	var dec [256]int
	for i := range dec {
		dec[i] = -1
	}
	for i := range len(z85Alphabet) {
		dec[z85Alphabet[i]] = i
	}
	out := make([]byte, 0, len(s)/5*4)
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for k := range 5 {
			d := dec[s[i+k]]
			if d < 0 {
				return nil, fmt.Errorf("payload: bad z85 character %q", s[i+k])
			}
			v = v*85 + uint64(d)
		}
		if v > math.MaxUint32 {
			return nil, errors.New("payload: z85 group overflows")
		}
		out = binary.BigEndian.AppendUint32(out, uint32(v))
	}
	return out, nil
}
