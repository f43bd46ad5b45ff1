package acquirer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/tlv"
)

// RCCryptogram answers a request whose ARQC does not verify. ISO 8583
// leaves it to the network; "05" (do not honour) is what the cardholder
// may see, the log says why.
const RCCryptogram iso8583.ResponseCode = "05"

// ErrNoCryptogram reports chip data without the tags an ARQC check needs.
var ErrNoCryptogram = errors.New("acquirer: field 55 lacks the ARQC or its data")

// chipIssuer is the issuer behind the demonstration host: for chip
// requests it verifies the ARQC of field 55 with the issuer master key
// (emv.CryptogramMethod.VerifyARQC) before link.SimIssuer checks the PIN
// and decides, and it answers the ARPC (tag 91) that the host packs in
// field 55 of the response.
type chipIssuer struct {
	sim  *link.SimIssuer
	imk  *keys.Key
	logf func(format string, a ...any)
}

// Authorize implements link.Issuer.
func (c *chipIssuer) Authorize(ctx context.Context, t *iso8583.Transaction, pinBlock []byte) (link.IssuerResult, error) {
	arqc, ok, _ := tlv.Find(t.ICC, 0x9F26)
	if len(t.ICC) == 0 || !ok {
		return c.sim.Authorize(ctx, t, pinBlock)
	}
	m, ks, err := c.verify(t, arqc)
	if err != nil {
		c.logf("ARQC of STAN %06d does NOT verify: %v", t.STAN, err)
		return link.IssuerResult{RC: RCCryptogram}, nil
	}
	defer ks.Zero()
	c.logf("ARQC %X verified (%s, ATC %s)", arqc, m, atcOf(t.ICC))
	res, err := c.sim.Authorize(ctx, t, pinBlock)
	if err != nil {
		return res, err
	}
	// ARPC method 1 binds the ARC (the response code), method 2 the card
	// status update; either way the card checks it in its second GENERATE
	// AC (EMV Book 2 §8.2).
	rc := res.RC
	in := emv.ARPCInput{ARC: [2]byte{rc[0], rc[1]}}
	p, err := m.Profile()
	if err != nil {
		return res, err
	}
	arpc, err := p.ARPC(ks, arqc, in)
	if err != nil {
		return res, err
	}
	res.ICC = tlv.AppendTLV(nil, 0x91, p.IssuerAuthenticationData(arpc, in))
	c.logf("ARPC %X for response code %s", arpc, rc)
	return res, nil
}

// Reverse implements link.Issuer.
func (c *chipIssuer) Reverse(ctx context.Context, t *iso8583.Transaction) error {
	return c.sim.Reverse(ctx, t)
}

// verify checks the ARQC of t's field 55 (emv.VerifyAC, any method).
func (c *chipIssuer) verify(t *iso8583.Transaction, arqc []byte) (emv.ACMethod, *emv.ACKeys, error) {
	d, err := emv.CryptogramDataFromTLV(t.ICC)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrNoCryptogram, err)
	}
	aid, ok, _ := tlv.Find(t.ICC, 0x84)
	if !ok {
		aid, _, _ = tlv.Find(t.ICC, 0x4F)
	}
	m := ACMethodFor(aid, d.IAD)
	pan, err := emv.ParsePAN(string(t.PAN))
	if err != nil {
		return m, nil, err
	}
	ks, err := emv.VerifyAC(m, c.imk, pan, psnOf(t), &d, arqc)
	return m, ks, err
}

// ACMethodFor is MethodFor extended to Mastercard: an M/Chip IAD (18
// bytes or more with CVN 10, 11, 14 or 15 in byte 2: KDI, CVN, CVR, DAC,
// counters) is verified as that M/Chip cryptogram version (emv/mchip.go),
// anything else as MethodFor says.
func ACMethodFor(aid, iad []byte) emv.ACMethod {
	if emv.SchemeOfAID(aid) == emv.SchemeMastercard && len(iad) >= 18 {
		switch c := emv.MastercardCVN(iad[1]); c {
		case emv.MChipCVN16, emv.MChipCVN17, emv.MChipCVN20, emv.MChipCVN21:
			return c
		}
	}
	return MethodFor(aid, iad)
}

// MethodFor chooses the cryptogram version with emv.CryptogramMethodOf
// (UnionPay PBOC/UICS cards: CVN 01); when that knows no method, it falls
// back to the scheme of the AID and, for Visa, the CVN in the issuer
// application data; every other scheme uses the Common Core Definitions.
func MethodFor(aid, iad []byte) emv.CryptogramMethod {
	if m, err := emv.CryptogramMethodOf(aid, iad); err == nil {
		return m
	}
	if emv.SchemeOfAID(aid) != emv.SchemeVisa {
		return emv.CCD
	}
	i, _ := emv.ParseIAD(iad, emv.SchemeVisa)
	switch i.CVN {
	case 0x0A:
		return emv.VisaCVN10
	case 0x22:
		return emv.VisaCVN22
	}
	return emv.VisaCVN18
}

// psnOf gives the PAN sequence number from field 23 ("001", emv.PSN) or,
// without it, from tag 5F34 in field 55; "" when the card has none.
func psnOf(t *iso8583.Transaction) string {
	if p, err := emv.PSN(t.CardSequence); err == nil {
		return p
	}
	if v, ok, _ := tlv.Find(t.ICC, 0x5F34); ok && len(v) == 1 {
		return fmt.Sprintf("%02X", v[0])
	}
	return ""
}

func atcOf(icc []byte) string {
	v, _, _ := tlv.Find(icc, 0x9F36)
	return strings.ToUpper(fmt.Sprintf("%X", v))
}
