package emv

import (
	"errors"
	"testing"

	"github.com/possdk/pos/pinblock"

	"github.com/possdk/pos/internal/testvec"
)

func scriptPIN(t *testing.T, s string) pinblock.PIN {
	t.Helper()
	p, err := pinblock.ParsePIN([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Script commands for Visa CVN 10/18/22, Interac CVN 133 and M/Chip CVN
// 16-21 against pyemv's HSM-generated tests: the MAC of a data-less command
// (session keys from the SMI master key by the scheme's method, MAC over
// the header with or without ATC || ARQC), and whole PIN change commands
// (VIS block or ISO format 2, ECB or CBC encipherment, P2 01/02, Lc, MAC).
func TestScriptSecureMessaging(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "script_sm.txt"), func(t *testing.T, v testvec.Vector) {
		var m ACMethod
		switch v.Str(t, "method") {
		case "visa10":
			m = VisaCVN10
		case "visa18":
			m = VisaCVN18
		case "visa22":
			m = VisaCVN22
		default:
			m = acMethodOf(t, v)
		}
		p, err := ScriptProfileOf(m)
		if err != nil {
			t.Fatal(err)
		}
		pan := mustPAN(t, v.Str(t, "pan"))
		mkAC, _ := DeriveICCKeyA(tdesKey(t, v.Bytes(t, "imk_ac")), pan, v.Field("psn"))
		mkSMI, _ := DeriveICCKeyA(tdesKey(t, v.Bytes(t, "imk_smi")), pan, v.Field("psn"))
		mkSMC, _ := DeriveICCKeyA(tdesKey(t, v.Bytes(t, "imk_smc")), pan, v.Field("psn"))
		atc := [2]byte(v.Bytes(t, "atc"))
		arqc := v.Bytes(t, "arqc")
		smi, err := p.DeriveSessionKey(mkSMI, atc, arqc)
		if err != nil {
			t.Fatal(err)
		}
		smc, err := p.DeriveSessionKey(mkSMC, atc, arqc)
		if err != nil {
			t.Fatal(err)
		}
		h := v.Bytes(t, "mac_header")
		cmd, err := p.Command(smi, nil, h[0], h[1], h[2], h[3], nil, atc, arqc)
		if err != nil {
			t.Fatal(err)
		}
		if want := v.Str(t, "mac_header") + v.Str(t, "mac"); hx(cmd) != want {
			t.Errorf("MAC-only command %s, want %s", hx(cmd), want)
		}
		pc, err := p.PINChangeCommand(mkAC, smi, smc, scriptPIN(t, v.Str(t, "pin")), pinblock.PIN{}, atc, arqc)
		if err != nil {
			t.Fatal(err)
		}
		if hx(pc) != v.Str(t, "pin_command") {
			t.Errorf("PIN change %s, want %s", hx(pc), v.Str(t, "pin_command"))
		}
		if v.Has("current_pin") {
			pc, err := p.PINChangeCommand(mkAC, smi, smc, scriptPIN(t, v.Str(t, "pin")), scriptPIN(t, v.Str(t, "current_pin")), atc, arqc)
			if err != nil {
				t.Fatal(err)
			}
			if hx(pc) != v.Str(t, "pin_command_current") {
				t.Errorf("PIN change with current PIN %s, want %s", hx(pc), v.Str(t, "pin_command_current"))
			}
		} else if _, err := p.PINChangeCommand(mkAC, smi, smc, scriptPIN(t, "9999"), scriptPIN(t, "8888"), atc, arqc); !errors.Is(err, ErrValue) {
			t.Errorf("current PIN accepted by a format 2 profile: %v", err)
		}
	})
	if _, err := ScriptProfileOf(CCD); !errors.Is(err, ErrValue) {
		t.Errorf("CCD has a profile: %v", err)
	}
}

// The three encipherments differ exactly in mode and padding (EMV Book 2
// §9.3; VIS; M/Chip): Mastercard pads only a partial block, EMV always,
// Visa prefixes the length and uses ECB.
func TestScriptEncryptionPadding(t *testing.T) {
	sk := tdesKey(t, testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210"))
	whole := testvec.Hex(t, "1234800000000000")
	part := testvec.Hex(t, "1234")
	enc := func(e ScriptEncryption, d []byte) []byte {
		out, err := ScriptProfile{Encryption: e}.Encrypt(sk, d)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	// Mastercard: "1234" padded is "1234800000000000", so both give the
	// same single block (pyemv test_encrypt_command_data_mastercard_nonpadded).
	if hx(enc(ScriptEncryptMastercard, whole)) != hx(enc(ScriptEncryptMastercard, part)) {
		t.Error("Mastercard pads a partial block differently from the whole block")
	}
	if len(enc(ScriptEncryptEMV, whole)) != 16 || len(enc(ScriptEncryptVisa, whole)) != 16 {
		t.Error("EMV and Visa encipherments must add a padding block to whole blocks")
	}
}
