package sim

import (
	"crypto/subtle"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/tlv"
)

// Issuer script commands (EMV Book 3 §6.5 and §10.10, Book 2 §9 secure
// messaging). A script command has CLA 84 and ends with a MAC (4 to 8
// bytes, App.ScriptMACLength) over
//
//	CLA INS P1 P2 Lc || ATC || ARQC || data without the MAC
//
// padded with ISO/IEC 9797-1 method 2 and computed with MAC algorithm 3
// under the secure-messaging integrity session key, derived from MK_SMI:
//
//   - Visa CVN 10 and 18: the VIS session key (ATC into the master key
//     halves, VIS 1.5 Appendix B; pyemv's VisaCVN10/VisaCVN18 agree);
//   - CCD: the EMV common session key with R = the ARQC (Book 2 A1.3.1;
//     pyemv's "common" secure messaging derivation);
//   - PBOC CVN 01: the PBOC session key from the ATC (as the AC key).
//
// A command whose MAC does not verify is not executed: 6988, and the next
// transaction's CVR reports "issuer script processing failed". Executed
// commands count in the CVR's script counter of the next transaction.

// smSessionKey derives the secure-messaging session key from mk (MK_SMI or
// MK_SMC) for this transaction.
func (c *Card) smSessionKey(a *application, mk *keys.Key) (*keys.Key, error) {
	atc := [2]byte{byte(c.st.atc >> 8), byte(c.st.atc)}
	switch a.method {
	case emv.VisaCVN10, emv.VisaCVN18:
		return emv.VisaSessionKey(mk, c.st.atc)
	case emv.PBOCCVN01:
		return emv.PBOCSessionKey(mk, atc)
	}
	var r [8]byte
	copy(r[:], c.st.arqc)
	return emv.CommonSessionKey(mk, r)
}

// scriptMAC computes the MAC a script command must end with.
func (c *Card) scriptMAC(a *application, cmd command, body []byte) ([]byte, error) {
	sk, err := c.smSessionKey(a, a.mkSMI)
	if err != nil {
		return nil, err
	}
	defer sk.Zero()
	k, k2, err := sk.DESParts()
	if err != nil {
		return nil, err
	}
	msg := make([]byte, 0, 15+len(body))
	msg = append(msg, cmd.cla, cmd.ins, cmd.p1, cmd.p2, byte(len(cmd.data)), byte(c.st.atc>>8), byte(c.st.atc))
	msg = append(append(msg, c.st.arqc...), body...)
	return keys.AppendRetailMAC(nil, k, k2, msg, keys.Padding2, a.macLen)
}

func (c *Card) script(cmd command) []byte {
	a := c.app()
	if a == nil || c.st.arqc == nil {
		// Secure messaging needs this transaction's ARQC and ATC.
		return sw(emv.SWConditionsNotSatisfied)
	}
	ctr := &c.ctr[c.st.app]
	switch cmd.ins {
	case emv.INSApplicationBlock, emv.INSApplicationUnblock, emv.INSCardBlock, emv.INSPINChangeUnblock, emv.INSPutData, emv.INSUpdateRecord:
	default:
		ctr.scriptFailedThis = true
		return sw(emv.SWINSNotSupported)
	}
	if len(cmd.data) < a.macLen {
		ctr.scriptFailedThis = true
		return sw(emv.SWWrongLength)
	}
	body, mac := cmd.data[:len(cmd.data)-a.macLen], cmd.data[len(cmd.data)-a.macLen:]
	want, err := c.scriptMAC(a, cmd, body)
	if err != nil || subtle.ConstantTimeCompare(want, mac) != 1 {
		ctr.scriptFailedThis = true
		return sw(emv.SWSMObjectsIncorrect) // incorrect secure messaging data objects
	}
	if s := c.execute(a, ctr, cmd, body); s != emv.SWOK {
		ctr.scriptFailedThis = true
		return sw(s)
	}
	ctr.scriptsThis++
	c.scripts++
	return sw(emv.SWOK)
}

