package qr

import (
	"fmt"
	"unicode/utf8"
)

// Append encodes objs in the given order onto dst and appends the CRC data
// object ("6304" and four upper-case hex digits) computed over the UTF-8
// bytes of everything appended. An ID 63 object is allowed only last and is
// replaced by the fresh CRC, so a decoded Payload's Objects encode back to
// the same text.
//
// A template is encoded from its Sub when Sub is non-empty, from Value
// otherwise. Errors wrap ErrLength (a value of 0 or over 99 characters),
// ErrTooLong, ErrSyntax (an ID over 99, invalid UTF-8) or ErrCRCMissing (ID
// 63 not last). Append does not judge content; Validate does.
func Append(dst []byte, objs []Object) ([]byte, error) {
	for i, o := range objs {
		if o.ID == IDCRC {
			if i != len(objs)-1 {
				return dst, fmt.Errorf("%w: ID 63 is object %d of %d", ErrCRCMissing, i+1, len(objs))
			}
			objs = objs[:i]
		}
	}
	return appendRuns(dst, objs)
}

// appendRuns encodes runs of objects, none of them ID 63, one after the
// other, then the CRC.
func appendRuns(dst []byte, runs ...[]Object) ([]byte, error) {
	start, chars := len(dst), 0
	for _, run := range runs {
		for _, o := range run {
			var n int
			var err error
			if dst, n, err = appendObject(dst, o, -1); err != nil {
				return dst[:start], err
			}
			chars += n
		}
	}
	if chars += 8; chars > maxPayloadChars {
		return dst[:start], fmt.Errorf("%w: %d characters", ErrTooLong, chars)
	}
	dst = append(dst, "6304"...)
	return appendCRC(dst, CRC(dst[start:])), nil
}

// Encode is Append into a new string.
func Encode(objs []Object) (string, error) {
	b, err := Append(make([]byte, 0, 256), objs)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// appendObject appends o and returns its encoded length in characters.
// The length digits are written after the value, so a template is walked
// once. parent is the enclosing template's ID for messages, or -1.
func appendObject(dst []byte, o Object, parent int) ([]byte, int, error) {
	if o.ID > maxID {
		return dst, 0, fmt.Errorf("%w: ID %d%s is over 99", ErrSyntax, uint8(o.ID), in(parent))
	}
	at := len(dst)
	dst = append(dst, '0'+byte(o.ID/10), '0'+byte(o.ID%10), '0', '0')
	n := 0
	if len(o.Sub) == 0 {
		var ok bool
		if n, ok = countChars(o.Value); !ok {
			return dst, 0, fmt.Errorf("%w: ID %s%s value is not valid UTF-8", ErrSyntax, o.ID, in(parent))
		}
		dst = append(dst, o.Value...)
	} else {
		for _, s := range o.Sub {
			var k int
			var err error
			if dst, k, err = appendObject(dst, s, int(o.ID)); err != nil {
				return dst, 0, err
			}
			n += k
		}
	}
	if n == 0 || n > maxValueChars {
		return dst, 0, fmt.Errorf("%w: ID %s%s has %d characters, want 1-99", ErrLength, o.ID, in(parent), n)
	}
	dst[at+2], dst[at+3] = '0'+byte(n/10), '0'+byte(n%10)
	return dst, objectHeaderLen + n, nil
}

// countChars returns the number of characters (runes) in s and whether s
// is valid UTF-8.
func countChars(s string) (int, bool) {
	if isASCII(s) {
		return len(s), true
	}
	if !utf8.ValidString(s) {
		return 0, false
	}
	return utf8.RuneCountInString(s), true
}

// in names the enclosing template in messages.
func in(parent int) string {
	if parent < 0 {
		return ""
	}
	return " in template " + ID(parent).String()
}
