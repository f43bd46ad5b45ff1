package leaktest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/pgstore"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
	"github.com/possdk/pos/pinblock"
	"github.com/possdk/pos/qr"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/msr"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

const module = "github.com/possdk/pos"

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func tdes(t *testing.T, h string) *keys.Key {
	return must[*keys.Key](t)(keys.New(keys.TDES2, mustHex(h)))
}

// icc is field 55 / the kernel's data with the card data tags a chip card
// gives: 5A (PAN), 57 (track 2 equivalent), 9F6B (contactless track 2),
// 5F20 (cardholder name), 56 (track 1).
func icc() []byte {
	t2 := bcd(strings.ReplaceAll(track2, "=", "D"))
	b := tlv.AppendTLV(nil, 0x5A, bcd(pan))
	b = tlv.AppendTLV(b, 0x57, t2)
	b = tlv.AppendTLV(b, 0x9F6B, t2)
	b = tlv.AppendTLV(b, 0x5F20, []byte(name))
	b = tlv.AppendTLV(b, 0x56, []byte("B"+pan+"^"+name+"^"+expiry+svc+discr))
	b = tlv.AppendTLV(b, 0x9F26, mustHex("1122334455667788"))
	return b
}

func emvData(t *testing.T) emv.Data {
	d := emv.Data{}
	if _, err := d.AddTLV(icc()); err != nil {
		t.Fatal(err)
	}
	return d
}

func emvTrack2(t *testing.T) emv.Track2 {
	return must[emv.Track2](t)(emv.ParseTrack2(track2))
}

func emvTrack1(t *testing.T) emv.Track1 {
	return must[emv.Track1](t)(emv.ParseTrack1("B" + pan + "^" + name + "^" + expiry + svc + discr))
}

func working(t *testing.T) *keys.WorkingKeys {
	return &keys.WorkingKeys{Mode: keys.ModeTDES, PIN: tdes(t, keyHex), MAC: tdes(t, key2Hex), Data: tdes(t, lmkHex)}
}

func txn() *iso8583.Transaction {
	return &iso8583.Transaction{Kind: iso8583.KindSale, PAN: pan, Amount: 100, STAN: 7, Expiry: expiry,
		Track2: iso8583.Track(track2), Track3: iso8583.Track("99" + pan + "=" + discr), PINBlock: mustHex(pinBlkHex),
		ICC: icc(), Field62: mustHex(keyHex)}
}

func pin(t *testing.T) pinblock.PIN {
	return must[pinblock.PIN](t)(pinblock.ParsePIN([]byte(pinDigits)))
}

func cpm(t *testing.T) *qr.CPM {
	app := tlv.AppendTLV(nil, 0x4F, mustHex("A000000333010101"))
	app = tlv.AppendTLV(app, 0x5A, bcd(pan))
	app = tlv.AppendTLV(app, 0x57, bcd(strings.ReplaceAll(track2, "=", "D")))
	payload := tlv.AppendTLV(nil, 0x85, []byte("CPV01"))
	payload = tlv.AppendTLV(payload, 0x61, app)
	return must[*qr.CPM](t)(qr.ParseCPM(b64(payload)))
}

// simProfile is testdata/unionpay_sda.json (a copy of
// reader/sim/testdata/unionpay_sda.json) with this test's secrets.
func simProfile(t *testing.T) sim.Profile {
	p := must[*sim.Profile](t)(sim.LoadProfileFile("testdata/unionpay_sda.json"))
	p.PIN = pinDigits
	a := &p.Apps[0]
	a.PAN, a.Name, a.IMK, a.IMKSMI, a.IMKSMC = pan, name, keyHex, key2Hex, lmkHex
	return *p
}

