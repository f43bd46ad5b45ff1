package iso8583_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
)

// A terminal signs in, then sends a MACed sale; the host side unpacks it.
func Example() {
	term := iso8583.Terminal{TerminalID: "50080001", MerchantID: "309310083985008", Operator: "001"}
	env := iso8583.Envelope{
		TPDU:   iso8583.TPDU{ID: 0x60, Destination: 0x0001},
		Header: iso8583.Header{AppType: 0x60, Version: 0x22},
	}
	codec := iso8583.NewCodec(iso8583.CUPSpec(), iso8583.Framing{})

	signIn, _ := codec.Pack(env, term.SignIn(1, 172, keys.ModeTDES))
	fmt.Printf("sign-in frame: %d bytes\n", len(signIn))

	// After sign-in the MAK (here a fixed test key) drives field 64.
	mak, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	mac, _ := iso8583.NewMAC(iso8583.MACCUP, mak)
	codec = codec.WithMAC(mac)

	sale := &iso8583.Transaction{
		Kind: iso8583.KindSale, PAN: "6222021234567890123", Amount: 12345, STAN: 2,
		EntryMode: "022", TerminalID: term.TerminalID, MerchantID: term.MerchantID,
		Field60: &iso8583.Field60{Batch: 172},
	}
	frame, err := codec.Pack(env, sale)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, got, err := codec.Unpack(frame)
	fmt.Println(got, err)

	frame[len(frame)-1] ^= 1 // corrupt the MAC
	_, _, err = codec.Unpack(frame)
	fmt.Println(errors.Is(err, iso8583.ErrMAC))
	// Output:
	// sign-in frame: 62 bytes
	// sale 0200 stan=000002 amount=123.45 pan=622202*********0123 tid=50080001 <nil>
	// true
}

// Describe a captured frame: the public CUP sign-in response, whose field
// 62 (working keys) stays hidden.
func ExampleCodec_DescribeFrame() {
	frame, _ := hex.DecodeString("007960000000006022000000000810003800010AC0001400017210014105100803099988303531303030303030323033303035303038303030313330393331303038333938353030380011000000420030004051DBA323AF60599287F61C7E5A9484AEEF8DE29BD3E614FCB51122D4E9B84E2A608CD9C2A4DAABF2")
	codec := iso8583.NewCodec(nil, iso8583.Framing{})
	if err := codec.DescribeFrame(os.Stdout, frame); err != nil {
		fmt.Println(err)
	}
	// Output:
	// TPDU 6000000000  header 602200000000
	// CUP POS message 0810
	//   BMP  Bitmap                                     003800010AC00014
	//   011  System Trace Audit Number                  "000172"
	//   012  Time, Local Transaction                    "100141"
	//   013  Date, Local Transaction                    "0510"
	//   032  Acquiring Institution Identification Code  "03099988"
	//   037  Retrieval Reference Number                 "051000000203"
	//   039  Response Code                              00 (approved)
	//   041  Card Acceptor Terminal Identification      "50080001"
	//   042  Card Acceptor Identification Code          "309310083985008"
	//   060  Reserved Private (CUP 60)                  "00000042003"
	//          60.1 transaction type                    "00"
	//          60.2 batch number                        "000042"
	//          60.3 network management code             "003"
	//   062  Reserved Private (CUP 62)                  [40 bytes hidden]
}

// A terminal keeps the reversal of every financial request until the
// request is answered; if it is not, it sends the reversal.
func ExampleTransaction_Reversal() {
	sale := &iso8583.Transaction{
		Kind: iso8583.KindSale, PAN: "6222021234567890123", Amount: 5000, STAN: 17,
		EntryMode: "051", ConditionCode: "00", TerminalID: "50080001", MerchantID: "309310083985008",
		Field60: &iso8583.Field60{Batch: 3},
	}
	rev, _ := sale.Reversal(iso8583.ReasonNoResponse)
	fmt.Println(rev)
	fmt.Println(rev.Validate())
	// Output:
	// reversal 0400 stan=000017 of=sale amount=50.00 pan=622202*********0123 tid=50080001 rc=98 (issuer timed out)
	// <nil>
}

func ExampleResponseCode_Meaning() {
	rc := iso8583.ResponseCode("51")
	fmt.Println(rc.Meaning(), rc.MeaningZH(), rc.Approved())
	// Output: insufficient funds 可用余额不足 false
}

// A host unpacks requests from many terminals with one codec, choosing
// each message's MAK from its own field 41.
func ExampleCodec_UnpackTransactionFor() {
	mak, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	mac, _ := iso8583.NewMAC(iso8583.MACX919, mak)
	makByTerminal := map[string]iso8583.MAC{"50080001": mac}

	sale := &iso8583.Transaction{
		Kind: iso8583.KindSale, PAN: "6222021234567890123", Amount: 100, STAN: 7,
		EntryMode: "022", TerminalID: "50080001", MerchantID: "309310083985008",
		Field60: &iso8583.Field60{Batch: 1},
	}
	body, _ := iso8583.NewCodec(nil, iso8583.Framing{}).WithMAC(mac).PackTransaction(sale)

	host := iso8583.NewCodec(nil, iso8583.Framing{}) // no MAC of its own
	got, err := host.UnpackTransactionFor(body, func(tid string) (iso8583.MAC, error) {
		m, ok := makByTerminal[tid]
		if !ok {
			return nil, errors.New("unknown terminal")
		}
		return m, nil
	})
	fmt.Println(got, err)
	// Output:
	// sale 0200 stan=000007 amount=1.00 pan=622202*********0123 tid=50080001 <nil>
}
