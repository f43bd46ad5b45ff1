package iso8583

import (
	"fmt"

	"github.com/possdk/pos/keys"
)

// KeyMode returns the sign-in key mode of t's field 60.3 (001, 003, 004,
// 006).
func (t *Transaction) KeyMode() (keys.KeyMode, error) {
	if t.Field60 == nil {
		return 0, fmt.Errorf("%w: field 60 (key mode in 60.3)", ErrMissingField)
	}
	m, err := keys.ParseKeyMode(t.Field60.NetMgmt)
	if err != nil {
		return 0, fmt.Errorf("%w: field 60.3: %w", ErrInvalidField, err)
	}
	return m, nil
}

// WorkingKeys is the terminal side of sign-in: it decrypts the working
// keys of an approved sign-in response's field 62 under the TMK and checks
// their check values (keys.DecodeField62), for the key mode in 60.3. opts
// apply to each key (see keys.DecodeField62).
func (t *Transaction) WorkingKeys(tmk *keys.Key, opts ...keys.Option) (*keys.WorkingKeys, error) {
	if t.Kind != KindSignIn || !t.IsResponse() {
		return nil, fmt.Errorf("%w: working keys come in a sign-in response, not a %s %s", ErrInvalidField, t.Kind, t.mti())
	}
	if !t.ResponseCode.Approved() {
		return nil, fmt.Errorf("%w: sign-in declined with %s", ErrInvalidField, t.ResponseCode)
	}
	m, err := t.KeyMode()
	if err != nil {
		return nil, err
	}
	w, err := keys.DecodeField62(tmk, m, t.Field62, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: field 62: %w", ErrInvalidField, err)
	}
	return w, nil
}

// SetWorkingKeys is the host side: it puts w, encrypted under the
// terminal's TMK with check values (keys.EncodeField62), into field 62 and
// its mode into 60.3.
func (t *Transaction) SetWorkingKeys(tmk *keys.Key, w *keys.WorkingKeys) error {
	f62, err := keys.EncodeField62(tmk, w)
	if err != nil {
		return fmt.Errorf("%w: field 62: %w", ErrInvalidField, err)
	}
	f60 := Field60{Type: "00"}
	if t.Field60 != nil {
		f60 = *t.Field60
	}
	f60.NetMgmt = w.Mode.String()
	t.Field60, t.Field62 = &f60, f62
	return nil
}
