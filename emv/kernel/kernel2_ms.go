package kernel

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

// Kernel 2 mag-stripe mode (Book C-2, for a card whose AIP has no EMV
// mode): the records give Track 2 Data (9F6B), the bitmaps PCVC3(Track2)
// (9F65) and PUNATC(Track2) (9F66) and NATC(Track2) (9F67); the reader
// makes an Unpredictable Number (Numeric) (9F6A) of nUN = bits set in
// PUNATC − NATC random digits, sends COMPUTE CRYPTOGRAPHIC CHECKSUM with the
// UDOL data (the card's 9F69, default 9F6A04), and builds the track 2 the
// host gets: the CVC3's q least significant digits at the PCVC3 positions,
// the ATC's NATC and the UN's nUN least significant digits at the PUNATC
// positions (ATC in the lower ones), nUN in the last discretionary digit.
// Track 1 (56, 9F62-9F64) is not built. There is no field 55: the issuer
// checks the CVC3 (cvv.VerifyCVC3).

func (t *txn) magStripe(cfg *Kernel2Config) (*Result, error) {
	if err := t.readRecordsContactless(); err != nil {
		return t.fail(err)
	}
	// C-2 S78.10-11 (open MPP kernel, xwanyux/AS350PLUS_SP MPP_S78_10/11),
	// confirmed: after the records, amount > the Reader Contactless
	// Transaction Limit that applies → Select Next (MAX LIMIT EXCEEDED).
	odcvm := cfg.OnDeviceCVM && t.d[emv.TagAIP][0]&0x02 != 0
	if over, limit := k2OverLimit(cfg, odcvm, t.tx.Amount); over {
		return t.fail(fmt.Errorf("%w: amount over the reader contactless transaction limit %d (on-device CVM %v)", ErrSelectNext, limit, odcvm))
	}
	// C-2 S7.22 and S78.15 (MPP_S7_22, MPP_S78_15), confirmed: nUN =
	// bits set in PUNATC(Track2) − NATC(Track2), at most 8; the
	// Unpredictable Number (Numeric) is 8 digits, the first 8 − nUN zero.
	tr, p, u, n := t.d[emv.TagMastercardTrack2Data], t.d[emv.TagMastercardPCVC3Track2], t.d[emv.TagTTQ], t.d[emv.TagMastercardNATCTrack2]
	if len(tr) == 0 || len(p) != 2 || len(u) != 2 || len(n) != 1 {
		return t.fail(fmt.Errorf("%w: mag-stripe data (9F6B, 9F65, 9F66, 9F67) missing or malformed", ErrCardData))
	}
	pcvc3, punatc, natc := uint16(p[0])<<8|uint16(p[1]), uint16(u[0])<<8|uint16(u[1]), int(n[0])
	nUN := bits.OnesCount16(punatc) - natc
	if nUN < 0 || nUN > 8 || bits.OnesCount16(pcvc3) == 0 || bits.OnesCount16(pcvc3) > 5 {
		return t.fail(fmt.Errorf("%w: mag-stripe bitmaps PCVC3 %04X PUNATC %04X NATC %d", ErrCardData, pcvc3, punatc, natc))
	}
	t2, err := emv.ParseTag57(tr)
	if err != nil {
		return t.fail(fmt.Errorf("%w: track 2 data (9F6B): %w", ErrCardData, err))
	}
	t.res.PAN = t2.PAN
	// Unpredictable Number (Numeric): nUN random digits, zeros before.
	digits := make([]byte, 8)
	for i := range digits {
		digits[i] = '0'
	}
	for i := 8 - nUN; i < 8; i++ {
		b := byte(255)
		for range 64 { // rejection sampling: 250 = 25 × 10, no digit favoured
			if b = t.random(1)[0]; b < 250 {
				break
			}
		}
		digits[i] = '0' + b%10
	}
	un := bcdDigits(string(digits), 4)
	t.d[emv.TagMastercardUnpredictableNumberNumeric] = un
	udol, ok := t.d[emv.TagMastercardUDOL]
	if !ok {
		udol = []byte{0x9F, 0x6A, 0x04}
	}
	dol, err := tlv.ParseDOL(udol)
	if err != nil {
		return t.fail(fmt.Errorf("%w: UDOL: %w", ErrCardData, err))
	}
	data := t.d.FillDOL(nil, dol, t.scheme)
	resp, sw, err := t.exchange(emv.Command{CLA: 0x80, INS: 0x2A, P1: 0x8E, P2: 0x80, Data: data, Le: 256})
	if err != nil {
		return t.fail(err)
	}
	if sw != emv.SWOK {
		return t.fail(fmt.Errorf("%w: COMPUTE CRYPTOGRAPHIC CHECKSUM: %w", ErrCardData, emv.StatusWord(sw)))
	}
	cvc3, ok1, _ := tlv.Find(resp, emv.TagMastercardCVC3Track2)
	atc, ok2, _ := tlv.Find(resp, emv.TagATC)
	if !ok1 || !ok2 || len(cvc3) != 2 || len(atc) != 2 {
		return t.fail(fmt.Errorf("%w: COMPUTE CRYPTOGRAPHIC CHECKSUM response without CVC3 (9F61) and ATC", ErrCardData))
	}
	t.d[emv.TagMastercardCVC3Track2], t.d[emv.TagATC] = cvc3, atc
	track, err := msTrack2(tr, pcvc3, punatc, natc, nUN,
		uint16(cvc3[0])<<8|uint16(cvc3[1]), string(digits), uint16(atc[0])<<8|uint16(atc[1]))
	if err != nil {
		return t.fail(err)
	}
	// The dynamic track goes to the host as the track 2 of the request.
	t.d[emv.TagTrack2EquivalentData] = track
	// CVM (mag-stripe mode): online PIN over the CVM required limit when
	// the reader can take one, else signature; none under it. Not
	// confirmed against C-2: there the CVM comes from Mag-stripe CVM
	// Capability – CVM Required / – No CVM Required (DF811E, DF812C), and
	// a phone with on-device CVM over the limit is told so in the Mobile
	// Support Indicator (9F7E, S78.16-20, MPP_S78_16..20) rather than asked
	// for a PIN; this simplification is kept until those settings exist.
	t.res.CVMResults = [3]byte{0x3F, 0x00, 0x00}
	if cfg.CVMRequiredLimit != nil && t.tx.Amount > *cfg.CVMRequiredLimit {
		if t.hooks.OnlinePIN != nil {
			block, err := t.hooks.OnlinePIN(t.ctx, t.res.PAN)
			if err != nil {
				return t.fail(err)
			}
			t.res.OnlinePINBlock = block
			t.res.CVMResults = [3]byte{0x02, 0x00, 0x00}
		} else {
			t.res.SignatureNeeded = true
			t.res.CVMResults = [3]byte{0x1E, 0x00, 0x00}
		}
	}
	resp2, err := t.online(nil)
	if err != nil {
		t.res.Data = t.d
		return t.done(Declined, err)
	}
	t.res.WentOnline, t.res.HostResponse = true, resp2
	if resp2.Approved {
		return t.done(Approved, nil)
	}
	return t.done(OnlineDeclined, nil)
}

