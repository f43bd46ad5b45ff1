package sim

import (
	"strconv"

	"github.com/possdk/pos/cvv"
	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/tlv"
)

// Mastercard mag-stripe mode (M/Stripe, EMV Contactless Book C-2 card
// side): the card gives Track 2 Data (9F6B) with 13 zero discretionary
// digits and the bitmaps saying where the reader puts the dynamic data —
// PCVC3(Track2) 9F65 = 1C00 (CVC3 in discretionary digits 11-13 from the
// right), PUNATC(Track2) 9F66 = 01FE (digits 2-9: ATC and unpredictable
// number), NATC(Track2) 9F67 = 03 (three ATC digits, so five UN digits) —
// and answers COMPUTE CRYPTOGRAPHIC CHECKSUM with the CVC3 (cvv.CVC3 over
// its static track, the UDOL data — the numeric unpredictable number — and
// the ATC) under its CVC3 key (Option A from the issuer master key).

type magStripe struct {
	kd    *keys.Key
	track []byte // 9F6B as personalised
}

const (
	msPCVC3  = 0x1C00
	msPUNATC = 0x01FE
	msNATC   = 3
)

func (m *mchipApp) personaliseMagStripe(imk *keys.Key, pan emv.PAN, psn string, a *App) error {
	kd, err := emv.DeriveICCKeyA(imk, pan, psn)
	if err != nil {
		return err
	}
	sc := a.ServiceCode
	if sc == "" {
		sc = "201"
	}
	track, err := bcdF(a.PAN+"D"+a.Expiry[:4]+sc+"0000000000000", 0)
	if err != nil {
		return err
	}
	m.ms = &magStripe{kd: kd, track: track}
	return nil
}

// addRecord puts the M/Stripe data in SFI 1 record 2 and the AFL.
func (ms *magStripe) addRecord(app *application) {
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x70, func(b *tlv.Builder) {
		b.Add(0x9F6C, []byte{0x00, 0x01}) // Mag-stripe Application Version Number (Card)
		b.Add(0x9F6B, ms.track)
		b.Add(emv.TagMastercardPCVC3Track2, []byte{msPCVC3 >> 8, msPCVC3 & 0xFF})
		b.Add(0x9F66, []byte{msPUNATC >> 8, msPUNATC & 0xFF})
		b.Add(emv.TagMastercardNATCTrack2, []byte{msNATC})
		b.Add(emv.TagMastercardUDOL, []byte{0x9F, 0x6A, 0x04}) // UDOL: Unpredictable Number (Numeric)
	})
	r, _ := b.Bytes()
	app.records[[2]byte{1, 2}] = r
	app.afl = append(app.afl, 0x08, 2, 2, 0)
}

// computeChecksum answers COMPUTE CRYPTOGRAPHIC CHECKSUM (80 2A 8E 80,
// Book C-2 mag-stripe mode) with the CVC3 (Track2) and the ATC.
func (c *Card) computeChecksum(cmd command) []byte {
	a := c.app()
	if a == nil || a.mchip == nil || a.mchip.ms == nil || !c.st.gpoDone || c.st.genACs > 0 {
		return sw(0x6985)
	}
	if cmd.p1 != 0x8E || cmd.p2 != 0x80 {
		return sw(0x6A86)
	}
	if len(cmd.data) != 4 {
		return sw(0x6700)
	}
	var un [4]byte
	copy(un[:], cmd.data)
	atc := [2]byte{byte(c.st.atc >> 8), byte(c.st.atc)}
	s, err := cvv.CVC3(a.mchip.ms.kd, a.mchip.ms.track, atc, un, 5)
	if err != nil {
		return sw(0x6F00)
	}
	v, _ := strconv.Atoi(s)
	c.st.genACs = 1
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x77, func(b *tlv.Builder) {
		b.Add(emv.TagMastercardCVC3Track2, []byte{byte(v >> 8), byte(v)})
		b.Add(0x9F36, atc[:])
	})
	out, _ := b.Bytes()
	return ok(out)
}
