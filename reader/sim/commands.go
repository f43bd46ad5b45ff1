package sim

import (
	"bytes"
	"crypto/subtle"
	"io"
	"math/big"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

var (
	pseName  = []byte(emv.PSE)
	ppseName = []byte(emv.PPSE)
)

func (c *Card) dispatch(cmd command) []byte {
	if c.blocked && !(cmd.cla == emv.CLAInterindustry && cmd.ins == emv.INSGetResponse) {
		// EMV Book 3 §6.5.3 CARD BLOCK: the card answers every SELECT
		// (and, here, every other command) with 6A81.
		return sw(emv.SWFunctionNotSupported)
	}
	switch {
	case cmd.cla == emv.CLASecureMessaging:
		return c.script(cmd)
	case cmd.cla&0xF0 == emv.CLAProprietary:
		switch cmd.ins {
		case emv.INSGetProcessingOptions:
			return c.gpo(cmd)
		case emv.INSGenerateAC:
			return c.generateAC(cmd)
		case emv.INSGetData:
			return c.getData(cmd)
		case emv.INSApplicationBlock, emv.INSApplicationUnblock, emv.INSCardBlock, emv.INSPINChangeUnblock, emv.INSPutData, emv.INSUpdateRecord:
			// Issuer script commands need secure messaging (CLA 84).
			return sw(emv.SWSecurityNotSatisfied)
		}
		return sw(emv.SWINSNotSupported)
	case cmd.cla == emv.CLAInterindustry:
		switch cmd.ins {
		case emv.INSSelect:
			return c.selectFile(cmd)
		case emv.INSReadRecord:
			return c.readRecord(cmd)
		case emv.INSVerify:
			return c.verify(cmd)
		case emv.INSInternalAuthenticate:
			return c.internalAuthenticate(cmd)
		case emv.INSGetChallenge:
			return c.getChallenge(cmd)
		case emv.INSExternalAuthenticate:
			return c.externalAuthenticate(cmd)
		case emv.INSGetResponse:
			return c.getResponse(cmd)
		}
		return sw(emv.SWINSNotSupported)
	}
	return sw(emv.SWCLANotSupported)
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
		return sw(emv.SWIncorrectP1P2)
	}
	next := cmd.p2&0x03 == 0x02
	prev := c.st
	c.st = state{app: -1}
	switch {
	case bytes.Equal(cmd.data, pseName):
		if !c.profile.PSE {
			return sw(emv.SWFileNotFound)
		}
		c.st.dir = "PSE"
		return ok(c.directoryFCI(pseName, false))
	case bytes.Equal(cmd.data, ppseName):
		if !c.profile.PPSE {
			return sw(emv.SWFileNotFound)
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
			if c.ctr[i].blocked {
				// EMV Book 1 §12.4, Book 3 §6.5.1: a blocked application
				// answers SELECT with its FCI and 6283 (selected file
				// invalidated); it stays selected so an issuer script can
				// unblock it.
				return append(append([]byte(nil), c.apps[i].fci...), sw(emv.SWFileDeactivated)...)
			}
			return ok(c.apps[i].fci)
		}
	}
	return sw(emv.SWFileNotFound)
}

