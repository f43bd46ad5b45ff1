package sim

import (
	"bytes"
	"fmt"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/tlv"
)

// Mastercard M/Chip contactless, written from the card's side (EMV
// Contactless Book C-2 commands as a card answers them; the M/Chip 4
// IAD; Mastercard's Relay Resistance Protocol): GENERATE AC with CDA and
// CVN 16/17 cryptograms, EXCHANGE RELAY RESISTANCE DATA with a
// configurable processing delay, RECOVER AC of a torn transaction, and a
// phone's on-device CVM (CDCVM). The card decides from its own state and
// the data the terminal sends; it never runs the kernel's rules.

// MChipOptions personalise an M/Chip contactless application.
type MChipOptions struct {
	// CVN is the cryptogram version, 16 or 17 (emv.MChipCVN16/17).
	CVN int `json:"cvn"`
	// RelayResistance enables EXCHANGE RELAY RESISTANCE DATA (AIP byte 2
	// b1 is set from it).
	RelayResistance bool `json:"relay_resistance"`
	// MinTime, MaxTime and EstimatedTime are the card's Min/Max Time For
	// Processing Relay Resistance APDU (DF8303, DF8304) and Device
	// Estimated Transmission Time For Relay Resistance R-APDU (DF8305),
	// in hundreds of microseconds.
	MinTime       uint16 `json:"min_time"`
	MaxTime       uint16 `json:"max_time"`
	EstimatedTime uint16 `json:"estimated_time"`
	// DelayMicros is how long the card takes to answer EXCHANGE RELAY
	// RESISTANCE DATA (a relay adds to it), passed to the card's sleep
	// function (Card.SetSleep).
	DelayMicros int `json:"delay_us"`
	// CDCVM is the phone's on-device cardholder verification: "" none
	// (a plastic card; AIP byte 1 b2 clear), "verified" (the holder
	// unlocked the phone before the tap), "required" (not yet: a
	// GENERATE AC whose CVM Results (9F34) rely on the phone's CVM is
	// answered AAC with POS Cardholder Interaction Information asking the
	// holder to see the phone).
	CDCVM string `json:"cdcvm"`
	// MagStripe makes a mag-stripe-mode-only application (mchip_ms.go):
	// AIP byte 2 b8 (EMV mode) clear, the M/Stripe data objects in SFI 1
	// record 2, COMPUTE CRYPTOGRAPHIC CHECKSUM for the CVC3.
	MagStripe bool `json:"mag_stripe"`
}

// dispatchContactless answers the M/Chip contactless commands (GENERATE
// AC of an M/Chip application, EXCHANGE RELAY RESISTANCE DATA, RECOVER AC,
// COMPUTE CRYPTOGRAPHIC CHECKSUM) and passes everything else to dispatch.
func (c *Card) dispatchContactless(cmd command) []byte {
	if cmd.cla&0xF0 == 0x80 && !c.blocked {
		switch cmd.ins {
		case 0xAE:
			if a := c.app(); a != nil && a.mchip != nil {
				return c.mchipGenerateAC(a, cmd)
			}
		case 0xEA:
			return c.exchangeRelayResistance(cmd)
		case 0xD0:
			return c.recoverAC(cmd)
		case 0x2A:
			return c.computeChecksum(cmd)
		}
	}
	return c.dispatch(cmd)
}

// mchipApp is the personalised M/Chip part of an application.
type mchipApp struct {
	cvn  emv.MastercardCVN
	prof emv.ACProfile
	mk   *keys.Key
	opt  MChipOptions
	ms   *magStripe // mag-stripe mode data (mchip_ms.go)
}

// mchipState is what one card session remembers.
type mchipState struct {
	rrpDone bool
}

// mchipCounters are kept across taps: the last GENERATE AC, for RECOVER
// AC (its DRDOL data and the response given).
type mchipCounters struct {
	lastData, lastResp []byte
}

