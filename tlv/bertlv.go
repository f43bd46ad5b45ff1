package tlv

import (
	"fmt"
	"strconv"

	"github.com/moov-io/bertlv"
)

// Decode validates buf and returns it as a moov-io/bertlv tree, so code built
// on bertlv.TLV can switch decoders without rewriting. Unlike bertlv.Decode
// it never panics on crafted lengths, rejects indefinite length instead of
// misreading it, and allocates one slice per level. Values alias buf, as
// bertlv's do: copy buf first if you will reuse it.
func Decode(buf []byte) ([]bertlv.TLV, error) {
	return decodeLevel(NewScanner(buf))
}

// decodeLevel counts (and so validates) one level, then converts it,
// descending into constructed values, which validate themselves.
func decodeLevel(s Scanner) ([]bertlv.TLV, error) {
	count := s
	n := 0
	for count.Next() {
		n++
	}
	if err := count.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]bertlv.TLV, n)
	for i := 0; s.Next(); i++ {
		t := s.Tag()
		tlv := &out[i]
		if tlv.Tag = cachedTagString(t); tlv.Tag == "" {
			tlv.Tag = t.String()
		}
		if !t.Constructed() {
			tlv.Value = s.Value()
			continue
		}
		kids, err := decodeLevel(s.Descend())
		if err != nil {
			return nil, err
		}
		tlv.TLVs = kids
	}
	return out, nil
}

// Encode encodes a bertlv tree with minimal lengths. Tags may be upper or
// lower case; a tag with children must be constructed. A constructed tag with
// no children is encoded with its Value as is, as bertlv.Encode does.
func Encode(tlvs []bertlv.TLV) ([]byte, error) {
	n, err := encodedLen(tlvs, "", 0)
	if err != nil {
		return nil, err
	}
	return appendTLVs(make([]byte, 0, n), tlvs), nil
}

func encodedLen(tlvs []bertlv.TLV, path string, depth int) (int, error) {
	if depth > MaxDepth {
		return 0, fmt.Errorf("%w: at %s", ErrTooDeep, path)
	}
	total := 0
	for i := range tlvs {
		p := func() string { return path + "[" + strconv.Itoa(i) + "]" }
		t, err := ParseTag(tlvs[i].Tag)
		if err != nil {
			return 0, fmt.Errorf("tlv: encoding %s: %w", p(), err)
		}
		n := len(tlvs[i].Value)
		if len(tlvs[i].TLVs) > 0 {
			if !t.Constructed() {
				return 0, fmt.Errorf("%w: %s (%s) has children", ErrNotConstructed, p(), t)
			}
			if n, err = encodedLen(tlvs[i].TLVs, p()+".TLVs", depth+1); err != nil {
				return 0, err
			}
		}
		total += t.Len() + lengthLen(n) + n
	}
	return total, nil
}

// appendTLVs encodes a tree already checked by encodedLen.
func appendTLVs(dst []byte, tlvs []bertlv.TLV) []byte {
	for i := range tlvs {
		t, _ := ParseTag(tlvs[i].Tag)
		dst = AppendTag(dst, t)
		if len(tlvs[i].TLVs) == 0 {
			dst = AppendLength(dst, len(tlvs[i].Value))
			dst = append(dst, tlvs[i].Value...)
			continue
		}
		lenPos := len(dst)
		dst = append(dst, 0)
		dst = appendTLVs(dst, tlvs[i].TLVs)
		dst = patchLength(dst, lenPos)
	}
	return dst
}
