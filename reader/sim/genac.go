package sim

import (
	"crypto/subtle"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/tlv"
)

// Cryptogram Information Data types (EMV Book 3 §6.5.5.4, Table 14).
const (
	cidAAC  byte = 0x00
	cidTC   byte = 0x40
	cidARQC byte = 0x80
)

// dolValues splits DOL data into tag → value.
func dolValues(d tlv.DOL, data []byte) (map[tlv.Tag][]byte, bool) {
	m := map[tlv.Tag][]byte{}
	err := d.Split(data, func(e tlv.DOLEntry, v []byte) { m[e.Tag] = v })
	return m, err == nil
}

// cryptogramData fills the AC input from the terminal's DOL values.
func cryptogramData(a *application, v map[tlv.Tag][]byte, atc uint16, iad []byte) *emv.CryptogramData {
	d := &emv.CryptogramData{IAD: iad}
	copy(d.AmountAuthorised[:], v[emv.TagAmountAuthorised])
	copy(d.AmountOther[:], v[emv.TagAmountOther])
	copy(d.TerminalCountry[:], v[emv.TagTerminalCountryCode])
	copy(d.TVR[:], v[emv.TagTVR])
	copy(d.CurrencyCode[:], v[emv.TagTransactionCurrencyCode])
	copy(d.Date[:], v[emv.TagTransactionDate])
	if t := v[emv.TagTransactionType]; len(t) == 1 {
		d.TransactionType = t[0]
	}
	copy(d.UN[:], v[emv.TagUnpredictableNumber])
	copy(d.AIP[:], a.aip)
	d.ATC = [2]byte{byte(atc >> 8), byte(atc)}
	return d
}

// amount reads an n12 BCD amount; -1 when it is not BCD.
func amount(v []byte) int64 {
	var n int64
	for _, b := range v {
		if b>>4 > 9 || b&0x0F > 9 {
			return -1
		}
		n = n*100 + int64(b>>4)*10 + int64(b&0x0F)
	}
	return n
}

func (c *Card) ac(a *application, d *emv.CryptogramData) ([]byte, bool) {
	sk, err := a.method.SessionKey(a.mk, d.ATC)
	if err != nil {
		return nil, false
	}
	defer sk.Zero()
	ac, err := a.method.Cryptogram(sk, d)
	return ac, err == nil
}

// qVSDC answers GPO with the cryptogram (Visa qVSDC one-tap, EMV
// Contactless Book C-3 §5): ARQC when the reader's TTQ asks for an online
// cryptogram or the card's own risk management wants to go online, AAC
// when it would go online but the reader is offline only, else TC with an
// fDDA signature.
func (c *Card) qVSDC(a *application, pdolData []byte) []byte {
	v, _ := dolValues(a.pdol, pdolData)
	ctr := &c.ctr[c.st.app]
	ttq := v[emv.TagTTQ]
	onlineRequired := len(ttq) >= 2 && ttq[1]&0x80 != 0
	offlineOnly := len(ttq) >= 1 && ttq[0]&0x08 != 0
	c.st.amount = amount(v[emv.TagAmountAuthorised])
	r := c.risk(a, v)
	c.st.risk = r
	var cid byte
	switch {
	case ctr.blocked:
		cid = cidAAC
	case onlineRequired && c.profile.Faults.TCForARQC:
		cid = cidTC // deliberately non-conforming
	case onlineRequired:
		cid = cidARQC
	case r.online(a.action) && offlineOnly:
		cid = cidAAC
	case r.online(a.action):
		cid = cidARQC
	default:
		cid = cidTC
	}
	return c.oneTapAnswer(a, v, cid, r, qvsdcCTQ(a.ctq, v[0x9F66]), nil, nil)
}