func (app *application) personaliseMChip(a *App) error {
	o := MChipOptions{CVN: 16}
	if a.MChip != nil {
		o = *a.MChip
	}
	var cvn emv.MastercardCVN
	switch o.CVN {
	case 16, 0:
		cvn = emv.MChipCVN16
	case 17:
		cvn = emv.MChipCVN17
	default:
		return fmt.Errorf("mchip.cvn %d: 16 or 17", o.CVN)
	}
	switch o.CDCVM {
	case "", "verified", "required":
	default:
		return fmt.Errorf("mchip.cdcvm %q: \"\", \"verified\" or \"required\"", o.CDCVM)
	}
	prof, err := cvn.Profile()
	if err != nil {
		return err
	}
	imk, err := keys.FromHex(keys.TDES2, a.IMK)
	if err != nil {
		return fmt.Errorf("IMK: %v", err)
	}
	pan, err := emv.ParsePAN(a.PAN)
	if err != nil {
		return fmt.Errorf("PAN: %v", err)
	}
	psn := a.PSN
	if psn == "" {
		psn = "00"
	}
	mk, err := prof.DeriveMasterKey(imk, pan, psn)
	if err != nil {
		return err
	}
	if len(app.aip) == 2 {
		// AIP byte 1 b2: on-device cardholder verification supported;
		// byte 2 b1: relay resistance protocol supported (Book C-2).
		if o.CDCVM != "" {
			app.aip[0] |= 0x02
		}
		if o.RelayResistance {
			app.aip[1] |= 0x01
		}
	}
	app.mchip = &mchipApp{cvn: cvn, prof: prof, mk: mk, opt: o}
	if o.MagStripe {
		app.aip[1] &^= 0x80
		return app.mchip.personaliseMagStripe(imk, pan, psn, a)
	}
	return nil
}

// SetSleep replaces how the card waits before answering EXCHANGE RELAY
// RESISTANCE DATA (default time.Sleep): tests pass a fake clock's
// advance, so no test depends on real time.
func (c *Card) SetSleep(fn func(time.Duration)) {
	c.mu.Lock()
	c.sleep = fn
	c.mu.Unlock()
}

// exchangeRelayResistance answers EXCHANGE RELAY RESISTANCE DATA (CLA 80
// INS EA, Book C-2): the terminal's 4-byte entropy in, template 80 out with
// Device Relay Resistance Entropy, Min and Max Time For Processing Relay
// Resistance APDU and Device Estimated Transmission Time For Relay
// Resistance R-APDU. Only between GPO and GENERATE AC.
func (c *Card) exchangeRelayResistance(cmd command) []byte {
	a := c.app()
	if a == nil || a.mchip == nil || !a.mchip.opt.RelayResistance || !c.st.gpoDone || c.st.genACs > 0 {
		return sw(0x6985)
	}
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return sw(0x6A86)
	}
	if len(cmd.data) != 4 {
		return sw(0x6700)
	}
	o := a.mchip.opt
	if o.DelayMicros > 0 && c.sleep != nil {
		c.sleep(time.Duration(o.DelayMicros) * time.Microsecond)
	}
	c.st.mchip.rrpDone = true
	v := append(c.randomBytes(4), byte(o.MinTime>>8), byte(o.MinTime), byte(o.MaxTime>>8), byte(o.MaxTime),
		byte(o.EstimatedTime>>8), byte(o.EstimatedTime))
	return ok(tlv.AppendTLV(nil, 0x80, v))
}

