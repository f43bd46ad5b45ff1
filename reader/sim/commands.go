package sim

import (
	"bytes"
	"crypto/subtle"
	"io"
	"math/big"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/tlv"
)

var (
	pseName  = []byte("1PAY.SYS.DDF01")
	ppseName = []byte("2PAY.SYS.DDF01")
)

func (c *Card) dispatch(cmd command) []byte {
	switch {
	case cmd.cla&0xF0 == 0x80 || cmd.cla == 0x84:
		if cmd.cla == 0x84 {
			return c.script(cmd)
		}
		switch cmd.ins {
		case 0xA8:
			return c.gpo(cmd)
		case 0xAE:
			return c.generateAC(cmd)
		case 0xCA:
			return c.getData(cmd)
		}
	case cmd.cla == 0x00:
		switch cmd.ins {
		case 0xA4:
			return c.selectFile(cmd)
		case 0xB2:
			return c.readRecord(cmd)
		case 0x20:
			return c.verify(cmd)
		case 0x88:
			return c.internalAuthenticate(cmd)
		case 0x84:
			return c.getChallenge(cmd)
		case 0x82:
			return c.externalAuthenticate(cmd)
		case 0xC0:
			return c.getResponse(cmd)
		}
		return sw(0x6D00)
	}
	return sw(0x6E00)
}

func (c *Card) app() *application {
	if c.st.app < 0 {
		return nil
	}
	return c.apps[c.st.app]
}

// selectFile: SELECT by name, first or next occurrence (EMV Book 1 §11.3).
func (c *Card) selectFile(cmd command) []byte {
	if cmd.p1 != 0x04 {
		return sw(0x6A86)
	}
	next := cmd.p2&0x03 == 0x02
	prev := c.st
	c.st = state{app: -1}
	switch {
	case bytes.Equal(cmd.data, pseName):
		if !c.profile.PSE {
			return sw(0x6A82)
		}
		c.st.dir = "PSE"
		return ok(c.directoryFCI(pseName, false))
	case bytes.Equal(cmd.data, ppseName):
		if !c.profile.PPSE {
			return sw(0x6A82)
		}
		c.st.dir = "PPSE"
		return ok(c.directoryFCI(ppseName, true))
	}
	start := 0
	if next && prev.app >= 0 {
		start = prev.app + 1
	}
	for i := start; i < len(c.apps); i++ {
		if bytes.HasPrefix(c.apps[i].aid, cmd.data) && len(cmd.data) >= 5 {
			c.st.app = i
			return ok(c.apps[i].fci)
		}
	}
	return sw(0x6A82)
}

// directoryFCI is the PSE FCI (with the directory's SFI) or the PPSE FCI
// (with the directory entries inline, EMV Contactless Book B §3.3).
func (c *Card) directoryFCI(name []byte, ppse bool) []byte {
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x6F, func(b *tlv.Builder) {
		b.Add(0x84, name)
		b.AddConstructed(0xA5, func(b *tlv.Builder) {
			if !ppse {
				b.Add(0x88, []byte{0x01})
				return
			}
			b.AddConstructed(0xBF0C, func(b *tlv.Builder) {
				for _, a := range c.apps {
					if a.qVSDC {
						c.entry(b, a)
					}
				}
			})
		})
	})
	out, _ := b.Bytes()
	return out
}

func (c *Card) entry(b *tlv.Builder, a *application) {
	b.AddConstructed(0x61, func(b *tlv.Builder) {
		b.Add(0x4F, a.aid)
		b.Add(0x50, []byte(a.label))
		if a.priority > 0 {
			b.Add(0x87, []byte{byte(a.priority)})
		}
	})
}

