package sim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"sync"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/tlv"
)

// Card is a software EMV card. It implements reader.Card: Transmit takes a
// command APDU and returns the response APDU, computing real cryptograms
// (under the profile's issuer master key) and RSA signatures (with the test
// PKI). It is safe for concurrent use, though a card serves one terminal.
type Card struct {
	profile Profile
	atr     []byte
	apps    []*application
	rand    io.Reader

	mu       sync.Mutex
	removed  bool
	st       state
	pinTries int
	blocked  bool       // CARD BLOCK: every SELECT answers 6A81
	ctr      []counters // per application, kept across resets
	scripts  int        // issuer script commands executed
}

// counters is what an application remembers between transactions: the
// ATC, the Last Online ATC Register and the card risk management state
// that the next transaction's CVR reports (VIS Appendix A, EMV Book 3
// Annex C7.3, PBOC CVR).
type counters struct {
	atc, lastOnline uint16
	offlineAmount   int64 // approved offline since the last online transaction
	blocked         bool  // APPLICATION BLOCK: SELECT answers 6283, GENERATE AC AAC

	onlineNotCompleted   bool // an ARQC was returned and no second GENERATE AC followed
	issuerAuthFailedLast bool
	issuerAuthNotDone    bool // online approval without issuer authentication
	sdaFailedLast        bool // SDA failed on the last transaction, declined offline
	ddaFailedLast        bool // DDA or CDA failed on the last transaction, declined offline
	scriptFailedLast     bool
	scriptsLast          int // script commands with secure messaging on the last transaction
	scriptFailedThis     bool
	scriptsThis          int
	putData              map[tlv.Tag][]byte
	log                  [][]byte // transaction log records, newest first
}

// state is what one card session remembers between commands; a reset or
// a new SELECT loses it.
type state struct {
	dir          string // "", "PSE", "PPSE" when a directory is selected
	app          int    // selected application index, -1 for none
	gpoDone      bool
	pdolData     []byte
	cdol1Data    []byte
	genACs       int
	atc          uint16 // this transaction's ATC, incremented by GPO
	amount       int64
	firstCID     byte
	lastAC       []byte
	lastCID      byte
	arqc         []byte // the ARQC of this transaction (secure messaging)
	challenge    []byte
	issuerAuth   int // 0 not tried, 1 ok, -1 failed
	pending      []byte
	pinTried     bool // offline PIN verification performed
	pinFailed    bool // ... and the last attempt failed
	ddaDone      bool // INTERNAL AUTHENTICATE answered
	cdaDone      bool // a GENERATE AC was signed
	unableOnline bool
	risk         riskResult
}

// New personalises a card from a profile.
func New(p *Profile) (*Card, error) {
	c := &Card{profile: *p, rand: rand.Reader}
	var err error
	atr := p.ATR
	if atr == "" {
		atr = "3B808131FE458B" // T=1, IFSC 254, BWI 4, CWI 5
		if p.Protocol == "T=0" {
			atr = "3B6800000073C84012009000" // T=0, 8 historical bytes
		}
	}
	if c.atr, err = hex.DecodeString(atr); err != nil {
		return nil, fmt.Errorf("%w: atr: %v", ErrProfile, err)
	}
	if len(p.Apps) == 0 {
		return nil, fmt.Errorf("%w: no applications", ErrProfile)
	}
	if p.PIN != "" && (len(p.PIN) < 4 || len(p.PIN) > 12) {
		return nil, fmt.Errorf("%w: PIN must be 4 to 12 digits", ErrProfile)
	}
	for i := range p.Apps {
		app, err := personalise(i, &p.Apps[i], p.Faults)
		if err != nil {
			return nil, err
		}
		c.apps = append(c.apps, app)
		c.ctr = append(c.ctr, counters{atc: uint16(app.atcInitial), lastOnline: uint16(app.lastOnline), putData: map[tlv.Tag][]byte{}})
	}
	c.pinTries = p.PINTries
	c.st.app = -1
	return c, nil
}

// NewFromFile loads and personalises a card from a JSON profile file.
func NewFromFile(path string) (*Card, error) {
	p, err := LoadProfileFile(path)
	if err != nil {
		return nil, err
	}
	return New(p)
}

// SetRand replaces the source of GET CHALLENGE and ICC dynamic numbers.
func (c *Card) SetRand(r io.Reader) {
	c.mu.Lock()
	c.rand = r
	c.mu.Unlock()
}

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte { return append([]byte(nil), c.atr...) }

// Protocol is the protocol the profile names (T=1 unless "T=0").
func (c *Card) Protocol() reader.Protocol {
	if c.profile.Protocol == "T=0" {
		return reader.ProtocolT0
	}
	return reader.ProtocolT1
}

// Close ends the session; a later Transmit starts a new one (as a reset does).
func (c *Card) Close() error {
	c.Reset()
	return nil
}