// mchipGenerateAC answers the one GENERATE AC of an M/Chip contactless
// transaction (no second GENERATE AC: the issuer's answer does not come
// back to the card). The card answers the type asked or a lower one,
// from its own risk management (risk.go) and, on a phone, its CDCVM state.
func (c *Card) mchipGenerateAC(a *application, cmd command) []byte {
	if !c.st.gpoDone || c.st.genACs > 0 {
		return sw(0x6985)
	}
	asked := cmd.p1 & 0xC0
	cda := cmd.p1&0x10 != 0
	if asked == 0xC0 || cmd.p1&0x2F != 0 || cmd.p2 != 0 {
		return sw(0x6A86)
	}
	if len(cmd.data) != a.cdol1.Len() {
		return sw(0x6700)
	}
	v, good := dolValues(a.cdol1, cmd.data)
	if !good {
		return sw(0x6700)
	}
	ctr := &c.ctr[c.st.app]
	c.st.cdol1Data = append([]byte(nil), cmd.data...)
	c.st.amount = amount(v[0x9F02])
	r := c.risk(a, v)
	c.st.risk = r
	o := a.mchip.opt
	// The terminal relies on the phone's CVM when its CVM Results say
	// so (01 00 02, Book C-2 on-device CVM).
	reliesOnPhone := bytes.Equal(v[0x9F34], []byte{0x01, 0x00, 0x02})
	seePhone := reliesOnPhone && o.CDCVM == "required"
	var cid byte
	switch {
	case ctr.blocked, asked == cidAAC, seePhone:
		cid = cidAAC
	case asked == cidARQC:
		cid = cidARQC
		if c.profile.Faults.TCForARQC {
			cid = cidTC
		}
	case r.online(a.action):
		cid = cidARQC
	default:
		cid = cidTC
	}
	c.st.genACs = 1
	c.st.firstCID = cid
	sign := cda && a.oda == "CDA" && a.icc != nil && (cid != cidAAC || a.signAAC)
	iad := c.mchipIAD(a, cid, sign, reliesOnPhone && o.CDCVM == "verified", r)
	d := cryptogramData(a, v, c.st.atc, iad)
	data, err := a.mchip.cvn.AppendData(nil, d)
	if err != nil {
		return sw(0x6F00)
	}
	sk, err := a.mchip.prof.DeriveSessionKey(a.mchip.mk, d.ATC, d.UN)
	if err != nil {
		return sw(0x6F00)
	}
	ac, err := emv.ApplicationCryptogram(sk, data, a.mchip.prof.Padding)
	sk.Zero()
	if err != nil {
		return sw(0x6F00)
	}
	c.st.lastAC, c.st.lastCID = ac, cid
	if cid != cidARQC {
		c.record(a, cid, false, v)
	}
	atc := d.ATC
	if c.profile.Faults.WrongATC {
		atc[1]++
	}
	resp := tlv.NewBuilder(nil)
	if c.profile.Faults.MalformedGenerateAC != "missing_cid" {
		resp.Add(0x9F27, []byte{cid})
	}
	resp.Add(0x9F36, atc[:])
	switch c.profile.Faults.MalformedGenerateAC {
	case "short_ac":
		resp.Add(0x9F26, ac[:4])
	case "duplicate_ac":
		resp.Add(0x9F26, ac)
		resp.Add(0x9F26, ac)
	default:
		resp.Add(0x9F26, ac)
	}
	resp.Add(0x9F10, iad)
	if o.CDCVM != "" {
		// POS Cardholder Interaction Information (DF4B): all of byte 2
		// b2-b1 and byte 3 b4-b1 zero when the phone needs nothing from
		// its holder; byte 3 b1 when the holder must authenticate on the
		// phone and tap again. A reader ends the transaction with "See
		// Phone" whenever DF4B AND '00030F' is not zero (Book C-2
		// S910.71, as the open MPP kernel in xwanyux/AS350PLUS_SP
		// implements it), whatever the cryptogram — so a verified phone
		// sets none of those bits (the CVR in the IAD says it verified).
		pcii := []byte{0x00, 0x00, 0x00}
		if seePhone {
			pcii[2] = 0x01
		}
		resp.Add(emv.TagPOSCardholderInteractionInformation, pcii)
	}
	objs, _ := resp.Bytes()
	var sdad []byte
	if sign {
		hash := oda.TransactionDataHash(c.st.pdolData, cmd.data, nil, objs)
		if sdad, err = c.signDynamic(a, oda.CDADynamicData(c.randomBytes(8), cid, ac, hash), v[0x9F37]); err != nil {
			return sw(0x6F00)
		}
		c.st.cdaDone = true
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x77, func(b *tlv.Builder) {
		b.AddRaw(objs)
		if sdad != nil {
			b.Add(0x9F4B, sdad)
		}
	})
	out, _ := b.Bytes()
	out = c.malform(out)
	// Kept for RECOVER AC: a terminal that lost this answer (the card left
	// the field) asks for it again on the next tap, with the DRDOL data of
	// this transaction (Book C-2 torn transaction recovery: the reader
	// keeps DRDOL Related Data DF8113 and sends it in RECOVER AC). The
	// DRDOL's objects are taken from this GENERATE AC's CDOL1 data.
	var drdolData []byte
	if len(a.drdol) > 0 {
		drdolData = a.drdol.Append(nil, func(t tlv.Tag) ([]byte, tlv.Format, bool) {
			val, ok := v[t]
			return val, tlv.FormatBinary, ok
		})
	}
	ctr.mchip = mchipCounters{lastData: drdolData, lastResp: append([]byte(nil), out...)}
	return ok(out)
}