func (c *Card) readRecord(cmd command) []byte {
	if cmd.p2&0x07 != 0x04 {
		return sw(0x6A86)
	}
	sfi, n := cmd.p2>>3, cmd.p1
	if c.st.dir == "PSE" && sfi == 1 {
		// One directory record per contact application (EMV Book 1 §12.2.3).
		var contact []*application
		for _, a := range c.apps {
			if !a.qVSDC {
				contact = append(contact, a)
			}
		}
		if n == 0 || int(n) > len(contact) {
			return sw(0x6A83)
		}
		b := tlv.NewBuilder(nil)
		b.AddConstructed(0x70, func(b *tlv.Builder) { c.entry(b, contact[n-1]) })
		out, _ := b.Bytes()
		return ok(out)
	}
	a := c.app()
	if a == nil {
		return sw(0x6985)
	}
	r, found := a.records[[2]byte{sfi, n}]
	if !found {
		return sw(0x6A83)
	}
	return ok(r)
}

// dolValues splits DOL data into tag → value.
func dolValues(d tlv.DOL, data []byte) (map[tlv.Tag][]byte, bool) {
	m := map[tlv.Tag][]byte{}
	err := d.Split(data, func(e tlv.DOLEntry, v []byte) { m[e.Tag] = v })
	return m, err == nil
}

func (c *Card) gpo(cmd command) []byte {
	a := c.app()
	if a == nil || c.st.gpoDone {
		return sw(0x6985)
	}
	s := tlv.NewScanner(cmd.data)
	if !s.Next() || s.Tag() != 0x83 || s.Err() != nil {
		return sw(0x6A80)
	}
	data := s.Value()
	if len(data) != a.pdol.Len() {
		return sw(0x6700)
	}
	c.st.gpoDone = true
	c.st.pdolData = append([]byte(nil), data...)
	if a.qVSDC {
		return c.qVSDC(a, data)
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x77, func(b *tlv.Builder) {
		b.Add(0x82, a.aip)
		b.Add(0x94, a.afl)
	})
	out, _ := b.Bytes()
	return ok(out)
}

// cryptogramData fills the AC input from the terminal's DOL values.
func (c *Card) cryptogramData(a *application, v map[tlv.Tag][]byte, atc uint16) *emv.CryptogramData {
	d := &emv.CryptogramData{IAD: a.iad}
	copy(d.AmountAuthorised[:], v[0x9F02])
	copy(d.AmountOther[:], v[0x9F03])
	copy(d.TerminalCountry[:], v[0x9F1A])
	copy(d.TVR[:], v[0x95])
	copy(d.CurrencyCode[:], v[0x5F2A])
	copy(d.Date[:], v[0x9A])
	if t := v[0x9C]; len(t) == 1 {
		d.TransactionType = t[0]
	}
	copy(d.UN[:], v[0x9F37])
	copy(d.AIP[:], a.aip)
	d.ATC = [2]byte{byte(atc >> 8), byte(atc)}
	return d
}

func amount(v []byte) int64 {
	var n int64
	for _, b := range v {
		n = n*100 + int64(b>>4)*10 + int64(b&0x0F)
	}
	return n
}

func (c *Card) nextATC() uint16 {
	c.atc[c.st.app]++
	return c.atc[c.st.app]
}

func (c *Card) ac(a *application, d *emv.CryptogramData) ([]byte, bool) {
	sk, err := a.method.SessionKey(a.mk, d.ATC)
	if err != nil {
		return nil, false
	}
	ac, err := a.method.Cryptogram(sk, d)
	return ac, err == nil
}