// directoryFCI is the PSE FCI (with the directory's SFI) or the PPSE FCI
// (with the directory entries inline, EMV Contactless Book B §3.3).
func (c *Card) directoryFCI(name []byte, ppse bool) []byte {
	b := tlv.NewBuilder(nil)
	b.AddConstructed(emv.TagFCITemplate, func(b *tlv.Builder) {
		b.Add(emv.TagDFName, name)
		b.AddConstructed(emv.TagFCIProprietaryTemplate, func(b *tlv.Builder) {
			if !ppse {
				b.Add(emv.TagSFI, []byte{0x01})
				return
			}
			b.AddConstructed(emv.TagFCIIssuerDiscretionaryData, func(b *tlv.Builder) {
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
	b.AddConstructed(emv.TagApplicationTemplate, func(b *tlv.Builder) {
		b.Add(emv.TagApplicationIdentifier, a.aid)
		b.Add(emv.TagApplicationLabel, []byte(a.label))
		if a.priority > 0 {
			b.Add(emv.TagApplicationPriorityIndicator, []byte{byte(a.priority)})
		}
		if len(a.kernelID) > 0 {
			b.Add(emv.TagKernelIdentifier, a.kernelID)
		}
	})
}

func (c *Card) readRecord(cmd command) []byte {
	if cmd.p2&0x07 != 0x04 {
		return sw(emv.SWIncorrectP1P2)
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
			return sw(emv.SWRecordNotFound)
		}
		b := tlv.NewBuilder(nil)
		b.AddConstructed(emv.TagReadRecordResponseTemplate, func(b *tlv.Builder) { c.entry(b, contact[n-1]) })
		out, _ := b.Bytes()
		return ok(out)
	}
	if sfi == logSFI {
		return c.readLog(n)
	}
	a := c.app()
	if a == nil {
		return sw(emv.SWConditionsNotSatisfied)
	}
	r, found := a.records[[2]byte{sfi, n}]
	if !found {
		return sw(emv.SWRecordNotFound)
	}
	return ok(r)
}

func (c *Card) gpo(cmd command) []byte {
	a := c.app()
	if a == nil || c.st.gpoDone {
		return sw(emv.SWConditionsNotSatisfied)
	}
	s := tlv.NewScanner(cmd.data)
	if !s.Next() || s.Tag() != emv.TagCommandTemplate || s.Err() != nil {
		return sw(emv.SWWrongData)
	}
	data := s.Value()
	if len(data) != a.pdol.Len() {
		return sw(emv.SWWrongLength)
	}
	ctr := &c.ctr[c.st.app]
	if ctr.atc == 0xFFFF {
		// EMV Book 3 §6.5.8: the ATC must not wrap; the application is
		// permanently blocked.
		ctr.blocked = true
		return sw(emv.SWConditionsNotSatisfied)
	}
	c.st.gpoDone = true
	c.st.pdolData = append([]byte(nil), data...)
	// CCD and VIS increment the ATC in GET PROCESSING OPTIONS, so the
	// terminal's GET DATA 9F36 reads this transaction's ATC.
	ctr.atc++
	c.st.atc = ctr.atc
	// The CVR of this transaction reports the scripts of the last one.
	ctr.scriptsLast, ctr.scriptFailedLast = ctr.scriptsThis, ctr.scriptFailedThis
	ctr.scriptsThis, ctr.scriptFailedThis = 0, false
	if a.qVSDC {
		return c.qVSDC(a, data)
	}
	if a.format1 {
		return ok(tlv.AppendTLV(nil, emv.TagResponseTemplateFormat1, append(append([]byte(nil), a.aip...), a.afl...)))
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(emv.TagResponseTemplateFormat2, func(b *tlv.Builder) {
		b.Add(emv.TagAIP, a.aip)
		b.Add(emv.TagAFL, a.afl)
	})
	out, _ := b.Bytes()
	return ok(out)
}

// verify: offline plaintext PIN (P2 80) and enciphered PIN (P2 88, under the
// ICC key, EMV Book 2 §7.2), EMV Book 3 §6.5.12.
func (c *Card) verify(cmd command) []byte {
	if c.app() == nil || c.profile.PIN == "" {
		return sw(emv.SWConditionsNotSatisfied)
	}
	if cmd.p1 != 0x00 {
		return sw(emv.SWIncorrectP1P2)
	}
	if c.pinTries <= 0 {
		// Book 3 §6.5.12.4: PIN try limit exceeded, no comparison.
		c.st.pinTried, c.st.pinFailed = true, true
		return sw(emv.SWAuthMethodBlocked)
	}
	var block []byte
	switch cmd.p2 {
	case emv.VerifyPlaintextPIN:
		block = cmd.data
	case emv.VerifyEncipheredPIN:
		a := c.app()
		// EMV Book 2 §7.2: deciphered with the ICC PIN Encipherment
		// private key if the card has one, else the ICC private key.
		key := a.pinKey
		if key == nil {
			key = a.icc
		}
		if key == nil || len(c.st.challenge) != 8 || len(cmd.data) != (key.N.BitLen()+7)/8 {
			return sw(emv.SWConditionsNotSatisfied)
		}
		m := new(big.Int).Exp(new(big.Int).SetBytes(cmd.data), key.D, key.N).FillBytes(make([]byte, len(cmd.data)))
		// 7F | PIN block | ICC unpredictable number | random pad.
		if m[0] != 0x7F || !bytes.Equal(m[9:17], c.st.challenge) {
			c.st.challenge = nil
			return sw(emv.SWReferenceDataInvalid)
		}
		c.st.challenge = nil
		block = m[1:9]
	default:
		return sw(emv.SWIncorrectP1P2)
	}
	if len(block) != 8 || block[0]>>4 != 0x2 {
		return sw(emv.SWWrongData)
	}
	c.st.pinTried = true
	if subtle.ConstantTimeCompare([]byte(pinFromBlock(block)), []byte(c.profile.PIN)) == 1 {
		c.pinTries = c.profile.PINTries
		c.st.pinFailed = false
		return sw(emv.SWOK)
	}
	c.st.pinFailed = true
	c.pinTries--
	if c.pinTries <= 0 {
		return sw(emv.SWAuthMethodBlocked)
	}
	return sw(emv.SWTriesLeft(c.pinTries))
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
	for i := n; i < 14; i++ {
		x := b[1+i/2]
		nib := x >> 4
		if i%2 == 1 {
			nib = x & 0x0F
		}
		if nib != 0x0F {
			return ""
		}
	}
	return string(d)
}

func (c *Card) getChallenge(cmd command) []byte {
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return sw(emv.SWIncorrectP1P2)
	}
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

// getData answers GET DATA (EMV Book 3 §6.5.7) for the data objects a
// terminal asks for: ATC (9F36), Last Online ATC Register (9F13), PIN Try
// Counter (9F17), the consecutive offline limits (9F14, 9F23), the Log
// Format (9F4F) when the card keeps a log (log.go) and objects an issuer
// wrote with PUT DATA; anything else is 6A88.
func (c *Card) getData(cmd command) []byte {
	tag := tlv.Tag(cmd.p1)<<8 | tlv.Tag(cmd.p2)
	if tag == emv.TagPINTryCounter {
		if c.profile.PIN == "" {
			return sw(emv.SWReferencedDataNotFound)
		}
		return ok(tlv.AppendTLV(nil, tag, []byte{byte(c.pinTries)}))
	}
	a := c.app()
	if a == nil {
		return sw(emv.SWConditionsNotSatisfied)
	}
	ctr := &c.ctr[c.st.app]
	var v []byte
	switch tag {
	case emv.TagATC:
		v = []byte{byte(ctr.atc >> 8), byte(ctr.atc)}
	case emv.TagLastOnlineATCRegister:
		v = []byte{byte(ctr.lastOnline >> 8), byte(ctr.lastOnline)}
	case emv.TagLowerConsecutiveOfflineLimit:
		if a.limits.lowerCount < 0 || a.limits.lowerCount > 255 {
			return sw(emv.SWReferencedDataNotFound)
		}
		v = []byte{byte(a.limits.lowerCount)}
	case emv.TagUpperConsecutiveOfflineLimit:
		if a.limits.upperCount < 0 || a.limits.upperCount > 255 {
			return sw(emv.SWReferencedDataNotFound)
		}
		v = []byte{byte(a.limits.upperCount)}
	case emv.TagLogFormat:
		if a.logRecords == 0 {
			return sw(emv.SWReferencedDataNotFound)
		}
		v = logFormat
	default:
		var found bool
		if v, found = ctr.putData[tag]; !found {
			return sw(emv.SWReferencedDataNotFound)
		}
	}
	return ok(tlv.AppendTLV(nil, tag, v))
}

// getResponse returns data a T=0 exchange left waiting (ISO/IEC 7816-4
// §7.6.1, 7816-3 §10.3.4): Le shorter than the data gives that much and
// 61xx for the rest; Le longer gives 6Cxx with the exact length and the
// data stays waiting for the repeated GET RESPONSE.
func (c *Card) getResponse(cmd command) []byte {
	p := c.st.pending
	if p == nil {
		return sw(emv.SWConditionsNotSatisfied)
	}
	if cmd.p1 != 0 || cmd.p2 != 0 {
		return sw(emv.SWIncorrectP1P2)
	}
	le := cmd.le
	if le <= 0 {
		le = 256
	}
	switch {
	case le < len(p):
		c.st.pending = p[le:]
		return append(append([]byte(nil), p[:le]...), emv.SW1BytesAvailable, byte(len(p)-le))
	case le > len(p):
		return []byte{emv.SW1WrongLe, byte(len(p))}
	}
	c.st.pending = nil
	return ok(p)
}
