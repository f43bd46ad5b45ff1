package emv

import "fmt"

// ACMethodOf picks the application cryptogram method an issuer host must
// use for an ARQC, for every scheme this package verifies, from the AID
// (tag 84 or 4F) and the IAD (tag 9F10):
//
//   - what CryptogramMethodOf picks (Visa CVN 10/18/22, CCD version 5,
//     UnionPay PBOC/UICS CVN 01);
//   - on a Mastercard AID (RID A000000004), an M/Chip IAD (KDI, CVN,
//     CVR[6], DAC/IDN[2], counters: 18 bytes or more) whose CVN byte is
//     10, 11, 14 or 15: MChipCVN16, 17, 20 or 21;
//   - on an Interac AID (RID A000000277), a Visa-layout IAD (length,
//     DKI, CVN, ...) with CVN 85: InteracCVN133.
//
// Anything else returns an error wrapping ErrValue: guessing a method only
// turns into a cryptogram failure.
func ACMethodOf(aid, iad []byte) (ACMethod, error) {
	if m, err := CryptogramMethodOf(aid, iad); err == nil {
		return m, nil
	}
	switch {
	case SchemeOfAID(aid) == SchemeMastercard && len(iad) >= 18:
		switch c := MastercardCVN(iad[1]); c {
		case MChipCVN16, MChipCVN17, MChipCVN20, MChipCVN21:
			return c, nil
		}
	case isInteracAID(aid) && len(iad) >= 3 && int(iad[0]) == len(iad)-1 && InteracCVN(iad[2]) == InteracCVN133:
		return InteracCVN133, nil
	}
	return nil, fmt.Errorf("%w: no supported cryptogram method for AID %s with IAD %s", ErrValue, hexString(aid), hexString(iad))
}

// isInteracAID reports the Interac RID, A000000277.
func isInteracAID(aid []byte) bool {
	return len(aid) >= 5 && aid[0] == 0xA0 && aid[1] == 0 && aid[2] == 0 && aid[3] == 0x02 && aid[4] == 0x77
}