// qVSDC answers GPO with the cryptogram (Visa qVSDC one-tap): ARQC when the
// reader needs an online cryptogram or the amount is over the card's
// offline limit, else TC with an fDDA signature.
func (c *Card) qVSDC(a *application, pdolData []byte) []byte {
	v, _ := dolValues(a.pdol, pdolData)
	atc := c.nextATC()
	cid := byte(0x80)
	ttq := v[0x9F66]
	onlineRequired := len(ttq) >= 2 && ttq[1]&0x80 != 0
	if !onlineRequired && a.offline > 0 && amount(v[0x9F02]) <= a.offline {
		cid = 0x40
	}
	d := c.cryptogramData(a, v, atc)
	d.IAD = a.iadWithCVR(cid, false)
	ac, good := c.ac(a, d)
	if !good {
		return sw(0x6F00)
	}
	c.st.lastAC, c.st.lastCID = ac, cid
	var sdad []byte
	if cid == 0x40 && a.icc != nil {
		var err error
		if sdad, err = c.signDynamic(a, oda.DDADynamicData(c.randomBytes(4)), oda.FDDAData(v[0x9F37], v[0x9F02], v[0x5F2A], a.cardAuth)); err != nil {
			return sw(0x6F00)
		}
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x77, func(b *tlv.Builder) {
		b.Add(0x82, a.aip)
		if a.icc != nil {
			b.Add(0x94, a.afl)
		}
		b.Add(0x57, a.track2)
		b.Add(0x5F34, a.psn)
		b.Add(0x9F10, d.IAD)
		b.Add(0x9F26, ac)
		b.Add(0x9F27, []byte{cid})
		b.Add(0x9F36, d.ATC[:])
		if len(a.ctq) > 0 {
			b.Add(0x9F6C, a.ctq)
		}
		if sdad != nil {
			b.Add(0x9F69, a.cardAuth)
			b.Add(0x9F4B, sdad)
		}
	})
	out, _ := b.Bytes()
	return ok(out)
}

