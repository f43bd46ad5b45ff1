package link

import (
	"context"
	"fmt"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// A CUP terminal keeps the working keys of its last sign-in until the host
// asks for a new one (an answer of A0 "MAC error, sign in again" or 99 "PIN
// block format error, sign in again") or the operator signs in: it does not
// sign in before every transaction. These calls let a terminal that is not
// one long-running process do the same, keeping the keys as the host sent
// them (field 62: each key encrypted under the TMK with its check value)
// in its own sealed storage.

// SignedIn reports whether the client holds working keys.
func (c *Client) SignedIn() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.codec != nil
}

// WorkingKeysUnderTMK returns the working keys the client holds as field
// 62 of a sign-in answer (each key encrypted under the TMK, followed by
// its check value) and their key mode, for the terminal to keep between
// runs; ErrNotSignedIn before a sign-in. The bytes are no secret without
// the TMK, but keep them sealed anyway (WithSealKey).
func (c *Client) WorkingKeysUnderTMK() (keys.KeyMode, []byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wk == nil {
		return 0, nil, ErrNotSignedIn
	}
	f62, err := keys.EncodeField62(c.cfg.TMK, c.wk)
	if err != nil {
		return 0, nil, fmt.Errorf("link: working keys: %w", err)
	}
	return c.wk.Mode, f62, nil
}

// ResumeWorkingKeys loads working keys kept from an earlier sign-in (as
// WorkingKeysUnderTMK returned them): they are decrypted under the TMK
// and their check values verified, as at sign-in. No message is sent; if
// the host has issued other keys since, its answer to the next request is
// A0 or 99 (see SignInRequired) and the terminal signs in again.
func (c *Client) ResumeWorkingKeys(mode keys.KeyMode, f62 []byte) error {
	w, err := keys.DecodeField62(c.cfg.TMK, mode, f62, c.cfg.KeyOptions...)
	if err != nil {
		return fmt.Errorf("link: resuming working keys: %w", err)
	}
	mac, err := iso8583.NewMAC(c.cfg.MAC, w.MAC)
	if err != nil {
		w.Zero()
		return fmt.Errorf("link: resuming working keys: %w", err)
	}
	pik, err := pinblock.NewCipher(w.PIN, c.cfg.PINFormat, c.cfg.Rand)
	if err != nil {
		w.Zero()
		return fmt.Errorf("link: resuming working keys: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropKeysLocked()
	c.codec, c.pik, c.wk = c.base.WithMAC(mac), pik, w
	return nil
}

// SignInRequired reports whether an answer's response code asks the
// terminal to sign in again before retrying: A0 (MAC校验错，请重新签到) and
// 99 (PIN格式错，请重新签到), by UnionPay practice.
func SignInRequired(rc iso8583.ResponseCode) bool {
	return rc == iso8583.ReasonMACError || rc == "99"
}

// Balance (余额查询) asks the issuer for the card's balance; the answer's
// field 54 (Response.AdditionalAmounts) carries it. It moves no money, so
// it has no record, no reversal and no place in the batch.
func (c *Client) Balance(ctx context.Context, card Card, pin pinblock.PIN) (*Result, error) {
	return c.financial(ctx, pin, 0, func(stan, batch uint32) (*iso8583.Transaction, error) {
		t := &iso8583.Transaction{Kind: iso8583.KindBalance, STAN: stan,
			Field60: &iso8583.Field60{Batch: batch}}
		card.apply(t)
		return t, nil
	})
}
