package emv

import (
	"fmt"

	"github.com/possdk/pos/keys"
)

// UnionPay PBOC 2.0/3.0 (JR/T 0025, UICS) cryptogram version 01, TDES.
// Sources (see testdata/cryptograms.txt for the worked examples): the IAD
// layout and CVR bits from the UICS/PBOC articles collected in the
// project's china_payments notes; the session key and ARPC formulas from
// Yifei0727/acknowledge-jr and two independent worked examples.

// PBOCSessionKey derives the PBOC AC (and secure-messaging) session key
// from a card master key: SK = TDES(MK, 00..00 || ATC) || TDES(MK, 00..00
// || ATC xor FFFF). It is neither the EMV common session key (Book 2
// A1.3) nor the EMV2000 tree. The result has odd parity (DES ignores it).
func PBOCSessionKey(mk *keys.Key, atc [2]byte) (*keys.Key, error) {
	b, err := tdesBlock(mk, "ICC master key")
	if err != nil {
		return nil, err
	}
	sk := make([]byte, 16)
	var in [8]byte
	in[6], in[7] = atc[0], atc[1]
	b.Encrypt(sk[:8], in[:])
	in[6], in[7] = ^atc[0], ^atc[1]
	b.Encrypt(sk[8:], in[:])
	return newDerived(sk, keys.UsageMAC)
}

// pbocIAD checks the fixed part of a PBOC IAD: length 07, DKI, CVN 01,
// the 4-byte CVR starting with its length 03, the algorithm identifier
// (01 TDES); optional issuer discretionary data may follow.
func pbocIAD(iad []byte) error {
	if len(iad) < 8 || iad[0] != 0x07 || iad[2] != 0x01 || iad[3] != 0x03 {
		return fmt.Errorf("%w: tag 9F10 is not a PBOC IAD (07, DKI, CVN 01, CVR 03xxxxxx, algorithm)", ErrValue)
	}
	if iad[7] != 0x01 {
		return fmt.Errorf("%w: PBOC IAD algorithm %02X: only 01 (TDES) is supported", ErrValue, iad[7])
	}
	return nil
}

// CryptogramMethodOf picks the cryptogram method an issuer host must use
// to verify an ARQC, from the AID (tag 84 or 4F) and the IAD (tag 9F10):
//
//   - a 32-byte CCD format A IAD (0F, CCI A5) is CCD version 5;
//   - a 32-byte Visa format 2 IAD with CVN 22 is VisaCVN22;
//   - a Visa format 0/1/3 IAD with CVN 0A or 12 is VisaCVN10/VisaCVN18;
//   - a 07-length IAD with CVN 01 and algorithm 01 is PBOCCVN01 on a
//     UnionPay (A000000333) or unregistered-RID AID.
//
// Anything else (M/Chip, Visa CVN 01/17, SM4 PBOC cards) returns an error
// wrapping ErrValue: the method is not supported, and guessing one would
// only turn into a cryptogram failure.
func CryptogramMethodOf(aid, iad []byte) (CryptogramMethod, error) {
	s := SchemeOfAID(aid)
	i, err := ParseIAD(iad, s)
	if err != nil {
		return 0, err
	}
	switch {
	case i.Format == IADCCD && i.CCI == 0xA5:
		return CCD, nil
	case i.Format == IADVisa2 && i.CVN == 0x22:
		return VisaCVN22, nil
	case i.Format == IADVisa && s != SchemeUnionPay && i.CVN == 0x0A:
		return VisaCVN10, nil
	case i.Format == IADVisa && s != SchemeUnionPay && i.CVN == 0x12:
		return VisaCVN18, nil
	case i.Format == IADVisa && (s == SchemeUnionPay || s == SchemeEMV) && pbocIAD(iad) == nil:
		return PBOCCVN01, nil
	}
	return 0, fmt.Errorf("%w: no supported cryptogram method for AID %s with IAD %s (%v, CVN %02X)",
		ErrValue, hexString(aid), hexString(iad), i.Format, i.CVN)
}