// generateAC: first and second GENERATE AC with card action analysis reduced
// to what tests need (EMV Book 3 §6.5.5, Book 2 §6.6 for CDA).
func (c *Card) generateAC(cmd command) []byte {
	a := c.app()
	if a == nil || !c.st.gpoDone || a.qVSDC || c.st.genACs >= 2 {
		return sw(0x6985)
	}
	asked := cmd.p1 & 0xC0
	cda := cmd.p1&0x10 != 0
	dol := a.cdol1
	if c.st.genACs == 1 {
		dol = a.cdol2
	}
	v, good := dolValues(dol, cmd.data)
	if !good {
		return sw(0x6700)
	}
	var cid byte
	var atc uint16
	if c.st.genACs == 0 {
		c.st.cdol1Data = append([]byte(nil), cmd.data...)
		atc = c.nextATC()
		switch {
		case asked == 0x00:
			cid = 0x00
		case asked == 0x40 && a.offline > 0 && amount(v[0x9F02]) <= a.offline:
			cid = 0x40
		default:
			cid = 0x80
		}
	} else {
		atc = c.atc[c.st.app]
		cid = 0x00
		if asked == 0x40 && c.secondACApproves(a, v) {
			cid = 0x40
		}
		// The second AC is computed over the first's data elements with
		// the final TVR and the CDOL2 values that update them.
		first, _ := dolValues(a.cdol1, c.st.cdol1Data)
		for t, x := range v {
			first[t] = x
		}
		v = first
	}
	c.st.genACs++
	d := c.cryptogramData(a, v, atc)
	d.IAD = a.iadWithCVR(cid, c.st.genACs == 2)
	ac, good := c.ac(a, d)
	if !good {
		return sw(0x6F00)
	}
	c.st.lastAC, c.st.lastCID = ac, cid
	resp := tlv.NewBuilder(nil)
	resp.Add(0x9F27, []byte{cid})
	resp.Add(0x9F36, d.ATC[:])
	resp.Add(0x9F26, ac)
	resp.Add(0x9F10, d.IAD)
	objs, _ := resp.Bytes()
	var sdad []byte
	if cda && cid != 0x00 && a.oda == "CDA" && a.icc != nil {
		var cdol2 []byte
		if c.st.genACs == 2 {
			cdol2 = cmd.data
		}
		hash := oda.TransactionDataHash(c.st.pdolData, c.st.cdol1Data, cdol2, objs)
		var err error
		if sdad, err = c.signDynamic(a, oda.CDADynamicData(c.randomBytes(8), cid, ac, hash), v[0x9F37]); err != nil {
			return sw(0x6F00)
		}
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x77, func(b *tlv.Builder) {
		b.AddRaw(objs)
		if sdad != nil {
			b.Add(0x9F4B, sdad)
		}
	})
	out, _ := b.Bytes()
	return ok(out)
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

// iadWithCVR returns the Issuer Application Data with the CVR recording the
// cryptogram type returned (Visa CVR byte 2, CCD CVR byte 1: b8-b7 for the
// second GENERATE AC, b6-b5 for the first; 00 AAC, 01 TC, 10 ARQC), so a
// second cryptogram differs from the first.
func (a *application) iadWithCVR(cid byte, second bool) []byte {
	iad := append([]byte(nil), a.iad...)
	i := 4
	if a.method == emv.CCD {
		i = 3
	}
	t := cid >> 6 // 0 AAC, 1 TC, 2 ARQC
	if second {
		iad[i] = iad[i]&0x3F | t<<6
	} else {
		iad[i] = iad[i]&0xCF | t<<4
	}
	return iad
}

// secondACApproves: the issuer approved (ARC 00 or Y3/Z3-style "00"), and
// issuer authentication, if the host sent it, succeeded.
func (c *Card) secondACApproves(a *application, v map[tlv.Tag][]byte) bool {
	arc := v[0x8A]
	if !bytes.Equal(arc, []byte("00")) && !bytes.Equal(arc, []byte("Y3")) {
		return false
	}
	if iad := v[0x91]; len(iad) > 0 && !allZero(iad) {
		c.st.issuerAuth = -1
		if c.checkARPC(a, iad) {
			c.st.issuerAuth = 1
		}
	}
	return c.st.issuerAuth >= 0
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// checkARPC verifies issuer authentication data (tag 91) against the last
// ARQC: ARPC method 1 (ARPC || ARC) for CVN 10, method 2 (ARPC || CSU ||
// proprietary data) otherwise.
func (c *Card) checkARPC(a *application, iad []byte) bool {
	if c.profile.Faults.RejectARPC || c.st.lastAC == nil {
		return false
	}
	atc := c.atc[c.st.app]
	sk, err := a.method.SessionKey(a.mk, [2]byte{byte(atc >> 8), byte(atc)})
	if err != nil {
		return false
	}
	var in emv.ARPCInput
	var got []byte
	if a.method == emv.VisaCVN10 {
		if len(iad) < 10 {
			return false
		}
		got = iad[:8]
		copy(in.ARC[:], iad[8:10])
	} else {
		if len(iad) < 8 {
			return false
		}
		got = iad[:4]
		copy(in.CSU[:], iad[4:8])
		in.Proprietary = iad[8:]
	}
	want, err := a.method.ARPC(sk, c.st.lastAC, in)
	return err == nil && subtle.ConstantTimeCompare(want, got) == 1
}

func (c *Card) externalAuthenticate(cmd command) []byte {
	a := c.app()
	if a == nil || c.st.genACs != 1 {
		return sw(0x6985)
	}
	if c.checkARPC(a, cmd.data) {
		c.st.issuerAuth = 1
		return sw(0x9000)
	}
	c.st.issuerAuth = -1
	return sw(0x6300)
}

func (c *Card) internalAuthenticate(cmd command) []byte {
	a := c.app()
	if a == nil || a.icc == nil || a.oda == "SDA" {
		return sw(0x6985)
	}
	sdad, err := c.signDynamic(a, oda.DDADynamicData(c.randomBytes(8)), cmd.data)
	if err != nil {
		return sw(0x6700)
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x77, func(b *tlv.Builder) { b.Add(0x9F4B, sdad) })
	out, _ := b.Bytes()
	return ok(out)
}

// verify: offline plaintext PIN (P2 80) and enciphered PIN (P2 88, under the
// ICC key, EMV Book 2 §7.2).
func (c *Card) verify(cmd command) []byte {
	if c.app() == nil || c.profile.PIN == "" {
		return sw(0x6985)
	}
	if c.pinTries <= 0 {
		return sw(0x6983)
	}
	var block []byte
	switch cmd.p2 {
	case 0x80:
		block = cmd.data
	case 0x88:
		a := c.app()
		if a.icc == nil || len(c.st.challenge) != 8 || len(cmd.data) != (a.icc.N.BitLen()+7)/8 {
			return sw(0x6985)
		}
		m := new(big.Int).Exp(new(big.Int).SetBytes(cmd.data), a.icc.D, a.icc.N).FillBytes(make([]byte, len(cmd.data)))
		// 7F | PIN block | ICC unpredictable number | random pad.
		if m[0] != 0x7F || !bytes.Equal(m[9:17], c.st.challenge) {
			c.st.challenge = nil
			return sw(0x6984)
		}
		c.st.challenge = nil
		block = m[1:9]
	default:
		return sw(0x6A86)
	}
	if len(block) != 8 || block[0]>>4 != 0x2 {
		return sw(0x6A80)
	}
	if pinFromBlock(block) == c.profile.PIN {
		c.pinTries = c.profile.PINTries
		return sw(0x9000)
	}
	c.pinTries--
	if c.pinTries <= 0 {
		return sw(0x6983)
	}
	return sw(0x63C0 | uint16(c.pinTries))
}

// pinFromBlock reads an ISO 9564 format-2 block (2N PPPP... F fill).
func pinFromBlock(b []byte) string {
	n := int(b[0] & 0x0F)
	if n < 4 || n > 12 {
		return ""
	}
	d := make([]byte, 0, n)
	for i := 0; i < n; i++ {
		x := b[1+i/2]
		nib := x >> 4
		if i%2 == 1 {
			nib = x & 0x0F
		}
		if nib > 9 {
			return ""
		}
		d = append(d, '0'+nib)
	}
	return string(d)
}

func (c *Card) getChallenge(command) []byte {
	c.st.challenge = c.randomBytes(8)
	return ok(c.st.challenge)
}

func (c *Card) randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(c.rand, b); err != nil {
		for i := range b {
			b[i] = byte(i + 1)
		}
	}
	return b
}

func (c *Card) getData(cmd command) []byte {
	tag := tlv.Tag(cmd.p1)<<8 | tlv.Tag(cmd.p2)
	var v []byte
	switch tag {
	case 0x9F17:
		v = []byte{byte(c.pinTries)}
	case 0x9F36:
		if c.st.app < 0 {
			return sw(0x6985)
		}
		atc := c.atc[c.st.app]
		v = []byte{byte(atc >> 8), byte(atc)}
	default:
		return sw(0x6A88)
	}
	return ok(tlv.AppendTLV(nil, tag, v))
}

func (c *Card) getResponse(cmd command) []byte {
	if c.st.pending == nil {
		return sw(0x6985)
	}
	p := c.st.pending
	c.st.pending = nil
	if cmd.le >= 0 && cmd.le != 0 && cmd.le < len(p) {
		c.st.pending = p[cmd.le:]
		return append(append([]byte(nil), p[:cmd.le]...), 0x61, byte(len(p)-cmd.le))
	}
	return ok(p)
}

// script accepts issuer script commands (CLA 84: PIN unblock 24, application
// block 1E, unblock 18, PUT DATA DA/DC) and counts them.
func (c *Card) script(cmd command) []byte {
	if c.app() == nil {
		return sw(0x6985)
	}
	switch cmd.ins {
	case 0x24:
		c.pinTries = c.profile.PINTries
	case 0x1E, 0x18, 0xDA, 0xDC, 0x16:
	default:
		return sw(0x6D00)
	}
	c.scripts++
	return sw(0x9000)
}
