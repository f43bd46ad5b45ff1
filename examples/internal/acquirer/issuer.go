package acquirer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/tlv"
)

// RCCryptogram answers a request whose ARQC does not verify. ISO 8583
// leaves it to the network; "05" (do not honour) is what the cardholder
// may see, the log says why.
const RCCryptogram iso8583.ResponseCode = "05"

// ErrNoCryptogram reports chip data without the tags an ARQC check needs.
var ErrNoCryptogram = errors.New("acquirer: field 55 lacks the ARQC or its data")

// chipIssuer is the issuer behind the demonstration host: for chip
// requests it verifies the ARQC of field 55 through the HSM
// (hsm.CardSecurity.VerifyARQC under the issuer master key's key block)
// before link.SimIssuer checks the PIN and decides, and it answers the
// ARPC (tag 91), computed by the HSM, that the host packs in field 55 of
// the response.
type chipIssuer struct {
	sim  *link.SimIssuer
	hsm  hsm.CardSecurity
	imk  hsm.KeyBlock // class hsm.IssuerMasterKeyAC
	logf func(format string, a ...any)
}

// Authorize implements link.Issuer.
func (c *chipIssuer) Authorize(ctx context.Context, t *iso8583.Transaction, pinBlock []byte) (link.IssuerResult, error) {
	arqc, ok, _ := tlv.Find(t.ICC, emv.TagApplicationCryptogram)
	if len(t.ICC) == 0 || !ok {
		return c.sim.Authorize(ctx, t, pinBlock)
	}
	req, err := c.request(t, arqc)
	if err == nil {
		_, err = c.hsm.VerifyARQC(ctx, req)
	}
	if err != nil {
		if errors.Is(err, hsm.ErrKeyBlock) || errors.Is(err, hsm.ErrKeyUsage) {
			return link.IssuerResult{}, err
		}
		c.logf("ARQC of STAN %06d does NOT verify: %v", t.STAN, err)
		return link.IssuerResult{RC: RCCryptogram}, nil
	}
	c.logf("ARQC %X verified (%s, ATC %s)", arqc, req.Method, atcOf(t.ICC))
	res, err := c.sim.Authorize(ctx, t, pinBlock)
	if err != nil {
		return res, err
	}
	// ARPC method 1 binds the ARC (the response code), method 2 the card
	// status update; either way the card checks it in its second GENERATE
	// AC (EMV Book 2 §8.2). The HSM computes it.
	rc := res.RC
	req.Response = &emv.ARPCInput{ARC: [2]byte{rc[0], rc[1]}}
	out, err := c.hsm.VerifyARQC(ctx, req)
	if err != nil {
		return res, err
	}
	res.ICC = tlv.AppendTLV(nil, emv.TagIssuerAuthenticationData, out.IssuerAuthenticationData)
	c.logf("ARPC %X for response code %s", out.ARPC, rc)
	return res, nil
}

// Reverse implements link.Issuer.
func (c *chipIssuer) Reverse(ctx context.Context, t *iso8583.Transaction) error {
	return c.sim.Reverse(ctx, t)
}

// request builds the HSM's ARQC verification request for t's field 55.
func (c *chipIssuer) request(t *iso8583.Transaction, arqc []byte) (hsm.ARQCRequest, error) {
	d, err := emv.CryptogramDataFromTLV(t.ICC)
	if err != nil {
		return hsm.ARQCRequest{}, fmt.Errorf("%w: %w", ErrNoCryptogram, err)
	}
	aid, ok, _ := tlv.Find(t.ICC, emv.TagDFName)
	if !ok {
		aid, _, _ = tlv.Find(t.ICC, emv.TagApplicationIdentifier)
	}
	// emv.ACMethodOf knows every method the HSM verifies (M/Chip and
	// Interac too); MethodFor's scheme fallback covers the rest.
	m, err := emv.ACMethodOf(aid, d.IAD)
	if err != nil {
		m = MethodFor(aid, d.IAD)
	}
	return hsm.ARQCRequest{IMK: c.imk, Method: m, PAN: panOf(t), PSN: psnOf(t), Data: d, ARQC: arqc}, nil
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
	if v, ok, _ := tlv.Find(t.ICC, emv.TagPANSequenceNumber); ok && len(v) == 1 {
		return fmt.Sprintf("%02X", v[0])
	}
	return ""
}

// panOf is field 2, or the PAN of track 2 (field 35).
func panOf(t *iso8583.Transaction) string {
	if t.PAN != "" {
		return string(t.PAN)
	}
	pan, _, _ := strings.Cut(string(t.Track2), "=")
	return pan
}

func atcOf(icc []byte) string {
	v, _, _ := tlv.Find(icc, emv.TagATC)
	return strings.ToUpper(fmt.Sprintf("%X", v))
}
