package ecr

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Parse decodes one message: a *Request, *Response or *Status. Unknown
// tags are refused, so a version mismatch shows at once; errors name the
// field.
func Parse(b []byte) (Message, error) {
	fields := bytes.Split(b, []byte{FS})
	if len(fields) < 3 {
		return nil, fmt.Errorf("%w: %d fields, want kind, command and REF", ErrFormat, len(fields))
	}
	kind := string(fields[0])
	cmd, ok := parseCommand(string(fields[1]))
	if !ok {
		return nil, fmt.Errorf("%w: unknown command %q", ErrFormat, fields[1])
	}
	var (
		req  *Request
		resp *Response
		st   *Status
	)
	switch kind {
	case kindRequest:
		req = &Request{Command: cmd}
	case kindResponse:
		resp = &Response{Command: cmd}
	case kindStatus:
		st = &Status{Command: cmd}
	default:
		return nil, fmt.Errorf("%w: message kind %q, want Q, A or S", ErrFormat, kind)
	}
	seen := map[string]bool{}
	var ref string
	for i, f := range fields[2:] {
		tag, val, ok := bytes.Cut(f, []byte{'='})
		if !ok || len(val) == 0 {
			return nil, fmt.Errorf("%w: field %d %q is not TAG=value", ErrFormat, i+2, f)
		}
		t, v := string(tag), string(val)
		if seen[t] {
			return nil, fmt.Errorf("%w: field %s repeated", ErrFormat, t)
		}
		seen[t] = true
		if err := checkText(t, v); err != nil {
			return nil, err
		}
		var err error
		switch {
		case t == tagRef:
			ref = v
		case req != nil:
			err = req.set(t, v)
		case resp != nil:
			err = resp.set(t, v)
		default:
			err = st.set(t, v)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := checkRef(ref); err != nil {
		return nil, err
	}
	switch {
	case req != nil:
		req.Ref = ref
		if err := req.check(); err != nil {
			return nil, err
		}
		return req, nil
	case resp != nil:
		resp.Ref = ref
		if resp.Result == "" {
			return nil, fmt.Errorf("%w: response without RC", ErrMissing)
		}
		if digits(resp.MaskedPAN) > 10 {
			return nil, fmt.Errorf("%w: PAN field shows more than 6 + 4 digits", ErrUnmasked)
		}
		return resp, nil
	}
	st.Ref = ref
	if st.Code == "" {
		return nil, fmt.Errorf("%w: status without ST", ErrMissing)
	}
	return st, nil
}

func checkText(tag, v string) error {
	if !utf8.ValidString(v) {
		return fmt.Errorf("%w: field %s is not UTF-8", ErrFormat, tag)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7F {
			return fmt.Errorf("%w: field %s has control byte %02X at %d", ErrFormat, tag, v[i], i)
		}
	}
	return nil
}

func parseAmount(v string) (int64, error) {
	if len(v) != 12 || digits(v) != 12 {
		return 0, fmt.Errorf("%w: AMT %q is not 12 digits", ErrFormat, v)
	}
	return strconv.ParseInt(v, 10, 64)
}

func parseCurrency(v string) (uint16, error) {
	if len(v) != 3 || digits(v) != 3 {
		return 0, fmt.Errorf("%w: CUR %q is not 3 digits", ErrFormat, v)
	}
	n, err := strconv.Atoi(v)
	return uint16(n), err
}

func unknown(t string) error { return fmt.Errorf("%w: unknown field %s", ErrFormat, t) }

func (r *Request) set(t, v string) (err error) {
	switch t {
	case tagAmount:
		r.Amount, err = parseAmount(v)
	case tagCurrency:
		r.Currency, err = parseCurrency(v)
	case tagOrigRRN:
		r.OrigRRN = v
	case tagOrigTrc:
		r.OrigTrc = v
	case tagOrigAuth:
		r.OrigAuth = v
	case tagOrigDate:
		r.OrigDate = v
	case tagOperator:
		r.Operator = v
	default:
		return unknown(t)
	}
	return err
}

func (r *Response) set(t, v string) (err error) {
	switch t {
	case tagResult:
		r.Result = v
	case tagText:
		r.Text = v
	case tagAmount:
		r.Amount, err = parseAmount(v)
	case tagCurrency:
		r.Currency, err = parseCurrency(v)
	case tagAuth:
		r.AuthCode = v
	case tagRRN:
		r.RRN = v
	case tagTrace:
		r.Trace = v
	case tagPAN:
		r.MaskedPAN = v
	case tagScheme:
		r.Scheme = v
	case tagTID:
		r.TerminalID = v
	case tagMID:
		r.MerchantID = v
	case tagBatch:
		r.Batch = v
	case tagTime:
		r.Time = v
	default:
		return unknown(t)
	}
	return err
}

func (s *Status) set(t, v string) error {
	switch t {
	case tagStatus:
		s.Code = StatusCode(v)
	case tagText:
		s.Text = v
	default:
		return unknown(t)
	}
	return nil
}
