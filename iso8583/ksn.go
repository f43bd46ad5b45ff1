package iso8583

import (
	"fmt"
	"slices"
	"strings"
)

// Key serial number lengths Transaction.KSN accepts.
const (
	// KSNLenTDES is a TDES DUKPT KSN: 80 bits (ANSI X9.24-1:2009 A.1).
	KSNLenTDES = 10
	// KSNLenAES is an AES DUKPT KSN: 96 bits (ANSI X9.24-3-2017 6.1).
	KSNLenAES = 12
)

// transactionFields are the fields a Transaction types; a KSN field must
// not take one of them (nor 64 or 128, the MAC).
var transactionFields = []int{2, 3, 4, 11, 12, 13, 14, 15, 22, 23, 25, 26, 32, 35, 36, 37, 38, 39,
	41, 42, 43, 44, 48, 49, 52, 53, 54, 55, 58, 59, 60, 61, 62, 63, 64, 128}

// WithKSNField makes field carry Transaction.KSN, the key serial number of
// the DUKPT PIN block in field 52, and defines it in spec as binary LLVAR
// of at most 12 bytes, with the length prefix the spec's other LL fields
// use (for CUPSpec the BCD LL prefix: one byte of two BCD digits counting
// bytes). It returns spec. Call it before the spec is used.
//
// Where the KSN goes is the acquirer's choice. ISO 13492 puts the key
// management data of a PIN block (for DUKPT, the KSN) in the security
// related control information of ISO 8583:1993 (DE 53, or DE 96); the CUP
// POS dialect has no such element (its field 53 is n16 BCD, three digits
// of which are defined, and cannot hold a hex KSN), so an acquirer running
// DUKPT PIN pads names a field, usually a private one its spec leaves
// free. Terminal and host must agree on it.
//
// A field the spec already defines, or one a Transaction types (2-63 as
// listed on Transaction, 64 and 128), or one outside the spec's bitmap, is
// refused: every Codec or Scanner over spec then fails with an error
// wrapping ErrPack that says why.
func WithKSNField(spec *Spec, field int) *Spec {
	spec.ksnField, spec.ksnErr = 0, nil
	switch {
	case field < 2 || field > 128 || (field > 64 && !spec.SecondaryBitmap):
		spec.ksnErr = fmt.Errorf("%w: spec %q: KSN field %d is outside the bitmap", ErrPack, spec.Name, field)
	case slices.Contains(transactionFields, field):
		spec.ksnErr = fmt.Errorf("%w: spec %q: KSN field %d is a field Transaction already uses", ErrPack, spec.Name, field)
	case spec.Fields[field] != nil:
		spec.ksnErr = fmt.Errorf("%w: spec %q: KSN field %d is already defined (%s)", ErrPack, spec.Name, field, spec.Fields[field].Description)
	}
	if spec.ksnErr != nil {
		return spec
	}
	ll := llPrefixer(spec)
	if ll == nil {
		spec.ksnErr = fmt.Errorf("%w: spec %q has no LL field whose length prefix the KSN field could use", ErrPack, spec.Name)
		return spec
	}
	spec.Fields[field] = bin(KSNLenAES, "Key Serial Number (DUKPT, of field 52)", ll)
	spec.ksnField = field
	return spec
}

// KSNField returns the field WithKSNField chose for Transaction.KSN, 0 if
// none.
func (s *Spec) KSNField() int { return s.ksnField }

// llPrefixer returns the LL length prefix of the lowest-numbered field of
// spec that has one (Inspect "BCD.LL", "ASCII.LL" ...).
func llPrefixer(spec *Spec) Prefixer {
	for id := 2; id <= 128; id++ {
		f := spec.Fields[id]
		if f != nil && f.Packer == nil && f.Pref != nil && strings.HasSuffix(f.Pref.Inspect(), ".LL") {
			return f.Pref
		}
	}
	return nil
}

// checkKSN checks a KSN's length: 10 bytes (TDES DUKPT) or 12 (AES DUKPT).
func checkKSN(ksn []byte) error {
	if n := len(ksn); n != KSNLenTDES && n != KSNLenAES {
		return fmt.Errorf("KSN of %d bytes, want %d (TDES DUKPT, X9.24-1) or %d (AES DUKPT, X9.24-3)", n, KSNLenTDES, KSNLenAES)
	}
	return nil
}
