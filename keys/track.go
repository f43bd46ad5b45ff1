package keys

import (
	"crypto/cipher"
	"fmt"
)

// CUP terminals protect track 2 and track 3 (fields 35, 36) with the TDK by
// encrypting one block of the packed track in place (CUP POS spec,
// 磁道加密: "取磁道数据, 去掉最后一个字节, 从倒数第二个字节往前取8个字节
// 作为TDB, 用TDK加密后替换原位置"). The last byte is left clear so the pad
// nibble of an odd-length track stays where the receiver expects it.
// Public sources agree on this rule: the host-side code in bestpay's
// TrackDecryption.java decrypts digits [n-17, n-1) of an odd-length track and
// [n-18, n-2) of an even one, which is exactly the 8 bytes before the last
// byte of the packed form; 国密 (SM4) terminals use 16 bytes (digits
// [n-33, n-1) / [n-34, n-2) there).

// EncryptTrack encrypts the packed track data in place: the block (8 bytes
// for TDES, 16 for SM4) just before the last byte. track is the field 35 or
// 36 value without its length prefix: BCD digits, '=' as D, left-aligned
// and padded with F. The result's nibbles are arbitrary hex, so the field
// encoder must accept A-F.
func EncryptTrack(b cipher.Block, track []byte) error {
	tdb, err := trackBlock(b, track)
	if err != nil {
		return err
	}
	b.Encrypt(tdb, tdb)
	return nil
}

// DecryptTrack reverses EncryptTrack in place.
func DecryptTrack(b cipher.Block, track []byte) error {
	tdb, err := trackBlock(b, track)
	if err != nil {
		return err
	}
	b.Decrypt(tdb, tdb)
	return nil
}

func trackBlock(b cipher.Block, track []byte) ([]byte, error) {
	bs := b.BlockSize()
	if len(track) < bs+1 {
		return nil, fmt.Errorf("%w: %d bytes, need at least %d (one %d-byte block plus the last byte)", ErrTrack, len(track), bs+1, bs)
	}
	end := len(track) - 1
	return track[end-bs : end], nil
}
