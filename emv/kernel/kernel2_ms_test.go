package kernel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/possdk/pos/cvv"
	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
)

// trackDigits is a BCD track 2 as text (D separator, no pad).
func trackDigits(b []byte) string {
	var sb strings.Builder
	for _, x := range b {
		for _, n := range []byte{x >> 4, x & 0x0F} {
			switch {
			case n <= 9:
				sb.WriteByte('0' + n)
			case n == 0x0D:
				sb.WriteByte('D')
			}
		}
	}
	return sb.String()
}

// msIssuer checks a mag-stripe mode request as an issuer does: it knows
// the card's bitmaps (PCVC3 1C00, PUNATC 01FE, NATC 3: CVC3 in
// discretionary digits 1-3, UN in 5-9, ATC in 10-12, nUN in 13, counted
// from the left of the 13 digits), takes CVC3, UN and ATC from the track
// and verifies the CVC3 with cvv.VerifyCVC3 under the card's CVC3 key
// (Option A from the issuer master key) over the static track.
type msIssuer struct {
	t        *testing.T
	track    string
	pin      []byte
	verified bool
	f55      []byte
}

func (h *msIssuer) online(ctx context.Context, req *OnlineRequest) (*OnlineResponse, error) {
	h.track, h.pin, h.f55 = trackDigits(req.Track2), req.PINBlock, req.Field55
	sep := strings.IndexByte(h.track, 'D')
	disc := h.track[sep+8:]
	if len(disc) != 13 {
		h.t.Fatalf("discretionary data %q", disc)
	}
	cvc3, unDigits, atcDigits := disc[0:3], disc[4:9], disc[9:12]
	var un [4]byte
	copy(un[:], h2b("000"+unDigits))
	n, _ := strconv.Atoi(atcDigits)
	kd, err := emv.DeriveICCKeyA(testIMK, req.PAN, "01")
	if err != nil {
		return nil, err
	}
	if err := cvv.VerifyCVC3(kd, req.Data[0x9F6B], [2]byte{byte(n >> 8), byte(n)}, un, cvc3); err != nil {
		h.t.Errorf("issuer: %v", err)
		return &OnlineResponse{ARC: [2]byte{'0', '5'}}, nil
	}
	h.verified = true
	return &OnlineResponse{Approved: true, ARC: [2]byte{'0', '0'}}, nil
}

// TestKernel2MagStripe: Book C-2 mag-stripe mode. The card
// (mc_contactless with mag_stripe: AIP byte 2 b8 clear) is read (five
// records: the M/Stripe data in SFI 1 record 2), the reader sends COMPUTE
// CRYPTOGRAPHIC CHECKSUM with the UDOL data (9F6A, the numeric UN: nUN =
// 8 bits of PUNATC − NATC 3 = 5 random digits, here 00000), and the host
// gets track 2 with CVC3, UN, ATC (017: the GPO moved it to 17) and nUN
// (5) in place, no field 55; the issuer verifies the CVC3. Over the CVM
// limit an online PIN goes with it; a reader without mag-stripe mode ends
// the application (C-2 S3.18: "Insert, swipe or try another card").
func TestKernel2MagStripe(t *testing.T) {
	ms := mchip(func(o *sim.MChipOptions) { o.MagStripe = true })
	want := []string{k2SelectPPSE, k2Select, k2GPO, "00B2010C00", "00B2011400", "00B2011C00", "00B2021C00", "00B2020C00",
		"802A8E8004 00000000 00"}
	for _, tc := range []struct {
		name    string
		amount  int64
		enabled bool
		cvm     string
		pin     bool
	}{
		{"no CVM", 2000, true, "3F0000", false},
		{"online PIN over the CVM limit", 15000, true, "020000", true},
		{"reader without mag-stripe mode", 2000, false, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadConfig(t)
			k2Config(cfg)
			cfg.AIDs[1].Kernel2.MagStripe = tc.enabled
			h := &msIssuer{t: t}
			cfg.Hooks, cfg.Rand = Hooks{OnlinePIN: onlinePIN, Online: h.online}, zeroRand{}
			k, err := New(*cfg)
			if err != nil {
				t.Fatal(err)
			}
			rc := &recordingCard{Card: loadCard(t, "mc_contactless", ms)}
			res, _ := k.RunContactless(context.Background(), reader.NewTransport(rc, reader.TransportOptions{}), Transaction{Amount: tc.amount, Time: testDay})
			if !tc.enabled {
				// Book C-2 S3.16-18 → S3.90 (open MPP kernel,
				// xwanyux/AS350PLUS_SP MPP_S3_18/MPP_S3_90_2): End
				// Application, "Insert, swipe or try another card".
				if st := stepOf(res); !errors.Is(res.Err, ErrOtherCard) || st.Outcome != OutcomeEndApplication || st.UI.Message != MsgInsertSwipeOrTryAnotherCard {
					t.Fatalf("%v %v (step %v, message %02X), want end application / insert, swipe or try another card", res.Outcome, res.Err, st.Outcome, st.UI.Message)
				}
				sameAPDUs(t, rc.cmds, want[:3])
				return
			}
			sameAPDUs(t, rc.cmds, want)
			if res.Outcome != Approved || !h.verified || h.f55 != nil {
				t.Fatalf("outcome %v (%v), CVC3 verified %v, field 55 %X", res.Outcome, res.Err, h.verified, h.f55)
			}
			if !strings.HasPrefix(h.track, "5413330089020011D3012201") || !strings.HasSuffix(h.track, "0000000175") || len(h.track) != 37 {
				t.Errorf("track %s, want 5413330089020011D3012201 ccc 0 00000 017 5", h.track)
			}
			if got := fmt.Sprintf("%X", res.CVMResults); got != tc.cvm || (h.pin != nil) != tc.pin {
				t.Errorf("9F34 %s PIN %v, want %s %v", got, h.pin != nil, tc.cvm, tc.pin)
			}
		})
	}
}
