package reader

import (
	"context"
	"fmt"
)

// TransportOptions configure a Transport. The zero value is the EMV
// behaviour: protocol from the card, short APDUs only, at most 32 chained
// GET RESPONSE commands.
type TransportOptions struct {
	// Protocol overrides the protocol; ProtocolUnknown asks the card
	// (ProtocolCard) and then its ATR (first offered protocol).
	Protocol Protocol
	// AllowExtended lets extended-length APDUs through. EMV uses short
	// APDUs only (EMV Book 1 §9.4), so the default refuses them.
	AllowExtended bool
	// MaxChain bounds the GET RESPONSE / resend exchanges one Transmit
	// may make, so a faulty card cannot loop for ever. 0 means 32.
	MaxChain int
}

// Transport is a Card that applies the EMV Book 1 §9.3 transport rules
// (the "TTL") that neither pcsc-lite nor the Go PC/SC bindings apply:
//
//   - 61xx: send GET RESPONSE (00 C0 00 00 xx, 00 meaning 256) and repeat
//     while the card answers 61xx, joining the data (§9.3.1.3);
//   - 6Cxx: resend the same command with Le = xx (§9.3.1.2);
//   - case 4 in T=0: send it as case 3 (Le dropped) and collect the data
//     with GET RESPONSE; a 62xx/63xx warning is followed by GET RESPONSE
//     with Le 00 and the data is returned with the warning status
//     (§9.3.1.3, Annex A);
//   - extended-length APDUs are refused unless AllowExtended is set.
//
// In T=1 case-4 commands go whole, but a stray 61xx or 6Cxx is still
// resolved, as javax.smartcardio does by default.
type Transport struct {
	card  Card
	proto Protocol
	opt   TransportOptions
}

// NewTransport wraps c.
func NewTransport(c Card, opt TransportOptions) *Transport {
	if opt.MaxChain <= 0 {
		opt.MaxChain = 32
	}
	p := opt.Protocol
	if p == ProtocolUnknown {
		if pc, ok := c.(ProtocolCard); ok {
			p = pc.Protocol()
		}
	}
	if p == ProtocolUnknown {
		p = ProtocolT0 // ISO 7816-3 §8.2.3: no TD1 means T=0
		if a, err := ParseATR(c.ATR()); err == nil {
			p = a.Protocol()
		}
	}
	return &Transport{card: c, proto: p, opt: opt}
}

// ATR returns the wrapped card's ATR.
func (t *Transport) ATR() []byte { return t.card.ATR() }

// Close closes the wrapped card.
func (t *Transport) Close() error { return t.card.Close() }

// Protocol is the protocol whose rules the Transport applies.
func (t *Transport) Protocol() Protocol { return t.proto }

// Transmit sends apdu under the §9.3 rules and returns the complete
// response: all data the card had, then the status word.
func (t *Transport) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	cmd, err := ParseCommand(apdu)
	if err != nil {
		return nil, err
	}
	if cmd.Extended && !t.opt.AllowExtended {
		return nil, fmt.Errorf("%w: INS %02X", ErrExtendedAPDU, cmd.INS)
	}
	send := apdu
	case4T0 := cmd.Case == Case4 && t.proto == ProtocolT0
	if case4T0 {
		// EMV Book 1 §9.3.1.1: the C-TPDU of a case-4 command carries
		// P3 = Lc; Le goes with the GET RESPONSE that follows.
		send = apdu[:len(apdu)-1]
		if cmd.Extended {
			send = apdu[:len(apdu)-2]
		}
	}
	budget := t.opt.MaxChain
	resp, err := t.exchange(ctx, send)
	if err != nil {
		return nil, err
	}
	sw1, sw2 := resp[len(resp)-2], resp[len(resp)-1]

	if sw1 == sw1WrongLe && !cmd.Extended && (cmd.Case == Case1 || cmd.Case == Case2 || cmd.Case == Case4 && !case4T0) {
		// §9.3.1.2: wrong Le; resend the same command with P3 = SW2.
		head := send
		if cmd.Case != Case1 {
			head = send[:len(send)-1]
		}
		again := make([]byte, len(head)+1)
		copy(again, head)
		for sw1 == sw1WrongLe {
			if budget--; budget < 0 {
				return nil, fmt.Errorf("%w: INS %02X: 6Cxx repeated more than %d times", ErrBadResponse, cmd.INS, t.opt.MaxChain)
			}
			again[len(again)-1] = sw2
			if resp, err = t.exchange(ctx, again); err != nil {
				return nil, err
			}
			sw1, sw2 = resp[len(resp)-2], resp[len(resp)-1]
		}
	}
	if sw1 == sw1BytesAvailable {
		return t.getResponse(ctx, resp[:len(resp)-2], sw2, &budget, cmd.INS)
	}
	if case4T0 && len(resp) == 2 && (sw1 == sw1WarningUnchanged || sw1 == sw1WarningChanged) {
		// §9.3.1.3 and Annex A: after a warning to a case-4 command the
		// TTL fetches the data with GET RESPONSE, Le 00, and hands the data
		// to the application with the warning, not with the 9000 that
		// ends the GET RESPONSE.
		data, err := t.getResponse(ctx, nil, 0x00, &budget, cmd.INS)
		if err != nil {
			return nil, err
		}
		if sw, _ := SW(data); sw != swOK {
			return resp, nil // nothing to fetch: the warning alone
		}
		out := data[:len(data)-2]
		return append(out, sw1, sw2), nil
	}
	return resp, nil
}

// getResponse issues GET RESPONSE with Le = le until the card stops answering
// 61xx, appending every piece of data to acc (§9.3.1.3). A 6Cxx to the GET
// RESPONSE is resent with the corrected Le.
func (t *Transport) getResponse(ctx context.Context, acc []byte, le byte, budget *int, ins byte) ([]byte, error) {
	out := make([]byte, 0, len(acc)+int(le)+2+256*b2i(le == 0))
	out = append(out, acc...)
	get := [5]byte{claInterindustry, insGetResponse, 0x00, 0x00, le}
	for {
		if *budget--; *budget < 0 {
			return nil, fmt.Errorf("%w: INS %02X: more than %d GET RESPONSE exchanges", ErrBadResponse, ins, t.opt.MaxChain)
		}
		resp, err := t.exchange(ctx, get[:])
		if err != nil {
			return nil, err
		}
		sw1, sw2 := resp[len(resp)-2], resp[len(resp)-1]
		switch sw1 {
		case sw1BytesAvailable:
			out = append(out, resp[:len(resp)-2]...)
			get[4] = sw2
			continue
		case sw1WrongLe:
			get[4] = sw2
			continue
		}
		return append(out, resp...), nil
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// exchange is one command-response pair with the card.
func (t *Transport) exchange(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp, err := t.card.Transmit(ctx, apdu)
	if err != nil {
		return nil, err
	}
	if len(resp) < 2 {
		return nil, fmt.Errorf("%w: %d-byte response to INS %02X, SW1 SW2 missing", ErrBadResponse, len(resp), apdu[1])
	}
	return resp, nil
}
