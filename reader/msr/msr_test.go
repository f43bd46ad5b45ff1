package msr

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"

	"github.com/possdk/pos/emv"

	"github.com/possdk/pos/internal/testvec"
)

type recorded struct {
	name string
	text string
	keys []KeyEvent
}

// loadSwipes reads testdata/swipes.txt (format in its header).
func loadSwipes(t testing.TB) []recorded {
	t.Helper()
	var out []recorded
	for _, v := range testvec.Load(t, "swipes.txt") {
		r := recorded{name: v.Name, text: v.Str(t, "text")}
		for _, f := range strings.Fields(v.Str(t, "keys")) {
			c, val, _ := strings.Cut(f, ":")
			code, err1 := strconv.Atoi(c)
			n, err2 := strconv.Atoi(val)
			if err1 != nil || err2 != nil {
				t.Fatalf("%v: bad event %q", v, f)
			}
			r.keys = append(r.keys, KeyEvent{uint16(code), int32(n)})
		}
		out = append(out, r)
	}
	if len(out) < 4 {
		t.Fatalf("%d swipes in testdata", len(out))
	}
	return out
}

func TestRecordedKeySequences(t *testing.T) {
	for _, r := range loadSwipes(t) {
		var k Keyboard
		text, n, err := k.Type(r.keys)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if string(text) != r.text || n != len(r.keys)-1 { // the Enter release is left over
			t.Errorf("%s: typed %q (%d of %d events), want %q", r.name, text, n, len(r.keys), r.text)
		}
		s, err := ParseKeys(r.keys)
		if err != nil {
			t.Errorf("%s: %v", r.name, err)
			continue
		}
		switch r.name {
		case "both tracks, emv track_test card":
			if s.Track1 == nil || s.Track2 == nil || s.Track1.Name != "CARDHOLDER/TEST" || s.Track2.Expiry != "2212" ||
				s.Track2.ServiceCode != "201" || s.PAN().Digits() != "4761739001010010" {
				t.Errorf("%s: %+v %+v", r.name, s.Track1, s.Track2)
			}
		case "track 2 only":
			if s.Track1 != nil || s.Track2 == nil || s.PAN().Digits() != "6228480402564890018" || s.Track2.Expiry != "4912" {
				t.Errorf("%s: wrong tracks", r.name)
			}
		case "track 1 only, name with space":
			if s.Track2 != nil || s.Track1 == nil || s.Track1.Name != "MASTERCARD TEST/A" || s.PAN().Digits() != "5413330089010012" {
				t.Errorf("%s: wrong tracks", r.name)
			}
		case "read error on track 1":
			if s.Track1 != nil || s.Track2 == nil {
				t.Errorf("%s: wrong tracks", r.name)
			}
		}
	}
}

func TestKeyboardModifiers(t *testing.T) {
	var k Keyboard
	ev := []KeyEvent{
		{58, 1}, {58, 0}, // caps lock on
		{30, 1}, {30, 0}, // A
		{42, 1}, {30, 1}, {30, 0}, {42, 0}, // shift+a with caps: a
		{2, 1}, {2, 2}, {2, 0}, // 1, autorepeat 1
		{54, 1}, {6, 1}, {6, 0}, {54, 0}, // right shift + 5: %
		{96, 1}, // keypad Enter
		{30, 1},
	}
	text, n, err := k.Type(ev)
	if err != nil || string(text) != "Aa11%" || n != 16 {
		t.Fatalf("typed %q, %d events, %v", text, n, err)
	}
	if _, _, err := k.Type([]KeyEvent{{200, 1}}); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestParseSwipeErrors(t *testing.T) {
	for _, s := range []string{
		"", "\n", "%E?;E?", "%B4761739001010010^X^2212201", ";47617390010100=2213201?",
		"%B4761739001010010^CARDHOLDER/TEST^2212201?;5413330089010012=2512101?",
		"%A4761739001010010^X^2212201?",
	} {
		_, err := ParseSwipe(s)
		if !errors.Is(err, ErrTrack) {
			t.Errorf("%q: %v, want ErrTrack", s, err)
			continue
		}
		if strings.Contains(err.Error(), "4761739001010010") {
			t.Errorf("%q: error shows the PAN: %v", s, err)
		}
	}
}

func TestSwipeMasked(t *testing.T) {
	s, err := ParseSwipe("%B4761739001010010^CARDHOLDER/TEST^2212201114380440000000000?;4761739001010010=22122011143804400000?\n")
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("swipe", "card", s)
	for _, out := range []string{s.String(), fmt.Sprintf("%v %+v %#v %s", s, s, s, s), log.String()} {
		for _, secret := range []string{"4761739001010010", "CARDHOLDER", "2212", "1143804400000"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q shows %q", out, secret)
			}
		}
	}
	if !strings.Contains(s.String(), "476173******0010") {
		t.Errorf("String() = %q, want the masked PAN", s.String())
	}
	var _ emv.PAN = s.PAN()
}

// FuzzParseSwipe: a refusal wraps ErrTrack; a swipe has a track, each
// track is one of the text's sentinel-delimited tracks (';' PAN '=' data
// '?', '%' 'B' PAN '^' name '^' data '?'), both tracks carry the same PAN,
// and the swipe prints without the PAN's middle digits or the data after
// the separator.
func FuzzParseSwipe(f *testing.F) {
	f.Add("%B4761739001010010^CARDHOLDER/TEST^2212201114380440000000000?;4761739001010010=22122011143804400000?")
	f.Add(";6228480402564890018=49121201234567800?")
	f.Add("%E?;E?")
	f.Fuzz(func(t *testing.T, s string) {
		sw, err := ParseSwipe(s)
		if err != nil {
			if !errors.Is(err, ErrTrack) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if sw.Track1 == nil && sw.Track2 == nil {
			t.Fatal("no error and no track")
		}
		if t2 := sw.Track2; t2 != nil {
			after := t2.Expiry + string(t2.ServiceCode) + t2.Discretionary
			if !strings.Contains(s, ";"+t2.PAN.Digits()+"="+after+"?") && !strings.Contains(s, ";"+t2.PAN.Digits()+"D"+after+"?") {
				t.Fatalf("track 2 %q=%q is not one of the text's tracks", t2.PAN.Digits(), after)
			}
		}
		if t1 := sw.Track1; t1 != nil {
			if !strings.Contains(s, "%B"+t1.PAN.Digits()+"^"+t1.Name+"^") || !strings.Contains(s, t1.Discretionary+"?") {
				t.Fatalf("track 1 %q^%q^…%q is not one of the text's tracks", t1.PAN.Digits(), t1.Name, t1.Discretionary)
			}
		}
		if sw.Track1 != nil && sw.Track2 != nil && sw.Track1.PAN.Digits() != sw.Track2.PAN.Digits() {
			t.Fatal("tracks with different PANs accepted")
		}
		if d := sw.PAN().Digits(); len(d) >= 13 {
			out := fmt.Sprintf("%v %+v %s", sw, sw, sw.String())
			mid := d[6 : len(d)-4]
			if strings.Contains(out, mid) && !strings.Contains(d[:6], mid) && !strings.Contains(d[len(d)-4:], mid) {
				t.Fatalf("swipe prints the PAN's middle digits: %q", out)
			}
		}
	})
}

func BenchmarkParseKeys(b *testing.B) {
	r := loadSwipes(b)[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseKeys(r.keys); err != nil {
			b.Fatal(err)
		}
	}
}