// msTrack2 puts the dynamic data into the discretionary data of a track 2
// (BCD, D separator, F pad) as Book C-2 mag-stripe mode does.
func msTrack2(static []byte, pcvc3, punatc uint16, natc, nUN int, cvc3 uint16, un string, atc uint16) ([]byte, error) {
	var sb strings.Builder
	for _, b := range static {
		for _, nib := range []byte{b >> 4, b & 0x0F} {
			switch {
			case nib <= 9:
				sb.WriteByte('0' + nib)
			case nib == 0x0D:
				sb.WriteByte('D')
			case nib == 0x0F:
			default:
				return nil, fmt.Errorf("%w: track 2 data nibble %X", ErrCardData, nib)
			}
		}
	}
	s := []byte(sb.String())
	sep := strings.IndexByte(string(s), 'D')
	if sep < 0 || len(s) < sep+8 {
		return nil, fmt.Errorf("%w: track 2 data without separator, expiry and service code", ErrCardData)
	}
	disc := s[sep+8:]
	L := len(disc)
	put := func(bitmap uint16, value string) error {
		// value's digits go to the set bits, least significant digit to
		// the lowest bit.
		k := len(value) - 1
		for bit := 0; bit < 16 && k >= 0; bit++ {
			if bitmap&(1<<bit) == 0 {
				continue
			}
			if bit >= L {
				return fmt.Errorf("%w: bitmap %04X beyond the %d discretionary digits", ErrCardData, bitmap, L)
			}
			disc[L-1-bit] = value[k]
			k--
		}
		return nil
	}
	q := bits.OnesCount16(pcvc3)
	if err := put(pcvc3, fmt.Sprintf("%05d", cvc3)[5-q:]); err != nil {
		return nil, err
	}
	// PUNATC: the ATC's NATC digits in the lowest positions, then the UN's.
	atcDigits := fmt.Sprintf("%05d", atc)
	if natc > 5 {
		natc = 5
	}
	if err := put(punatc, un[8-nUN:]+atcDigits[5-natc:]); err != nil {
		return nil, err
	}
	if L == 0 {
		return nil, fmt.Errorf("%w: no discretionary data", ErrCardData)
	}
	disc[L-1] = byte('0' + nUN)
	out := make([]byte, (len(s)+1)/2)
	for i := range out {
		out[i] = 0xFF
	}
	for i, c := range s {
		n := c - '0'
		if c == 'D' {
			n = 0x0D
		}
		if i%2 == 0 {
			out[i/2] = n<<4 | 0x0F
		} else {
			out[i/2] = out[i/2]&0xF0 | n
		}
	}
	return out, nil
}