// table is every exported type of the module that can hold a secret, with
// a value holding all the secrets it can. TestTableComplete keeps it
// complete.
func table() []entry {
	return []entry{
		// keys
		{make: func(t *testing.T) any { return tdes(t, keyHex) }},
		{make: func(t *testing.T) any {
			return &keys.Component{Bytes: mustHex(keyHex), CheckValue: mustHex("AABBCC")}
		}},
		{make: func(t *testing.T) any { return working(t) }},
		// keys/dukpt
		{make: func(t *testing.T) any { return must[*dukpt.TDESHost](t)(dukpt.NewTDESHost(tdes(t, keyHex))) }},
		{make: func(t *testing.T) any {
			return must[*dukpt.AESHost](t)(dukpt.NewAESHost(must[*keys.Key](t)(keys.New(keys.AES128, mustHex(keyHex)))))
		}},
		{make: func(t *testing.T) any {
			return must[*dukpt.TDESTerminal](t)(dukpt.NewTDESTerminal(tdes(t, keyHex), dukpt.KSN{0xFF, 0xFF, 1, 2, 3, 4, 5, 0xE0, 0, 0}))
		}},
		{make: func(t *testing.T) any {
			return must[*dukpt.AESTerminal](t)(dukpt.NewAESTerminal(must[*keys.Key](t)(keys.New(keys.AES128, mustHex(keyHex))), [8]byte{1, 2, 3, 4, 5, 6, 7, 8}))
		}},
		{make: func(t *testing.T) any {
			tt := must[*dukpt.TDESTerminal](t)(dukpt.NewTDESTerminal(tdes(t, keyHex), dukpt.KSN{0xFF, 0xFF, 1, 2, 3, 4, 5, 0xE0, 0, 0}))
			return must[*dukpt.TDESKey](t)(tt.Next())
		}},
		{make: func(t *testing.T) any {
			tt := must[*dukpt.AESTerminal](t)(dukpt.NewAESTerminal(must[*keys.Key](t)(keys.New(keys.AES128, mustHex(keyHex))), [8]byte{1, 2, 3, 4, 5, 6, 7, 8}))
			return must[*dukpt.AESKey](t)(tt.Next())
		}},
		// pinblock
		{make: func(t *testing.T) any {
			return &pinblock.IBM3624{PVK: tdes(t, keyHex), DecimalizationTable: "0123456789012345", ValidationData: panMiddle}
		}},
		{make: func(t *testing.T) any { p := pin(t); return &p }},
		{make: func(t *testing.T) any {
			return must[*pinblock.Cipher](t)(pinblock.NewCipher(tdes(t, keyHex), pinblock.Format0, rand.Reader))
		}},
		// emv
		{make: func(t *testing.T) any { p := must[emv.PAN](t)(emv.ParsePAN(pan)); return &p }},
		{make: func(t *testing.T) any { v := emvTrack1(t); return &v }},
		{make: func(t *testing.T) any { v := emvTrack2(t); return &v }},
		{make: func(t *testing.T) any { d := emvData(t); return &d }},
		{make: func(t *testing.T) any { return &emv.ACKeys{Master: tdes(t, keyHex), Session: tdes(t, key2Hex)} }},
		// emv/kernel
		{make: func(t *testing.T) any {
			return &kernel.OnlineRequest{Field55: icc(), PAN: must[emv.PAN](t)(emv.ParsePAN(pan)), PSN: "01",
				Track2: bcd(strings.ReplaceAll(track2, "=", "D")), Expiry: expiry, PINBlock: mustHex(pinBlkHex), Amount: 100, Data: emvData(t)}
		}},
		{make: func(t *testing.T) any {
			return &kernel.Result{PAN: must[emv.PAN](t)(emv.ParsePAN(pan)), OnlinePINBlock: mustHex(pinBlkHex), Field55: icc(), Data: emvData(t)}
		}},
		{make: func(t *testing.T) any {
			return &kernel.OnlineResponse{Approved: true, ARC: [2]byte{'0', '0'}, Field55: icc()}
		}},
		{make: func(t *testing.T) any {
			q := &kernel.OnlineRequest{Field55: icc(), PAN: must[emv.PAN](t)(emv.ParsePAN(pan)), Track2: bcd(strings.ReplaceAll(track2, "=", "D")), PINBlock: mustHex(pinBlkHex), Data: emvData(t)}
			return &kernel.Step{Online: q, Result: &kernel.Result{PAN: q.PAN, OnlinePINBlock: mustHex(pinBlkHex), Field55: icc(), Data: emvData(t)}}
		}},
		// emv/oda
		{make: func(t *testing.T) any {
			return &oda.ICCPublicKey{PAN: bcd(pan), Expiry: mustHex("1225"), Serial: mustHex("010203"), Modulus: mustHex("C0FFEE"), Exponent: []byte{3}}
		}},
		// qr
		{make: func(t *testing.T) any { return cpm(t) }},
		{make: func(t *testing.T) any { c := cpm(t); p := c.PAN(0); return &p }},
		{make: func(t *testing.T) any { c := cpm(t); v := c.Track2(0); return &v }},
		{make: func(t *testing.T) any { c := cpm(t); v := c.Apps[0]; return &v }},
		{make: func(t *testing.T) any { c := cpm(t); v := c.Apps[0].Elements[1]; return &v }},
		{make: func(t *testing.T) any { s := must[qr.Scanned](t)(qr.Recognize(payCode)); return &s.Code }},
		{make: func(t *testing.T) any { s := must[qr.Scanned](t)(qr.Recognize(payCode)); return &s }},
		// iso8583
		{make: func(t *testing.T) any { v := iso8583.PAN(pan); return &v }},
		{make: func(t *testing.T) any { v := iso8583.Track(track2); return &v }},
		{make: func(t *testing.T) any { v := iso8583.PINBlock(mustHex(pinBlkHex)); return &v }},
		{make: func(t *testing.T) any { v := iso8583.Hidden(icc()); return &v }},
		{make: func(t *testing.T) any { return txn() }},
		// iso8583/link
		{make: func(t *testing.T) any {
			return &link.Card{PAN: pan, Track2: iso8583.Track(track2), Track3: iso8583.Track("99" + pan + "=" + discr), Expiry: expiry, EntryMode: "051", ICC: icc()}
		}},
		{make: func(t *testing.T) any {
			return &link.Request{Txn: txn(), Keys: link.TerminalKeys{TMK: tdes(t, lmkHex), Working: working(t)}, PIN: mustHex(pinBlkHex)}
		}},
		{make: func(t *testing.T) any {
			return &link.Entry{ID: 1, Payload: []byte(`{"PAN":"` + pan + `","Track2":"` + track2 + `"}`)}
		}},
		{make: func(t *testing.T) any { return &link.Result{Request: txn(), Response: txn()} }},
		{make: func(t *testing.T) any {
			return &link.ScanResult{Code: "6288**********1234", Request: txn(), Response: txn()}
		}},
		{make: func(t *testing.T) any { return &link.TxnRecord{ID: 1, Txn: txn(), Reversal: txn()} }},
		{make: func(t *testing.T) any { return &link.Alarm{Terminal: "T1", PAN: pan, Amount: 1} }},
		{make: func(t *testing.T) any { return &link.Answer{IssuerData: icc(), Keys: mustHex(keyHex)} }},
		{make: func(t *testing.T) any { return &link.IssuerResult{ICC: icc()} }},
		{make: func(t *testing.T) any {
			return &link.TerminalKeys{TMK: tdes(t, lmkHex), Working: working(t), Previous: working(t), Recent: []*keys.WorkingKeys{working(t)}}
		}},
		{make: func(t *testing.T) any { v := link.TerminalKeys{Working: working(t)}; return &v }}, // nil TMK: must not panic
		{make: func(t *testing.T) any {
			return &link.Config{TMK: tdes(t, lmkHex)}
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			zpk := must[*pinblock.Cipher](t)(pinblock.NewCipher(tdes(t, key2Hex), pinblock.Format0, rand.Reader))
			ks := link.NewMemoryKeyStore()
			ks.AddTerminal("T1", tdes(t, lmkHex))
			return must[*link.Host](t)(link.NewHost(link.HostConfig{Keys: ks, CardKey: mustHex(keyHex), ZPK: zpk}))
		}},
		{make: func(t *testing.T) any {
			zpk := must[*pinblock.Cipher](t)(pinblock.NewCipher(tdes(t, key2Hex), pinblock.Format0, rand.Reader))
			return &link.HostConfig{Keys: link.NewMemoryKeyStore(), CardKey: mustHex(keyHex), ZPK: zpk}
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			dir := t.TempDir()
			j := must[*link.Journal](t)(link.OpenJournal(filepath.Join(dir, "j"), link.WithSealKey([]byte("leaktest journal sealing key, 32"))))
			ctr := must[*link.Counters](t)(link.OpenCounters(filepath.Join(dir, "c")))
			t.Cleanup(func() { j.Close(); ctr.Close() })
			return must[*link.Client](t)(link.NewClient(link.Config{Journal: j, Counters: ctr, TMK: tdes(t, lmkHex),
				Terminal: iso8583.Terminal{TerminalID: "T1", MerchantID: "M1"}}))
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			p := must[*link.DUKPTPINPad](t)(link.LoadDUKPTPINPad(filepath.Join(t.TempDir(), "pinpad"), []byte("leaktest PIN pad sealing key, 32"),
				tdes(t, keyHex), dukpt.KSN{0xFF, 0xFF, 1, 2, 3, 4, 5, 0xE0, 0, 0}))
			t.Cleanup(func() { p.Close() })
			return p
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			return must[*pgstore.KeyStore](t)(pgstore.NewKeyStorePool(nil, mustHex(keyHex+key2Hex)))
		}},
		{make: func(t *testing.T) any {
			p := simProfile(t)
			return reader.NewTransport(must[*sim.Card](t)(sim.New(&p)), reader.TransportOptions{})
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			ks := link.NewMemoryKeyStore()
			ks.AddTerminal("T1", tdes(t, lmkHex))
			return ks
		}},
		{make: func(t *testing.T) any {
			return &link.HostTxn{Key: link.TxnKey{TID: "T1", Batch: 1, STAN: 7, MTI: "0200"}, Kind: iso8583.KindSale, CardMasked: "623198*********8762",
				Answer: link.Answer{RC: "00", IssuerData: icc(), Keys: mustHex(keyHex)}}
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			s := link.NewMemoryStore()
			k := link.TxnKey{TID: "T1", Batch: 1, STAN: 7, MTI: "0200"}
			err := s.Update(context.Background(), []link.TxnKey{k}, func(recs []*link.HostTxn) error {
				recs[0] = &link.HostTxn{Kind: iso8583.KindSale, Answer: link.Answer{RC: "00", IssuerData: icc(), Keys: mustHex(keyHex)}}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			l := &link.Limits{CardCount: 5}
			l.Check(txn())
			return l
		}},
		{storable: true, make: func(t *testing.T) any {
			w := &hsm.WorkingKeys{Mode: keys.ModeTDES, Field62: mustHex(keyHex), PIN: hsm.KeyBlock("D0112P0TE00E0000" + key2Hex)}
			return &link.TerminalKeyBlocks{TMK: hsm.KeyBlock("D0112K0TE00E0000" + lmkHex), Working: w, Previous: w, Recent: []*hsm.WorkingKeys{w}}
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			s := link.NewMemoryTerminalKeyStore()
			s.AddTerminal("T1", hsm.KeyBlock("D0112K0TE00E0000"+lmkHex))
			return s
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			ks := link.NewMemoryKeyStore()
			ks.AddTerminal("T1", tdes(t, lmkHex))
			if err := ks.SetWorkingKeys("T1", working(t)); err != nil {
				t.Fatal(err)
			}
			h := must[*link.KeyStoreHSM](t)(link.NewKeyStoreHSM(ks, nil))
			if _, err := h.TerminalKeyBlocks("T1"); err != nil {
				t.Fatal(err)
			}
			return h
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			return &link.SimIssuer{PINs: map[string]string{pan: pinDigits}}
		}},
		// hsm
		{storable: true, make: func(t *testing.T) any { v := hsm.KeyBlock("D0112P0TE00E0000" + lmkHex + keyHex); return &v }},
		{make: func(t *testing.T) any { return &hsm.ARQCRequest{PAN: pan, PSN: "01"} }},
		{make: func(t *testing.T) any {
			return &hsm.CardValueRequest{PAN: pan, Expiry: expiry, ServiceCode: svc, Track: bcd(strings.ReplaceAll(track2, "=", "D"))}
		}},
		{make: func(t *testing.T) any { return &hsm.PINBlockRef{Block: mustHex(pinBlkHex)} }},
		{make: func(t *testing.T) any { return &hsm.PINTranslation{PAN: pan, Block: mustHex(pinBlkHex)} }},
		{make: func(t *testing.T) any { return &hsm.PINVerification{PAN: pan, Block: mustHex(pinBlkHex)} }},
		{make: func(t *testing.T) any {
			return &hsm.ScriptRequest{PAN: pan, PSN: "01", NewPIN: &hsm.PINBlockRef{Block: mustHex(pinBlkHex)}}
		}},
		{storable: true, make: func(t *testing.T) any {
			return &hsm.WorkingKeys{Mode: keys.ModeTDES, Field62: mustHex(keyHex), PIN: hsm.KeyBlock("D0112P0TE00E0000" + key2Hex)}
		}},
		{ptrOnly: true, make: func(t *testing.T) any {
			return must[*hsm.Software](t)(hsm.NewSoftware(hsm.SoftwareConfig{LMK: must[*keys.Key](t)(keys.New(keys.AES128, mustHex(lmkHex)))}))
		}},
		{make: func(t *testing.T) any {
			return &hsm.SoftwareConfig{LMK: must[*keys.Key](t)(keys.New(keys.AES128, mustHex(lmkHex)))}
		}},
		// reader/msr, reader/sim
		{make: func(t *testing.T) any {
			t1, t2 := emvTrack1(t), emvTrack2(t)
			return &msr.Swipe{Track1: &t1, Track2: &t2}
		}},
		{make: func(t *testing.T) any { p := simProfile(t); return &p }},
		{make: func(t *testing.T) any { p := simProfile(t); return &p.Apps[0] }},
		{ptrOnly: true, make: func(t *testing.T) any { p := simProfile(t); return must[*sim.Card](t)(sim.New(&p)) }},
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