// execute carries out a script command whose MAC verified.
func (c *Card) execute(a *application, ctr *counters, cmd command, body []byte) emv.StatusWord {
	switch cmd.ins {
	case emv.INSApplicationBlock, emv.INSApplicationUnblock, emv.INSCardBlock:
		if cmd.p1 != 0 || cmd.p2 != 0 || len(body) != 0 {
			return emv.SWIncorrectP1P2
		}
		switch cmd.ins {
		case emv.INSApplicationBlock:
			ctr.blocked = true
		case emv.INSApplicationUnblock:
			ctr.blocked = false
		default:
			c.blocked = true
		}
	case emv.INSPINChangeUnblock: // PIN CHANGE/UNBLOCK (Book 3 §6.5.10)
		return c.pinChange(a, cmd, body)
	case emv.INSPutData: // PUT DATA: P1 P2 is the tag
		tag := tlv.Tag(cmd.p1)<<8 | tlv.Tag(cmd.p2)
		if cmd.p1 == 0 {
			tag = tlv.Tag(cmd.p2)
		}
		switch tag {
		case emv.TagLowerConsecutiveOfflineLimit, emv.TagUpperConsecutiveOfflineLimit:
			if len(body) != 1 {
				return emv.SWWrongData
			}
			if tag == emv.TagLowerConsecutiveOfflineLimit {
				a.limits.lowerCount = int(body[0])
			} else {
				a.limits.upperCount = int(body[0])
			}
		case emv.TagATC, emv.TagLastOnlineATCRegister, emv.TagPINTryCounter:
			return emv.SWReferencedDataNotFound // counters are not written by PUT DATA
		}
		ctr.putData[tag] = append([]byte(nil), body...)
	case emv.INSUpdateRecord: // UPDATE RECORD: P1 record, P2 SFI << 3 | 4
		key := [2]byte{cmd.p2 >> 3, cmd.p1}
		if cmd.p2&0x07 != 0x04 {
			return emv.SWIncorrectP1P2
		}
		if _, found := a.records[key]; !found {
			return emv.SWRecordNotFound
		}
		s := tlv.NewScanner(body)
		if !s.Next() || s.Tag() != emv.TagReadRecordResponseTemplate || len(s.Raw()) != len(body) {
			return emv.SWWrongData
		}
		a.records[key] = append([]byte(nil), body...)
	}
	return emv.SWOK
}

// pinChange: P2 00 unblocks the PIN (the try counter goes back to the
// limit); P2 01 and 02 set a new PIN from an 8-byte ISO 9564 format 2 PIN
// block enciphered (TDES ECB) under the confidentiality session key from
// MK_SMC, and unblock. The VIS PIN change block (the PIN block XORed
// with the UDK) is not implemented.
func (c *Card) pinChange(a *application, cmd command, body []byte) emv.StatusWord {
	if cmd.p1 != 0 || cmd.p2 > 2 {
		return emv.SWIncorrectP1P2
	}
	if c.profile.PIN == "" {
		return emv.SWConditionsNotSatisfied
	}
	if cmd.p2 == 0 {
		if len(body) != 0 {
			return emv.SWWrongData
		}
		c.pinTries = c.profile.PINTries
		return emv.SWOK
	}
	if len(body) != 8 {
		return emv.SWWrongData
	}
	sk, err := c.smSessionKey(a, a.mkSMC)
	if err != nil {
		return emv.SWNoDiagnosis
	}
	defer sk.Zero()
	blk, err := sk.Block()
	if err != nil {
		return emv.SWNoDiagnosis
	}
	var pb [8]byte
	blk.Decrypt(pb[:], body)
	defer clear(pb[:])
	if pb[0]>>4 != 0x2 {
		return emv.SWWrongData
	}
	pin := pinFromBlock(pb[:])
	if pin == "" {
		return emv.SWWrongData
	}
	c.profile.PIN = pin
	c.pinTries = c.profile.PINTries
	return emv.SWOK
}
