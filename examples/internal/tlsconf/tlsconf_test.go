package tlsconf

import "testing"

func TestClientTLS(t *testing.T) {
	if _, _, err := ClientTLS("", ""); err == nil {
		t.Error("no CA and no pin accepted")
	}
	if _, _, err := ClientTLS("", "not base64"); err == nil {
		t.Error("bad pin accepted")
	}
	_, pin, err := ServerTLS("", "")
	if err != nil {
		t.Fatal(err)
	}
	cfg, pins, err := ClientTLS("", pin.String())
	if err != nil || len(pins) != 1 || pins[0] != pin || !cfg.InsecureSkipVerify {
		t.Errorf("pinned config: %v %v", pins, err)
	}
	if _, _, err := ServerTLS("cert.pem", ""); err == nil {
		t.Error("-cert without -key accepted")
	}
}