// recoverAC answers RECOVER AC (CLA 80 INS D0, Book C-2 torn transaction
// recovery): when the data is the DRDOL data of the card's last GENERATE
// AC, the card returns that GENERATE AC's response again (the same
// cryptogram and ATC: no new transaction); otherwise 6A88. A card without
// a DRDOL has nothing to recover (a C-2 reader keeps no torn record for
// it).
func (c *Card) recoverAC(cmd command) []byte {
	a := c.app()
	if a == nil || a.mchip == nil || !c.st.gpoDone || c.st.genACs > 0 {
		return sw(0x6985)
	}
	last := c.ctr[c.st.app].mchip
	if last.lastResp == nil || len(a.drdol) == 0 || !bytes.Equal(cmd.data, last.lastData) {
		return sw(0x6A88)
	}
	c.st.genACs = 1
	return ok(last.lastResp)
}

// mchipIAD is this card's M/Chip 4 style IAD (18 bytes): KDI, CVN, CVR
// (6 bytes), DAC/IDN (2), counters (8). The CVR layout is this software
// card's, modelled on M/Chip 4: byte 1 b6-b5 the AC type returned
// (00 AAC, 01 TC, 10 ARQC), b8-b7 10 (no second GENERATE AC); byte 2 b7
// CDA performed, b2 relay resistance performed; byte 3 the velocity
// limits exceeded; byte 4 b8 on-device CVM verified; byte 6 b1 "new card".
func (c *Card) mchipIAD(a *application, cid byte, cda, cdcvm bool, r riskResult) []byte {
	iad := make([]byte, 18)
	iad[0], iad[1] = a.dki, byte(a.mchip.cvn)
	cvr := iad[2:8]
	cvr[0] = 0x80 | cvrType(cid)<<4
	cvr[1] = b(cda, 0x40) | b(c.st.mchip.rrpDone, 0x02)
	cvr[2] = b(r.lowerCount, 0x80) | b(r.upperCount, 0x40) | b(r.lowerAmount, 0x20) | b(r.upperAmount, 0x10)
	cvr[3] = b(cdcvm, 0x80)
	cvr[5] = b(r.newCard, 0x01)
	ctr := &c.ctr[c.st.app]
	// Counters (CVN 17 MACs them): cumulative offline amount (6 bytes
	// BCD), consecutive offline transactions, FF.
	copy(iad[10:16], bcd12(ctr.offlineAmount))
	n := int(c.st.atc) - int(ctr.lastOnline)
	iad[16] = byte(min(max(n, 0), 255))
	iad[17] = 0xFF
	return iad
}
