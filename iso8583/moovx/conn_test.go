//go:build !386 && !arm && !mips && !mipsle

package moovx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	moov "github.com/moov-io/iso8583"
	connection "github.com/moov-io/iso8583-connection"
	moverr "github.com/moov-io/iso8583/errors"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
)

var testTMK = "0123456789ABCDEFFEDCBA9876543210"

func startHost(t *testing.T, tids ...string) string {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	tmk, err := keys.FromHex(keys.TDES2, testTMK)
	if err != nil {
		t.Fatal(err)
	}
	store := link.NewMemoryKeyStore()
	for _, tid := range tids {
		store.AddTerminal(tid, tmk)
	}
	host, err := link.NewHost(link.HostConfig{Keys: store, Issuer: &link.SimIssuer{}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := link.NewServer(link.ServerConfig{Handler: host, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func dial(t *testing.T, addr string, codec *iso8583.Codec) *connection.Connection {
	t.Helper()
	ms, err := Spec(codec.Spec())
	if err != nil {
		t.Fatal(err)
	}
	fr := &Framer{Codec: codec, Spec: ms, Envelope: iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 0x0601}}}
	c, err := connection.New(addr, ms, nil, nil,
		connection.SetMessageReader(fr), connection.SetMessageWriter(fr),
		connection.SetRequestIDGenerator(RequestID{}),
		connection.SendTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Our link.Host behind an iso8583-connection client using Framer and
// RequestID: two terminals sign in at once with the same STAN on one
// connection (each gets its own answer: field 11 alone would mix them up),
// then one of them makes a MACed sale with the working keys it received;
// the host verifies the request's MAC and the Framer the response's.
func TestHostBehindConnection(t *testing.T) {
	tids := []string{"50080001", "50080002"}
	addr := startHost(t, tids...)
	c := dial(t, addr, iso8583.NewCodec(nil, iso8583.Framing{}))
	ms := c.Opts.MessageReader.(*Framer).Spec

	var wg sync.WaitGroup
	resps := make([]*iso8583.Transaction, len(tids))
	errs := make([]error, len(tids))
	for i, tid := range tids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			term := iso8583.Terminal{TerminalID: tid, MerchantID: "309310083985008"}
			req, err := TransactionToMoov(term.SignIn(7, 1, keys.ModeTDES), ms)
			if err != nil {
				errs[i] = err
				return
			}
			resp, err := c.Send(req)
			if err != nil {
				errs[i] = err
				return
			}
			resps[i], errs[i] = TransactionFromMoov(resp)
		}()
	}
	wg.Wait()
	tmk, _ := keys.FromHex(keys.TDES2, testTMK)
	var wk *keys.WorkingKeys
	for i, tid := range tids {
		if errs[i] != nil {
			t.Fatalf("%s: %v", tid, errs[i])
		}
		r := resps[i]
		if r.TerminalID != tid || r.STAN != 7 || !r.IsResponse() || !r.ResponseCode.Approved() {
			t.Fatalf("%s: answer %s for %s STAN %d", tid, r.ResponseCode, r.TerminalID, r.STAN)
		}
		w, err := r.WorkingKeys(tmk)
		if err != nil {
			t.Fatalf("%s: %v", tid, err)
		}
		if i == 0 {
			wk = w
		}
	}

	mac, err := iso8583.NewMAC(iso8583.MACX919, wk.MAC)
	if err != nil {
		t.Fatal(err)
	}
	codec := iso8583.NewCodec(nil, iso8583.Framing{}).WithMAC(mac)
	c2 := dial(t, addr, codec)
	sale := &iso8583.Transaction{Kind: iso8583.KindSale, Amount: 12345, STAN: 8,
		Track2: "6222021234567890123=25121010000000000", EntryMode: "021",
		TerminalID: tids[0], MerchantID: "309310083985008", Field60: &iso8583.Field60{Batch: 1}}
	req, err := TransactionToMoov(sale, ms)
	if err != nil {
		t.Fatal(err)
	}
	if err := req.BinaryField(64, make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	resp, err := c2.Send(req)
	if err != nil {
		t.Fatal(err)
	}
	r, err := TransactionFromMoov(resp)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != iso8583.KindSale || !r.IsResponse() || !r.ResponseCode.Approved() || r.Amount != 12345 || r.STAN != 8 {
		t.Fatalf("sale answered %s (%v, %d, STAN %d)", r.ResponseCode, r.Kind, r.Amount, r.STAN)
	}
	if env := c2.Opts.MessageReader.(*Framer).LastEnvelope(); env.TPDU.Source != 0x0601 {
		t.Fatalf("response TPDU %v: addresses not swapped", env.TPDU)
	}
}

func TestRequestID(t *testing.T) {
	ms, _ := Spec(iso8583.CUPSpec())
	msg := func(mti, stan, tid string) *moov.Message {
		m := moov.NewMessage(ms)
		m.MTI(mti)
		if stan != "" {
			m.Field(11, stan)
		}
		if tid != "" {
			m.Field(41, tid)
		}
		return m
	}
	id := func(m *moov.Message) string {
		s, err := RequestID{}.GenerateRequestID(m)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if a, b := id(msg("0200", "000173", "50080001")), id(msg("0210", "173", "50080001")); a != b || a != "0200 50080001/173" {
		t.Errorf("request %q, response %q", a, b)
	}
	if id(msg("0200", "000173", "50080001")) == id(msg("0200", "000173", "50080002")) {
		t.Error("two terminals share an ID")
	}
	if id(msg("0410", "000173", "50080001")) == id(msg("0210", "000173", "50080001")) {
		t.Error("a reversal's answer matches the sale")
	}
	for _, m := range []*moov.Message{nil, msg("0200", "", "50080001"), msg("0200", "1", ""), msg("02", "1", "T")} {
		if _, err := (RequestID{}).GenerateRequestID(m); err == nil {
			t.Error("accepted an incomplete message")
		}
	}
}

func frameOf(t testing.TB, codec *iso8583.Codec, body []byte) []byte {
	f, err := codec.Frame(iso8583.Envelope{}, body)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// A frame whose MAC fails or that does not unpack is an UnpackError (the
// connection keeps reading); a bad length prefix is not.
func TestFramerErrors(t *testing.T) {
	codec := iso8583.NewCodec(nil, iso8583.Framing{}).WithMAC(iso8583.MACFunc(func(mab []byte) ([8]byte, error) {
		return [8]byte{byte(len(mab))}, nil
	}))
	ms, _ := Spec(codec.Spec())
	fr := &Framer{Codec: codec, Spec: ms, MaxFrame: 200}
	m := iso8583.NewMessage("0800")
	m.Set(11, "000001")
	m.Set(41, "50080001")
	m.SetBytes(64, make([]byte, 8))
	body, err := codec.PackMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	good := frameOf(t, codec, body)
	if _, err := fr.ReadMessage(bytes.NewReader(good)); err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 1
	var ue *moverr.UnpackError
	if _, err := fr.ReadMessage(bytes.NewReader(bad)); !errors.As(err, &ue) || !errors.Is(err, iso8583.ErrMAC) {
		t.Fatalf("bad MAC: %v", err)
	}
	trunc := frameOf(t, codec, body[:len(body)-3])
	if _, err := fr.ReadMessage(bytes.NewReader(trunc)); !errors.As(err, &ue) || !errors.Is(err, iso8583.ErrUnpack) {
		t.Fatalf("truncated body: %v", err)
	}
	long := binary.BigEndian.AppendUint16(nil, 300)
	if _, err := fr.ReadMessage(bytes.NewReader(long)); errors.As(err, &ue) || !errors.Is(err, iso8583.ErrFrame) {
		t.Fatalf("oversized frame: %v", err)
	}
}

// ReadMessage is a decoder: a frame it accepts is written back by
// WriteMessage exactly as the codec itself re-packs it (the MAC recomputed
// to the same value), so the trip through moov loses nothing. (The codec,
// like moov, ignores the pad nibble of an odd-length right-aligned BCD
// value or prefix and re-packs it as 0; fuzzing found such frames.)
func FuzzFramerReadMessage(f *testing.F) {
	codec := iso8583.NewCodec(nil, iso8583.Framing{}).WithMAC(iso8583.MACFunc(func(mab []byte) ([8]byte, error) {
		var s [8]byte
		for i, b := range mab {
			s[i%8] ^= b
		}
		return s, nil
	}))
	ms, err := Spec(codec.Spec())
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range loadCorpus(f) {
		if !c.pad0 {
			_, body, _ := codec.Unframe(c.frame)
			m, err := codec.UnpackUnverified(body)
			if err != nil {
				f.Fatal(err)
			}
			if m.Has(64) {
				m.SetBytes(64, make([]byte, 8))
			}
			if body, err = codec.PackMessage(m); err != nil {
				f.Fatal(err)
			}
			f.Add(frameOf(f, codec, body))
		}
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		fr := &Framer{Codec: codec, Spec: ms}
		mm, err := fr.ReadMessage(bytes.NewReader(frame))
		if err != nil {
			var ue *moverr.UnpackError
			if errors.As(err, &ue) && !isCodecErr(err) {
				t.Fatalf("unpack error without sentinel: %v", err)
			}
			return
		}
		fr.Envelope = fr.LastEnvelope()
		var out bytes.Buffer
		if err := fr.WriteMessage(&out, mm); err != nil {
			t.Fatalf("read but not written: %v", err)
		}
		// What the codec alone makes of the frame.
		env, body, _ := codec.Unframe(frame[:2+int(binary.BigEndian.Uint16(frame))])
		m, err := codec.UnpackMessage(body)
		if err != nil {
			t.Fatalf("Framer accepted what the codec refuses: %v", err)
		}
		body, err = codec.PackMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := codec.Frame(env, body)
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("round trip through moov\n% X\nthe codec re-packs\n% X", out.Bytes(), want)
		}
	})
}

func isCodecErr(err error) bool {
	for _, s := range []error{iso8583.ErrMAC, iso8583.ErrFrame, iso8583.ErrUnpack, iso8583.ErrInvalidField, iso8583.ErrMissingField, ErrUnsupported} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