// oneTapAnswer computes a one-tap contactless card's GPO answer once the
// card has chosen its cryptogram (qVSDC, Book C-3 §5, and UnionPay qUICS,
// Book C-7): the IAD and cryptogram, the transaction log for a TC or AAC
// (an ARQC leaves nothing "not completed": there is no second GENERATE
// AC), the CTQ copied into the Card Authentication Related Data (9F69)
// that fDDA signs for a TC, and the 77 template. spent runs once the
// cryptogram exists (before the log); extra adds the scheme's objects
// after the CTQ.
func (c *Card) oneTapAnswer(a *application, v map[tlv.Tag][]byte, cid byte, r riskResult, ctq []byte, spent func(), extra func(*tlv.Builder)) []byte {
	c.st.genACs = 1
	c.st.firstCID = cid
	iad := c.iad(a, cid, false, false, r)
	d := cryptogramData(a, v, c.st.atc, iad)
	ac, good := c.ac(a, d)
	if !good {
		return sw(emv.SWNoDiagnosis)
	}
	c.st.lastAC, c.st.lastCID = ac, cid
	if spent != nil {
		spent()
	}
	if cid != cidARQC {
		c.record(a, cid, false, v)
	}
	cardAuth := a.cardAuth
	if len(ctq) == 2 && len(cardAuth) >= 2 {
		// 9F69 carries (and fDDA signs) the CTQ the card returns.
		cardAuth = append(append([]byte(nil), cardAuth[:len(cardAuth)-2]...), ctq...)
	}
	var sdad []byte
	if cid == cidTC && a.icc != nil {
		var err error
		if sdad, err = c.signDynamic(a, oda.DDADynamicData(c.randomBytes(4)), oda.FDDAData(v[0x9F37], v[0x9F02], v[0x5F2A], cardAuth)); err != nil {
			return sw(0x6F00)
		}
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(emv.TagResponseTemplateFormat2, func(b *tlv.Builder) {
		b.Add(emv.TagAIP, a.aip)
		if a.icc != nil {
			b.Add(emv.TagAFL, a.afl)
		}
		b.Add(0x57, a.track2)
		b.Add(0x5F34, a.psn)
		b.Add(0x9F10, d.IAD)
		b.Add(0x9F26, ac)
		b.Add(0x9F27, []byte{cid})
		b.Add(0x9F36, d.ATC[:])
		if len(ctq) > 0 {
			if c.profile.Faults.ForgedCDCVM && len(ctq) == 2 {
				ctq = []byte{ctq[0], ctq[1] | 0x80}
			}
			b.Add(emv.TagCardTransactionQualifiers, ctq)
		}
		if extra != nil {
			extra(b)
		}
		if sdad != nil {
			b.Add(0x9F69, cardAuth)
			b.Add(0x9F4B, sdad)
		}
	})
	out, _ := b.Bytes()
	return ok(out)
}

// generateAC answers the first and second GENERATE AC from the card's side
// (EMV Book 3 §6.5.5 and §9.3, Book 2 §6.6 for CDA). The terminal asks for
// a type; the card answers that type or a lower one, never a higher one:
//
//	first GENERATE AC:  AAC → AAC; ARQC → ARQC or AAC; TC → TC, ARQC or AAC
//	second GENERATE AC: AAC → AAC; TC → TC or AAC; ARQC is not allowed
//
// and which one it picks is its own card risk management (risk.go).
func (c *Card) generateAC(cmd command) []byte {
	a := c.app()
	if a == nil || !c.st.gpoDone || a.qVSDC || c.st.genACs >= 2 {
		return sw(emv.SWConditionsNotSatisfied)
	}
	asked := cmd.p1 & 0xC0
	cda := cmd.p1&0x10 != 0
	if asked == 0xC0 || cmd.p1&0x2F != 0 || cmd.p2 != 0 {
		return sw(emv.SWIncorrectP1P2) // RFU type or bits
	}
	second := c.st.genACs == 1
	if second && c.st.firstCID != cidARQC {
		return sw(emv.SWConditionsNotSatisfied) // the first GENERATE AC ended the transaction
	}
	if second && asked == cidARQC {
		return sw(emv.SWIncorrectP1P2) // Book 3 §9.3: no ARQC in the second GENERATE AC
	}
	dol := a.cdol1
	if second {
		dol = a.cdol2
	}
	if len(cmd.data) != dol.Len() {
		return sw(emv.SWWrongLength)
	}
	v, good := dolValues(dol, cmd.data)
	if !good {
		return sw(emv.SWWrongLength)
	}
	ctr := &c.ctr[c.st.app]
	var cid byte
	var r riskResult
	if !second {
		c.st.cdol1Data = append([]byte(nil), cmd.data...)
		c.st.amount = amount(v[emv.TagAmountAuthorised])
		r = c.risk(a, v)
		c.st.risk = r
		cid = c.firstDecision(a, asked, r)
		c.st.firstCID = cid
	} else {
		// The second AC is computed over the first's data elements with
		// the final TVR and the CDOL2 values that update them.
		first, _ := dolValues(a.cdol1, c.st.cdol1Data)
		for t, x := range v {
			first[t] = x
		}
		r = c.st.risk
		cid = c.secondDecision(a, asked, v, r)
		v = first
	}
	if ctr.blocked {
		cid = cidAAC // Book 3 §6.5.5: a blocked application answers AAC
	}
	c.st.genACs++
	sign := cda && a.oda == "CDA" && a.icc != nil && (cid != cidAAC || a.signAAC)
	iad := c.iad(a, cid, second, sign, r)
	d := cryptogramData(a, v, c.st.atc, iad)
	ac, good := c.ac(a, d)
	if !good {
		return sw(emv.SWNoDiagnosis)
	}
	c.st.lastAC, c.st.lastCID = ac, cid
	if cid == cidARQC {
		c.st.arqc = ac
	}
	c.record(a, cid, second, v)
	atc := d.ATC
	if c.profile.Faults.WrongATC {
		atc[1]++
	}
	if a.format1 && !sign {
		// Format 1 (EMV Book 3 §6.5.5.4): CID || ATC || AC || IAD.
		body := append(append(append([]byte{cid}, atc[:]...), ac...), d.IAD...)
		return ok(c.malform(tlv.AppendTLV(nil, emv.TagResponseTemplateFormat1, body)))
	}
	resp := tlv.NewBuilder(nil)
	if c.profile.Faults.MalformedGenerateAC != "missing_cid" {
		resp.Add(emv.TagCryptogramInformationData, []byte{cid})
	}
	resp.Add(emv.TagATC, atc[:])
	switch c.profile.Faults.MalformedGenerateAC {
	case "short_ac":
		resp.Add(emv.TagApplicationCryptogram, ac[:4])
	case "duplicate_ac":
		resp.Add(emv.TagApplicationCryptogram, ac)
		resp.Add(emv.TagApplicationCryptogram, ac)
	default:
		resp.Add(emv.TagApplicationCryptogram, ac)
	}
	resp.Add(emv.TagIssuerApplicationData, d.IAD)
	objs, _ := resp.Bytes()
	var sdad []byte
	if sign {
		var cdol2 []byte
		if second {
			cdol2 = cmd.data
		}
		hash := oda.TransactionDataHash(c.st.pdolData, c.st.cdol1Data, cdol2, objs)
		var err error
		if sdad, err = c.signDynamic(a, oda.CDADynamicData(c.randomBytes(8), cid, ac, hash), v[emv.TagUnpredictableNumber]); err != nil {
			return sw(emv.SWNoDiagnosis)
		}
		c.st.cdaDone = true
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(emv.TagResponseTemplateFormat2, func(b *tlv.Builder) {
		b.AddRaw(objs)
		if sdad != nil {
			b.Add(emv.TagSignedDynamicApplicationData, sdad)
		}
	})
	out, _ := b.Bytes()
	return ok(c.malform(out))
}

// malform applies the MalformedGenerateAC faults that break the encoding.
func (c *Card) malform(out []byte) []byte {
	switch c.profile.Faults.MalformedGenerateAC {
	case "truncated":
		return out[:len(out)-1]
	case "trailing":
		return append(out, 0x00, 0x01, 0x02)
	}
	return out
}

// signDynamic signs ICC dynamic data over the terminal's data (DDA, fDDA,
// CDA), corrupting the signature when the profile asks for it.
func (c *Card) signDynamic(a *application, iccData, terminalData []byte) ([]byte, error) {
	sdad, err := oda.SignDynamicData(a.icc, iccData, terminalData)
	if err == nil && c.profile.Faults.CorruptSDAD {
		sdad[7] ^= 0x01
	}
	return sdad, err
}

// approvedARC: the authorisation response codes the card treats as an
// issuer approval (ISO 8583 00, 08 honour with identification, 10 partial,
// 11 VIP). Terminal-generated codes (Y1, Z1, Y3, Z3: EMV Book 4 A6) are
// not issuer answers.
func approvedARC(arc []byte) bool {
	for _, ok := range []string{"00", "08", "10", "11"} {
		if string(arc) == ok {
			return true
		}
	}
	return false
}

// unableOnline: the terminal could not go online (EMV Book 4 A6: the
// terminal sets 8A to Y3 or Z3).
func unableOnline(arc []byte) bool {
	return string(arc) == "Y3" || string(arc) == "Z3"
}

// checkARPC verifies issuer authentication data (tag 91) against the ARQC
// of this transaction: ARPC method 1 (ARPC || ARC, EMV Book 2 §8.2.1) for
// Visa CVN 10 and PBOC CVN 01, method 2 (ARPC || CSU || proprietary data,
// §8.2.2) otherwise.
func (c *Card) checkARPC(a *application, iad []byte) bool {
	if c.profile.Faults.RejectARPC || c.st.arqc == nil {
		return false
	}
	sk, err := a.method.SessionKey(a.mk, [2]byte{byte(c.st.atc >> 8), byte(c.st.atc)})
	if err != nil {
		return false
	}
	defer sk.Zero()
	var in emv.ARPCInput
	var got []byte
	if a.method == emv.VisaCVN10 || a.method == emv.PBOCCVN01 {
		if len(iad) != 10 {
			return false
		}
		got = iad[:8]
		copy(in.ARC[:], iad[8:10])
	} else {
		if len(iad) < 8 || len(iad) > 16 {
			return false
		}
		got = iad[:4]
		copy(in.CSU[:], iad[4:8])
		in.Proprietary = iad[8:]
	}
	want, err := a.method.ARPC(sk, c.st.arqc, in)
	return err == nil && subtle.ConstantTimeCompare(want, got) == 1
}

// externalAuthenticate: issuer authentication between the two GENERATE ACs
// (EMV Book 3 §6.5.4). Only once per transaction: a second attempt is 6985.
func (c *Card) externalAuthenticate(cmd command) []byte {
	a := c.app()
	if a == nil || c.st.genACs != 1 || c.st.firstCID != cidARQC || c.st.issuerAuth != 0 {
		return sw(emv.SWConditionsNotSatisfied)
	}
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return sw(emv.SWIncorrectP1P2)
	}
	if len(cmd.data) < 8 || len(cmd.data) > 16 {
		return sw(emv.SWWrongLength)
	}
	if c.checkARPC(a, cmd.data) {
		c.st.issuerAuth = 1
		return sw(emv.SWOK)
	}
	c.st.issuerAuth = -1
	return sw(emv.SWVerifyFailed)
}

// internalAuthenticate signs the DDOL data (DDA, EMV Book 2 §6.5).
func (c *Card) internalAuthenticate(cmd command) []byte {
	a := c.app()
	if a == nil || a.icc == nil || a.oda == "SDA" {
		return sw(emv.SWConditionsNotSatisfied)
	}
	if len(cmd.data) == 0 {
		return sw(emv.SWWrongLength)
	}
	sdad, err := c.signDynamic(a, oda.DDADynamicData(c.randomBytes(8)), cmd.data)
	if err != nil {
		return sw(emv.SWWrongLength)
	}
	c.st.ddaDone = true
	if a.format1 {
		return ok(tlv.AppendTLV(nil, emv.TagResponseTemplateFormat1, sdad))
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(emv.TagResponseTemplateFormat2, func(b *tlv.Builder) { b.Add(emv.TagSignedDynamicApplicationData, sdad) })
	out, _ := b.Bytes()
	return ok(out)
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// qvsdcCTQ is the Card Transaction Qualifiers the card returns (VCPS /
// Book C-3 card behaviour): the personalised CVM the card wants (byte 1
// b8 online PIN, b7 signature) only when the reader says a CVM is
// required (TTQ byte 2 b7); the rest — consumer device CVM performed and
// the card's options — always.
func qvsdcCTQ(personal, ttq []byte) []byte {
	if len(personal) != 2 {
		return personal
	}
	ctq := []byte{personal[0], personal[1]}
	if len(ttq) < 2 || ttq[1]&0x40 == 0 {
		ctq[0] &^= 0xC0
	}
	return ctq
}
