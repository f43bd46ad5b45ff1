package pinblock

import (
	"fmt"
	"io"

	"github.com/possdk/pos/keys"
)

// NewCipher returns a Cipher for format f under the PIN key k. Formats 0 to
// 3 take a TDES key (double or triple length; single DES only if k was built
// with keys.Legacy, as CUP key mode 001 working keys are); format 4 takes an
// AES key (ISO 9564-1:2017 format 4) or an SM4 key (GB/T 21078.4-2023 approves
// SM4 for PIN encipherment; the format 4 construction is used unchanged, as
// no public specification of a UnionPay-specific SM4 PIN block was found).
// A key whose usage is set to anything but keys.UsagePIN is refused: key
// separation forbids enciphering PINs under a MAC or data key. Random fill
// comes from rand, or crypto/rand when rand is nil.
func NewCipher(k *keys.Key, f Format, rand io.Reader) (*Cipher, error) {
	if !f.valid() {
		return nil, fmt.Errorf("%w: %s", ErrFormat, f)
	}
	if k.IsZeroed() {
		return nil, fmt.Errorf("%w: key is zeroed or unset", ErrKey)
	}
	alg := k.Algorithm()
	ok := alg == keys.TDES2 || alg == keys.TDES3 || alg == keys.DES
	if f == Format4 {
		ok = alg.IsAES() || alg == keys.SM4
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s cannot encipher %s PIN blocks", ErrKey, alg, f)
	}
	if u := k.Usage(); u != keys.UsageUnspecified && u != keys.UsagePIN {
		return nil, fmt.Errorf("%w: key usage is %s, not PIN", ErrKey, u)
	}
	b, err := k.Block()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	c, err := FromBlock(b, f, rand)
	if err != nil {
		return nil, err
	}
	c.desc = k.String()
	return c, nil
}
