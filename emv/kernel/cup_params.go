package kernel

import (
	"encoding/hex"
	"fmt"

	"github.com/possdk/pos/tlv"
)

// ParseCUPAIDParams reads one AID record of a UnionPay (CUP) acquirer's IC
// card parameter download — the TLV list a CUP host sends a POS terminal
// for each application, also the form Chinese POS SDKs take it in — into
// the terminal's configuration for that AID:
//
//	9F06  AID (5-16 bytes)                    → AID
//	DF01  Application Selection Indicator     → PartialSelection (00: partial match allowed, 01: exact)
//	9F09  application version, terminal       → AppVersion (9F08 when 9F09 is absent)
//	DF11  TAC default                         → TACDefault
//	DF12  TAC online                          → TACOnline
//	DF13  TAC denial                          → TACDenial
//	9F1B  terminal floor limit (b4)           → FloorLimit
//	DF15  threshold for biased random selection (b4)       → Threshold
//	DF16  maximum target percentage (n2)      → MaxTargetPercent
//	DF17  target percentage (n2)              → TargetPercent
//	DF14  default DDOL                        → DefaultDDOL
//	DF18  terminal online PIN capability      → not kept (the terminal's 9F33 says it)
//	9F7B  EC terminal transaction limit (n12) → Kernel7.ECTransactionLimit
//	DF19  contactless reader offline floor limit (n12)     → ContactlessFloorLimit
//	DF20  contactless reader transaction limit (n12)       → ContactlessLimit
//	DF21  contactless reader CVM limit (n12)  → ContactlessCVMLimit
//
// The tag meanings are those of the CUP parameter download as published
// POS SDKs document them (the UnionPay specification itself was not at
// hand; see testdata/cup_aid_params.txt for the records and their
// sources). Amounts are minor units (fen). Other tags are ignored, as
// hosts add their own. EC support (9F7A) is not switched on by a 9F7B
// limit alone: set Kernel7.ECTerminalSupport when the terminal does
// electronic cash.
func ParseCUPAIDParams(b []byte) (AIDConfig, error) {
	var a AIDConfig
	bad := func(tag tlv.Tag, why string) error {
		return fmt.Errorf("%w: CUP AID parameters: %s %s", ErrConfig, tag, why)
	}
	s := tlv.NewScanner(b)
	seen := map[tlv.Tag]bool{}
	for s.Next() {
		tag, v := s.Tag(), s.Value()
		if seen[tag] {
			return a, bad(tag, "appears twice")
		}
		seen[tag] = true
		switch tag {
		case 0x9F06:
			if len(v) < 5 || len(v) > 16 {
				return a, bad(tag, "is not 5 to 16 bytes")
			}
			a.AID = hex.EncodeToString(v)
		case 0xDF01:
			if len(v) != 1 || v[0] > 1 {
				return a, bad(tag, "is not 00 or 01")
			}
			a.PartialSelection = v[0] == 0
		case 0x9F08, 0x9F09:
			if len(v) != 2 {
				return a, bad(tag, "is not 2 bytes")
			}
			if tag == 0x9F09 || a.AppVersion == "" {
				a.AppVersion = hex.EncodeToString(v)
			}
		case 0xDF11, 0xDF12, 0xDF13:
			if len(v) != 5 {
				return a, bad(tag, "is not 5 bytes")
			}
			*map[tlv.Tag]*string{0xDF11: &a.TACDefault, 0xDF12: &a.TACOnline, 0xDF13: &a.TACDenial}[tag] = hex.EncodeToString(v)
		case 0x9F1B, 0xDF15:
			if len(v) != 4 {
				return a, bad(tag, "is not 4 bytes")
			}
			n := int64(v[0])<<24 | int64(v[1])<<16 | int64(v[2])<<8 | int64(v[3])
			if tag == 0x9F1B {
				a.FloorLimit = &n
			} else {
				a.Threshold = n
			}
		case 0xDF16, 0xDF17:
			p, ok := bcd(v)
			if len(v) != 1 || !ok || p > 99 {
				return a, bad(tag, "is not a percentage (n2)")
			}
			if tag == 0xDF16 {
				a.MaxTargetPercent = int(p)
			} else {
				a.TargetPercent = int(p)
			}
		case 0xDF14:
			if _, err := tlv.ParseDOL(v); err != nil {
				return a, bad(tag, "is not a DOL")
			}
			a.DefaultDDOL = hex.EncodeToString(v)
		case 0x9F7B, 0xDF19, 0xDF20, 0xDF21:
			n, ok := bcd(v)
			if len(v) != 6 || !ok {
				return a, bad(tag, "is not an amount (n12)")
			}
			switch tag {
			case 0x9F7B:
				a.Kernel7 = &Kernel7Config{ECTransactionLimit: &n}
			case 0xDF19:
				a.ContactlessFloorLimit = &n
			case 0xDF20:
				a.ContactlessLimit = &n
			case 0xDF21:
				a.ContactlessCVMLimit = &n
			}
		}
	}
	if err := s.Err(); err != nil {
		return a, fmt.Errorf("%w: CUP AID parameters: %w", ErrConfig, err)
	}
	switch {
	case a.AID == "":
		return a, fmt.Errorf("%w: CUP AID parameters: no AID (9F06)", ErrConfig)
	case a.TACDefault == "" || a.TACOnline == "" || a.TACDenial == "":
		return a, fmt.Errorf("%w: CUP AID parameters for %s: the three TACs (DF11, DF12, DF13) are required", ErrConfig, a.AID)
	}
	if a.MaxTargetPercent < a.TargetPercent {
		return a, fmt.Errorf("%w: CUP AID parameters for %s: maximum target percentage below the target percentage", ErrConfig, a.AID)
	}
	return a, nil
}

// bcd reads packed decimal digits (format n).
func bcd(v []byte) (int64, bool) {
	var n int64
	for _, c := range v {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return 0, false
		}
		n = n*100 + int64(hi)*10 + int64(lo)
	}
	return n, true
}
