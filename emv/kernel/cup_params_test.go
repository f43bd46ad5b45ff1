package kernel

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// TestParseCUPAIDParams: the CUP parameter download records of
// testdata/cup_aid_params.txt give the AID configurations derived by hand
// from the tag definitions, and each one makes a valid terminal
// configuration.
func TestParseCUPAIDParams(t *testing.T) {
	vs := testvec.Load(t, "cup_aid_params.txt")
	opt := func(p *int64) string {
		if p == nil {
			return "-"
		}
		return strconv.FormatInt(*p, 10)
	}
	if n := testvec.Run(t, vs, func(t *testing.T, v testvec.Vector) {
		a, err := ParseCUPAIDParams(v.Bytes(t, "record"))
		if err != nil {
			t.Fatal(err)
		}
		var ec *int64
		if a.Kernel7 != nil {
			ec = a.Kernel7.ECTransactionLimit
		}
		for _, c := range []struct{ field, got string }{
			{"aid", a.AID}, {"partial", fmt.Sprint(a.PartialSelection)}, {"version", a.AppVersion},
			{"tac_default", a.TACDefault}, {"tac_online", a.TACOnline}, {"tac_denial", a.TACDenial},
			{"floor", opt(a.FloorLimit)}, {"threshold", fmt.Sprint(a.Threshold)},
			{"max_target", fmt.Sprint(a.MaxTargetPercent)}, {"target", fmt.Sprint(a.TargetPercent)},
			{"ddol", a.DefaultDDOL}, {"ec_limit", opt(ec)}, {"cl_floor", opt(a.ContactlessFloorLimit)},
			{"cl_limit", opt(a.ContactlessLimit)}, {"cl_cvm", opt(a.ContactlessCVMLimit)},
		} {
			if want := v.Str(t, c.field); c.got != want {
				t.Errorf("%s = %s, want %s", c.field, c.got, want)
			}
		}
		cfg := loadConfig(t)
		cfg.AIDs[2] = a
		if _, err := New(*cfg); err != nil {
			t.Errorf("configuration with the record refused: %v", err)
		}
	}); n != 4 {
		t.Fatalf("%d vectors", n)
	}
}

// TestParseCUPAIDParamsErrors: malformed records are refused with
// ErrConfig naming the tag.
func TestParseCUPAIDParamsErrors(t *testing.T) {
	const tacs = "DF1105D84000A800DF1205D84004F800DF13050010000000"
	for _, rec := range []string{
		"",                                      // no AID
		"9F0604A0000003" + tacs,                 // AID too short
		"9F0608A000000333010101",                // no TACs
		"9F0608A000000333010101DF010102" + tacs, // ASI not 00/01
		"9F0608A000000333010101" + tacs + "9F1B03000000",       // floor limit not 4 bytes
		"9F0608A000000333010101" + tacs + "DF16019A",           // percentage not BCD
		"9F0608A000000333010101" + tacs + "DF160110DF170120",   // target over maximum
		"9F0608A000000333010101" + tacs + "DF21060000001000A0", // amount not BCD
		"9F0608A000000333010101" + tacs + "DF14029F37",         // DDOL truncated
		"9F0608A000000333010101" + tacs + "DF110500",           // truncated TLV
		"9F0608A0000003330101019F0608A000000333010102" + tacs,  // AID twice
	} {
		if _, err := ParseCUPAIDParams(testvec.Hex(t, rec)); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err %v, want ErrConfig", rec, err)
		}
	}
}

// FuzzParseCUPAIDParams: any input gives an error or an AID
// configuration that a terminal configuration accepts.
func FuzzParseCUPAIDParams(f *testing.F) {
	f.Add(testvec.Hex(f, "9F0608A000000333010101DF0101009F08020020DF1105D84000A800DF1205D84004F800DF130500100000009F1B040000C350DF160199DF170199DF14039F3704DF2106000000100000"))
	cfg := loadConfig(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseCUPAIDParams(b)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
			return
		}
		c := *cfg
		c.AIDs = []AIDConfig{a}
		if _, err := New(c); err != nil {
			t.Fatalf("parsed %+v refused by New: %v", a, err)
		}
	})
}
