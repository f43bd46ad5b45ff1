package tlv_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/possdk/pos/tlv"
)

func ExampleScanner() {
	field55, _ := hex.DecodeString("9F2608C2C12B098F3DA6E39F2701809F02060000000010009F360200FF")
	s := tlv.NewScanner(field55)
	for s.Next() {
		fmt.Printf("%s len %d at %d: %X\n", s.Tag(), s.Len(), s.Offset(), s.Value())
	}
	if err := s.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 9F26 len 8 at 0: C2C12B098F3DA6E3
	// 9F27 len 1 at 11: 80
	// 9F02 len 6 at 15: 000000001000
	// 9F36 len 2 at 24: 00FF
}

func ExampleScanner_error() {
	crafted, _ := hex.DecodeString("5A0847617390010100109F0288FFFFFFFFFFFFFFFF")
	err := tlv.Validate(crafted)
	fmt.Println(err)
	fmt.Println(errors.Is(err, tlv.ErrLengthTooLong))
	// Output:
	// tlv: length field longer than 4 bytes of tag 9F02 at offset 12
	// true
}

func ExampleBuilder() {
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x6F, func(b *tlv.Builder) {
		b.Add(0x84, []byte("2PAY.SYS.DDF01"))
		b.AddConstructed(0xA5, func(b *tlv.Builder) {
			b.Add(0x88, []byte{0x01})
		})
	})
	out, err := b.Bytes()
	fmt.Printf("%X %v\n", out, err)
	// Output: 6F15840E325041592E5359532E4444463031A503880101 <nil>
}

func ExampleFindPath() {
	fci, _ := hex.DecodeString("6F1B8407A0000000031010A510500B5649534120435245444954870101")
	label, ok, err := tlv.FindPath(fci, 0x6F, 0xA5, 0x50)
	fmt.Printf("%q %v %v\n", label, ok, err)
	// Output: "VISA CREDIT" true <nil>
}

func ExampleDOL() {
	// A PDOL asking for the amount (n 12, 6 bytes), the currency (n 3, 2 bytes)
	// and the unpredictable number (b, 4 bytes).
	pdol, _ := hex.DecodeString("9F02065F2A029F3704")
	d, err := tlv.ParseDOL(pdol)
	if err != nil {
		fmt.Println(err)
		return
	}
	data := d.Append(nil, func(t tlv.Tag) ([]byte, tlv.Format, bool) {
		switch t {
		case 0x9F02:
			return []byte{0x10, 0x00}, tlv.FormatNumeric, true // 10.00, right-justified
		case 0x5F2A:
			return []byte{0x01, 0x56}, tlv.FormatNumeric, true // CNY
		}
		return nil, 0, false // the unknown 9F37 is sent as zeros
	})
	fmt.Printf("%d bytes: %X\n", d.Len(), data)
	// Output: 12 bytes: 000000001000015600000000
}

func ExampleDecode() {
	raw, _ := hex.DecodeString("7008" + "5A0212349F0201FF")
	tree, err := tlv.Decode(raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tree[0].Tag, tree[0].TLVs[0].Tag, tree[0].TLVs[1].Tag)
	back, _ := tlv.Encode(tree)
	fmt.Printf("%X\n", back)
	// Output:
	// 70 5A 9F02
	// 70085A0212349F0201FF
}
