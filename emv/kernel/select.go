package kernel

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

// supported finds the terminal's configuration for a card AID: exact, or a
// prefix when partial selection is allowed (EMV Book 1 §12.3.1).
func (k *Kernel) supported(aid []byte) *AIDConfig {
	for i := range k.cfg.AIDs {
		a := &k.cfg.AIDs[i]
		t := mustHex(a.AID)
		if bytes.Equal(t, aid) || (a.PartialSelection && len(aid) > len(t) && bytes.HasPrefix(aid, t)) {
			return a
		}
	}
	return nil
}

func entryCandidate(s tlv.Scanner) Candidate {
	var c Candidate
	for s.Next() {
		switch s.Tag() {
		case 0x4F:
			c.AID = append([]byte(nil), s.Value()...)
		case 0x50:
			c.Label = string(s.Value())
		case 0x9F12:
			c.PreferredName = string(s.Value())
		case 0x9F11:
			if v := s.Value(); len(v) == 1 {
				c.CodeTable = int(v[0])
			}
		case 0x87:
			if v := s.Value(); len(v) == 1 {
				c.Priority = int(v[0] & 0x0F)
				c.Confirm = v[0]&0x80 != 0
			}
		case 0x9F2A:
			c.KernelID = append([]byte{}, s.Value()...)
		}
	}
	return c
}

// Kernel IDs (EMV Contactless Book B, Table 3-6) this package knows.
const (
	KernelMastercard = 2 // Book C-2
	KernelVisa       = 3 // Book C-3
	KernelAmex       = 4 // Book C-4
	KernelJCB        = 5 // Book C-5
	KernelDiscover   = 6 // Book C-6
	KernelUnionPay   = 7 // Book C-7
)

// defaultKernel is the kernel an AID's RID implies when its PPSE entry has
// no Kernel Identifier (Book B §3.3.2.5).
func defaultKernel(aid []byte) []byte {
	if len(aid) < 5 {
		return nil
	}
	switch string(aid[:5]) {
	case "\xA0\x00\x00\x00\x04":
		return []byte{KernelMastercard}
	case "\xA0\x00\x00\x00\x03":
		return []byte{KernelVisa}
	case "\xA0\x00\x00\x00\x25":
		return []byte{KernelAmex}
	case "\xA0\x00\x00\x00\x65":
		return []byte{KernelJCB}
	case "\xA0\x00\x00\x01\x52":
		return []byte{KernelDiscover}
	case "\xA0\x00\x00\x03\x33":
		return []byte{KernelUnionPay}
	}
	return nil
}

// requestedKernel is the Requested Kernel ID of a PPSE directory entry
// (Book B §3.3.2.5): the RID's default when 9F2A is absent or empty; the
// first byte (the short kernel ID) when 9F2A byte 1 b8-b7 is 00b (an
// EMVCo kernel); else the first three bytes (a domestic or proprietary
// kernel), and nil — no kernel, the entry is not a candidate — when such
// a 9F2A is shorter than 3 bytes.
func requestedKernel(c Candidate) []byte {
	k := c.KernelID
	switch {
	case len(k) == 0:
		return defaultKernel(c.AID)
	case k[0]&0xC0 == 0:
		return k[:1]
	case len(k) < 3:
		return nil
	}
	return k[:3]
}

// directory reads the PSE directory (EMV Book 1 §12.3.2) or returns
// ok=false to fall back to the list of AIDs.
func (t *txn) pse() ([]Candidate, bool, error) {
	fci, sw, err := t.exchange(emv.Select([]byte("1PAY.SYS.DDF01"), false))
	if err != nil {
		return nil, false, err
	}
	switch sw {
	case emv.SWOK:
	case emv.SWFunctionNotSupported:
		return nil, false, ErrCardBlocked
	default:
		return nil, false, nil
	}
	sfi, ok, _ := tlv.FindPath(fci, 0x6F, 0xA5, 0x88)
	if !ok || len(sfi) != 1 || sfi[0] == 0 || sfi[0] > 30 {
		return nil, false, nil
	}
	var out []Candidate
	for rec := 1; rec <= 255; rec++ {
		cmd, err := emv.ReadRecord(int(sfi[0]), rec)
		if err != nil {
			break
		}
		data, sw, err := t.exchange(cmd)
		if err != nil {
			return nil, false, err
		}
		if sw == emv.SWRecordNotFound {
			break
		}
		if sw != emv.SWOK {
			return nil, false, nil
		}
		s := tlv.NewScanner(data)
		if !s.Next() || s.Tag() != 0x70 {
			return nil, false, nil
		}
		for e := s.Descend(); e.Next(); {
			if e.Tag() == 0x61 {
				if c := entryCandidate(e.Descend()); c.AID != nil {
					if c.config = t.k.supported(c.AID); c.config != nil {
						out = append(out, c)
					}
				}
			}
		}
	}
	return out, true, nil
}

// aidList selects each configured AID in turn (EMV Book 1 §12.3.3).
func (t *txn) aidList() ([]Candidate, error) {
	var out []Candidate
	for i := range t.k.cfg.AIDs {
		a := &t.k.cfg.AIDs[i]
		next := false
		for n := 0; n < 16; n++ {
			fci, sw, err := t.exchange(emv.Select(mustHex(a.AID), next))
			if err != nil {
				return nil, err
			}
			if sw == emv.SWFunctionNotSupported && i == 0 && !next {
				return nil, ErrCardBlocked
			}
			if sw != emv.SWOK && sw != emv.SWFileDeactivated {
				break
			}
			df, _, _ := tlv.FindPath(fci, 0x6F, 0x84)
			if sw == emv.SWOK && t.k.supported(df) == a {
				c := Candidate{AID: append([]byte(nil), df...), config: a}
				if a5, ok, _ := tlv.FindPath(fci, 0x6F, 0xA5); ok {
					c2 := entryCandidate(tlv.NewScanner(a5))
					c.Label, c.Priority, c.Confirm = c2.Label, c2.Priority, c2.Confirm
					c.PreferredName, c.CodeTable = c2.PreferredName, c2.CodeTable
				}
				out = append(out, c)
			}
			if !a.PartialSelection {
				break
			}
			next = true
		}
	}
	return out, nil
}