// Reset powers the card down and up (ISO/IEC 7816-3 cold or warm reset):
// the selected application, the transaction (GPO, GENERATE AC, issuer
// authentication, PIN verified, challenge) and pending GET RESPONSE data
// are lost. What the card keeps in non-volatile memory stays: ATC, Last
// Online ATC, PIN try counter, blocks, and the risk flags the next CVR
// reports (an ARQC with no second GENERATE AC is "last online transaction
// not completed"). reader/vpcd calls it on power-on and reset.
func (c *Card) Reset() {
	c.mu.Lock()
	c.st = state{app: -1}
	c.mu.Unlock()
}

// Remove simulates the card leaving the reader: every later Transmit fails
// with reader.ErrCardRemoved until Insert.
func (c *Card) Remove() {
	c.mu.Lock()
	c.removed = true
	c.st = state{app: -1} // power is lost with the contact
	c.mu.Unlock()
}

// Insert puts a removed card back.
func (c *Card) Insert() {
	c.mu.Lock()
	c.removed = false
	c.mu.Unlock()
}

// Name is the profile's name.
func (c *Card) Name() string { return c.profile.Name }

// PINTriesLeft is the PIN try counter.
func (c *Card) PINTriesLeft() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pinTries
}

// ATC returns the application transaction counter of application i.
func (c *Card) ATC(i int) uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < 0 || i >= len(c.ctr) {
		return 0
	}
	return c.ctr[i].atc
}

// LastOnlineATC returns the Last Online ATC Register (9F13) of
// application i.
func (c *Card) LastOnlineATC(i int) uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < 0 || i >= len(c.ctr) {
		return 0
	}
	return c.ctr[i].lastOnline
}

// Blocked reports whether application i is blocked and whether the whole
// card is (issuer scripts APPLICATION BLOCK and CARD BLOCK).
func (c *Card) Blocked(i int) (app, card bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i >= 0 && i < len(c.ctr) {
		app = c.ctr[i].blocked
	}
	return app, c.blocked
}

// ScriptCommands counts the issuer script commands the card has executed
// (MAC verified and command carried out).
func (c *Card) ScriptCommands() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.scripts
}

// Transmit processes one command APDU.
func (c *Card) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil, reader.ErrCardRemoved
	}
	cmd, ok := parseAPDU(apdu)
	if !ok {
		c.st.pending = nil
		return sw(emv.SWWrongLength), nil
	}
	if cmd.ins != emv.INSGetResponse {
		// ISO/IEC 7816-3 §10.3.4: data waiting for GET RESPONSE is lost
		// when another command comes.
		c.st.pending = nil
	}
	if s, ok := c.profile.Faults.SW[fmt.Sprintf("%02X", cmd.ins)]; ok {
		if b, err := hex.DecodeString(s); err == nil && len(b) == 2 {
			return b, nil
		}
	}
	resp := c.dispatch(cmd)
	return c.transport(cmd, resp), nil
}

// command is a parsed short APDU (ISO/IEC 7816-3 §12.1).
type command struct {
	cla, ins, p1, p2 byte
	data             []byte
	le               int // -1 when absent
}

func parseAPDU(b []byte) (command, bool) {
	if len(b) < 4 {
		return command{}, false
	}
	c := command{cla: b[0], ins: b[1], p1: b[2], p2: b[3], le: -1}
	switch rest := b[4:]; {
	case len(rest) == 0:
	case len(rest) == 1:
		c.le = int(rest[0])
	case int(rest[0]) == len(rest)-1 && rest[0] != 0:
		c.data = rest[1:]
	case int(rest[0]) == len(rest)-2 && rest[0] != 0:
		c.data = rest[1 : len(rest)-1]
		c.le = int(rest[len(rest)-1])
	default:
		return command{}, false
	}
	return c, true
}

func sw(v emv.StatusWord) []byte { return []byte{byte(v >> 8), byte(v)} }

func ok(data []byte) []byte { return append(append([]byte(nil), data...), sw(emv.SWOK)...) }

// transport applies the T=0 behaviours (ISO/IEC 7816-3 §10.3.4): a T=0
// card (or the GetResponse fault) answers a case-4 command with 61xx and
// keeps the data for GET RESPONSE; the WrongLe fault answers a case-2
// command whose Le is not exact with 6Cxx. GET RESPONSE manages its own
// pending data (getResponse).
func (c *Card) transport(cmd command, resp []byte) []byte {
	data, status := resp[:len(resp)-2], resp[len(resp)-2:]
	if cmd.ins == emv.INSGetResponse || len(data) == 0 {
		return resp
	}
	t0 := (c.profile.Faults.GetResponse || c.profile.Protocol == "T=0") && cmd.data != nil
	if t0 && (status[0] == 0x62 || status[0] == 0x63) {
		// A warning with data (a blocked application's FCI and 6283): in
		// T=0 the card can only send the status; the data waits for GET
		// RESPONSE (EMV Book 1 §9.3.1.3, Annex A).
		c.st.pending = append([]byte(nil), data...)
		return append([]byte(nil), status...)
	}
	if status[0] != 0x90 || status[1] != 0x00 {
		return resp
	}
	if t0 {
		c.st.pending = append([]byte(nil), data...)
		return []byte{0x61, byte(len(data))}
	}
	if c.profile.Faults.WrongLe && cmd.data == nil && cmd.le >= 0 && cmd.le != len(data)%256 {
		return []byte{0x6C, byte(len(data))}
	}
	return resp
}
