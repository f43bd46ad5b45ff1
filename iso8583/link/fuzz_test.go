package link

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/possdk/pos/iso8583"
)

// FuzzHostServeFrame feeds arbitrary frames to a host with a signed-in
// terminal: no panic, any answer is a well-formed frame, and nothing that
// does not carry the terminal's valid MAC is ever authorised or recorded
// (the issuer's approvals and the store's records change only for frames
// that verify under the terminal's keys).
func FuzzHostServeFrame(f *testing.F) {
	e := newTestEnv(f, false, nil)
	c, _ := e.terminal(f, f.TempDir(), "50080200", nil)
	ctx := context.Background()
	if err := c.SignIn(ctx); err != nil {
		f.Fatal(err)
	}
	s := &iso8583.Transaction{Kind: iso8583.KindSale, Amount: 100, STAN: 7,
		TerminalID: "50080200", MerchantID: c.cfg.Terminal.MerchantID, Field60: &iso8583.Field60{Batch: 1}}
	testCard().apply(s)
	sale, err := c.codec.Pack(c.cfg.Envelope, s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sale)
	f.Add(sale[:20])
	signIn, _ := c.base.Pack(c.cfg.Envelope, c.cfg.Terminal.SignIn(9, 1, c.cfg.KeyMode))
	f.Add(signIn)
	store := e.host.StoreOf().(*MemoryStore)
	f.Fuzz(func(t *testing.T, frame []byte) {
		approved, records := e.issuer.Stats().Approved, store.Len()
		resp := e.host.ServeFrame(ctx, frame)
		if e.issuer.Stats().Approved != approved || store.Len() > records {
			_, req, err := c.codec.Unpack(frame)
			if err == nil && !req.MACVerified && req.Kind.RequiresMAC() {
				err = errors.New("MAC not verified")
			}
			if err != nil && !isSignIn(frame) {
				t.Fatalf("a frame without a valid MAC changed the books (approvals %d -> %d, records %d -> %d): %v",
					approved, e.issuer.Stats().Approved, records, store.Len(), err)
			}
			_ = req
		}
		if resp == nil {
			return
		}
		if _, _, err := c.base.Unframe(resp); err != nil {
			t.Fatalf("malformed response frame: %v", err)
		}
	})
}

// FuzzScanKey checks the client's response matcher, which reads only
// fields 0, 11 and 41, against a full unpack of the same frame (the
// oracle): whenever the whole message decodes with a numeric field 11 and
// a field 41, the key is that message's (MTI with a response's odd third
// digit made even, ISO 8583-1:2003 §5.3.1; STAN; terminal ID without
// trailing spaces) and the response flag is the MTI's; a refusal wraps
// ErrMismatch or iso8583.ErrFrame.
func FuzzScanKey(f *testing.F) {
	codec := iso8583.NewCodec(nil, iso8583.Framing{})
	t := &iso8583.Transaction{Kind: iso8583.KindSignIn, STAN: 172, TerminalID: "50080001", MerchantID: "309310083985008",
		Field60: &iso8583.Field60{Batch: 1, NetMgmt: "003"}}
	fr, err := codec.Pack(iso8583.Envelope{}, t)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fr)
	m := iso8583.NewMessage("0810")
	for id, v := range map[int]string{11: "000172", 39: "00", 41: "50080001"} {
		if err := m.Set(id, v); err != nil {
			f.Fatal(err)
		}
	}
	if body, err := codec.PackMessage(m); err == nil {
		if fr, err := codec.Frame(iso8583.Envelope{}, body); err == nil {
			f.Add(fr)
		}
	}
	key := ScanKey(codec)
	f.Fuzz(func(t *testing.T, frame []byte) {
		k, resp, err := key(frame)
		if err != nil && !errors.Is(err, ErrMismatch) && !errors.Is(err, iso8583.ErrFrame) {
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		if err == nil && len(k.MTI) != 4 {
			t.Fatalf("key %v with a bad MTI", k)
		}
		_, body, ferr := codec.Unframe(frame)
		if ferr != nil {
			return
		}
		m, merr := codec.UnpackUnverified(body)
		if merr != nil || !m.Has(11) || !m.Has(41) {
			return
		}
		stan, serr := strconv.ParseUint(m.Field(11), 10, 32)
		mti := m.MTI()
		if serr != nil || len(mti) != 4 || mti[2] < '0' || mti[2] > '9' {
			return
		}
		if err != nil {
			t.Fatalf("the message decodes (MTI %s, STAN %d) but the key does not: %v", mti, stan, err)
		}
		wantResp := (mti[2]-'0')%2 == 1
		wantMTI := mti
		if wantResp {
			wantMTI = mti[:2] + string(mti[2]-1) + mti[3:]
		}
		want := Key{Terminal: strings.TrimRight(m.Field(41), " "), STAN: uint32(stan), MTI: wantMTI}
		if k != want || resp != wantResp {
			t.Fatalf("key %+v response %v, the message gives %+v %v", k, resp, want, wantResp)
		}
	})
}

// isSignIn reports an 0800 (sign-ins carry no MAC and are recorded).
func isSignIn(frame []byte) bool {
	mti, _ := frameKind(frame)
	return mti == "0800"
}