func order(c []Candidate) {
	sort.SliceStable(c, func(i, j int) bool {
		pi, pj := c[i].Priority, c[j].Priority
		if pi == 0 {
			pi = 16
		}
		if pj == 0 {
			pj = 16
		}
		return pi < pj
	})
}

// choose orders the candidates, asks the cardholder when needed, and
// performs the final SELECT, returning the FCI. A candidate that cannot be
// selected is removed from *list.
func (t *txn) choose(list *[]Candidate) ([]byte, error) {
	cands := *list
	defer func() { *list = cands }()
	if t.hooks.Choose == nil && !t.res.Contactless {
		// Book 1 §12.4: a terminal that cannot ask the cardholder does not
		// select an application whose Application Priority Indicator asks
		// for confirmation (87 b8). (Contactless has no confirmation, Book
		// B §3.3.3.)
		cands = slices.DeleteFunc(cands, func(c Candidate) bool { return c.Confirm })
	}
	if len(cands) == 0 {
		return nil, ErrNoApplication
	}
	order(cands)
	for i := range cands {
		cands[i].Display = t.display(cands[i])
	}
	for len(cands) > 0 {
		i := 0
		if t.hooks.Choose != nil && (len(cands) > 1 || cands[0].Confirm) {
			var err error
			if i, err = t.hooks.Choose(t.ctx, cands); err != nil {
				return nil, err
			}
			if i < 0 || i >= len(cands) {
				return nil, fmt.Errorf("%w: choice %d of %d", ErrNoApplication, i, len(cands))
			}
		}
		c := cands[i]
		fci, sw, err := t.exchange(emv.Select(c.AID, false))
		if err != nil {
			return nil, err
		}
		if sw == emv.SWOK {
			t.aid, t.combo = c.config, c.combo
			t.res.AID, t.res.Label = c.AID, c.Label
			if a5, ok, _ := tlv.FindPath(fci, 0x6F, 0xA5); ok {
				f := entryCandidate(tlv.NewScanner(a5))
				if f.Label != "" {
					c.Label = f.Label
				}
				if f.PreferredName != "" {
					c.PreferredName, c.CodeTable = f.PreferredName, f.CodeTable
				}
				pref, _, _ := tlv.Find(a5, emv.TagLanguagePreference)
				t.res.Language = t.language(pref)
			} else {
				t.res.Language = t.language(nil)
			}
			t.res.Display = t.display(c)
			t.d[emv.TagApplicationIdentifier], t.d[emv.TagDFName] = c.AID, c.AID
			t.d[emv.TagAIDTerminal] = c.AID
			t.scheme = emv.SchemeOfAID(c.AID)
			// 9F1B Terminal Floor Limit (binary, 4 bytes) of this AID,
			// when configured (absent is not zero).
			if fl := t.aid.FloorLimit; fl != nil {
				t.d[emv.TagTerminalFloorLimit] = []byte{byte(*fl >> 24), byte(*fl >> 16), byte(*fl >> 8), byte(*fl)}
			}
			if a := t.aid; a.AppVersion != "" {
				t.d[emv.TagApplicationVersionNumberTerminal] = mustHex(a.AppVersion)
			}
			return fci, nil
		}
		// The application cannot be selected: remove it and choose again
		// (EMV Book 1 §12.4).
		cands = append(cands[:i], cands[i+1:]...)
	}
	return nil, ErrNoApplication
}

// display is what to show for a candidate (Book 1 §12.4, Book 4 §11.3):
// the Application Preferred Name (9F12) when the terminal supports its
// Issuer Code Table Index (9F11; Additional Terminal Capabilities byte 5
// b1-b8 code tables 1-8, byte 4 b1-b2 tables 9-10), else the Application
// Label (50).
func (t *txn) display(c Candidate) string {
	if c.PreferredName != "" && c.CodeTable >= 1 && c.CodeTable <= 10 {
		ac := t.d[emv.TagAdditionalTerminalCapabilities]
		var ok bool
		if len(ac) == 5 {
			if c.CodeTable <= 8 {
				ok = ac[4]&(1<<(c.CodeTable-1)) != 0
			} else {
				ok = ac[3]&(1<<(c.CodeTable-9)) != 0
			}
		}
		if ok {
			return c.PreferredName
		}
	}
	return c.Label
}

// language picks the language for cardholder messages (Book 4 §11.1):
// the first of the card's Language Preference (5F2D: up to four ISO 639-1
// codes, in the card's order) the terminal supports, else the terminal's
// default (its first language; "en" when none is configured).
func (t *txn) language(pref []byte) string {
	langs := t.k.cfg.Languages
	if len(langs) == 0 {
		langs = []string{"en"}
	}
	for i := 0; i+2 <= len(pref); i += 2 {
		l := strings.ToLower(string(pref[i : i+2]))
		if slices.Contains(langs, l) {
			return l
		}
	}
	return langs[0]
}
