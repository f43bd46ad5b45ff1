package kernel

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/tlv"
)

// Kernel 2: Mastercard (EMV Contactless Book C-2), the M/Chip path.
//
//	SELECT (Entry Point) → GET PROCESSING OPTIONS (PDOL) → AIP + AFL
//	→ reader limits (with or without on-device CVM)
//	→ EXCHANGE RELAY RESISTANCE DATA, timed, up to three times
//	→ READ RECORD … → processing restrictions → CVM → floor limit,
//	  exception file → CDA key recovery → terminal action analysis
//	→ [RECOVER AC of a torn transaction of this card]
//	→ GENERATE AC (CDA requested for TC and ARQC) → outcome
//
// There is one GENERATE AC: an ARQC ends in an Online Request and the
// host's answer is the outcome. Data Storage, the mag-stripe mode and
// the second tap for issuer update are not implemented.

// ErrSeePhone is wrapped when a phone answers that its holder must verify
// on the phone first (Book C-2 POS Cardholder Interaction Information): the
// outcome is Try Again with the "See Phone" message.
var ErrSeePhone = errors.New("kernel: see phone (on-device cardholder verification needed)")

// ErrRelay is wrapped when the relay resistance check ends the transaction
// (the card answered faster than its own minimum processing time).
var ErrRelay = errors.New("kernel: relay resistance check failed")

// MsgSeePhone is Book A message 20 "See Phone".
const MsgSeePhone MessageID = 0x20

// Kernel2Config holds Kernel 2 settings for an AID (Book C-2 Annex A
// names and tags in brackets). Amounts are minor units; nil limits are
// absent (no limit). The reader runs Kernel 2 for the AID only when this
// is set.
type Kernel2Config struct {
	// ContactlessLimitNoODCVM and ContactlessLimitODCVM are the Reader
	// Contactless Transaction Limits (DF8124, DF8125): over the one that
	// applies (on-device CVM: the card's AIP says it supports it and
	// OnDeviceCVM is set) the tap is refused.
	ContactlessLimitNoODCVM *int64 `json:"contactless_limit_no_on_device_cvm"`
	ContactlessLimitODCVM   *int64 `json:"contactless_limit_on_device_cvm"`
	// CVMRequiredLimit is the Reader CVM Required Limit (DF8126): over it
	// a CVM is required.
	CVMRequiredLimit *int64 `json:"cvm_required_limit"`
	// FloorLimit is the Reader Contactless Floor Limit (DF8123); nil: the
	// AID's floor_limit.
	FloorLimit *int64 `json:"floor_limit"`
	// CVMCapabilityCVMRequired and CVMCapabilityNoCVM are the Terminal
	// Capabilities byte 2 (DF8118, DF8119) used over and under the CVM
	// required limit, hex, e.g. "60" (online PIN, signature) and "08" (no
	// CVM).
	CVMCapabilityCVMRequired string `json:"cvm_capability_cvm_required"`
	CVMCapabilityNoCVM       string `json:"cvm_capability_no_cvm"`
	// OnDeviceCVM: Kernel Configuration "on device cardholder
	// verification supported" (DF811B b6).
	OnDeviceCVM bool `json:"on_device_cvm"`
	// RelayResistance: Kernel Configuration "relay resistance protocol
	// supported" (DF811B b5), with its timings.
	RelayResistance bool `json:"relay_resistance"`
	// MagStripe: mag-stripe mode (CVC3) for a card without EMV mode
	// (kernel2_ms.go); false: such a card gets Try Another Interface.
	MagStripe  bool               `json:"mag_stripe"`
	RelayTimes RelayResistanceCfg `json:"relay_times"`
	// TornLifetime is the Max Lifetime of a Torn Transaction Log Record
	// (DF811C), seconds; 0: 300. MaxTorn is the Max Number of Torn
	// Transaction Log Records (DF811D); 0: 5.
	TornLifetime int `json:"torn_lifetime_s"`
	MaxTorn      int `json:"max_torn"`
}

// RelayResistanceCfg are the terminal's relay resistance times, in
// hundreds of microseconds, and thresholds.
type RelayResistanceCfg struct {
	MinGrace      uint16 `json:"min_grace"`      // Minimum Relay Resistance Grace Period, DF8132
	MaxGrace      uint16 `json:"max_grace"`      // Maximum Relay Resistance Grace Period, DF8133
	ExpectedCAPDU uint16 `json:"expected_capdu"` // Terminal Expected Transmission Time For RR C-APDU, DF8134
	ExpectedRAPDU uint16 `json:"expected_rapdu"` // Terminal Expected Transmission Time For RR R-APDU, DF8135
	Accuracy      uint16 `json:"accuracy"`       // Relay Resistance Accuracy Threshold, DF8136
	Mismatch      uint8  `json:"mismatch"`       // Relay Resistance Transmission Time Mismatch Threshold (%), DF8137
}

// check validates the settings of aids[i] (nil: Kernel 2 is not run).
func (c *Kernel2Config) check(i int) error {
	if c == nil {
		return nil
	}
	for name, l := range map[string]*int64{"contactless_limit_no_on_device_cvm": c.ContactlessLimitNoODCVM,
		"contactless_limit_on_device_cvm": c.ContactlessLimitODCVM, "cvm_required_limit": c.CVMRequiredLimit, "floor_limit": c.FloorLimit} {
		if l != nil && *l < 0 {
			return fmt.Errorf("%w: aids[%d].kernel2.%s is negative", ErrConfig, i, name)
		}
	}
	for name, v := range map[string]string{"cvm_capability_cvm_required": c.CVMCapabilityCVMRequired, "cvm_capability_no_cvm": c.CVMCapabilityNoCVM} {
		if b, err := hex.DecodeString(v); err != nil || len(b) > 1 {
			return fmt.Errorf("%w: aids[%d].kernel2.%s %q is not one hex byte", ErrConfig, i, name, v)
		}
	}
	if c.TornLifetime < 0 || c.MaxTorn < 0 {
		return fmt.Errorf("%w: aids[%d].kernel2: torn_lifetime_s and max_torn are not negative", ErrConfig, i)
	}
	return nil
}

// k2State is what Kernel 2 keeps across transactions.
type k2State struct {
	mu    sync.Mutex
	clock func() time.Time
	torn  []*tornRecord
}

func newK2State(clock func() time.Time) *k2State { return &k2State{clock: clock} }

// tornRecord is a transaction whose GENERATE AC got no answer (Book C-2
// torn transaction log): enough to ask the same card for that answer
// again and to finish the transaction as it was.
type tornRecord struct {
	key       string // PAN (BCD) and PSN
	at        time.Time
	cdol1Data []byte
	data      emv.Data
	tvr       emv.TVR
	tsi       emv.TSI
	cvm       [3]byte
	amount    int64
	pinBlock  []byte
}

func (s *k2State) now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock()
}

// TornRecords is the number of torn transactions Kernel 2 holds (each
// waits for its card's next tap; see Book C-2 torn transaction recovery).
func (k *Kernel) TornRecords() int {
	k.k2.mu.Lock()
	defer k.k2.mu.Unlock()
	return len(k.k2.torn)
}

type kernel2 struct{}

func (kernel2) configured(a *AIDConfig) bool { return a.Kernel2 != nil }

func (kernel2) run(t *txn, combo *combination, afci []byte) (*Result, error) {
	cfg := combo.cfg.Kernel2
	capCVM, err1 := hex.DecodeString(cfg.CVMCapabilityCVMRequired)
	capNoCVM, err2 := hex.DecodeString(cfg.CVMCapabilityNoCVM)
	if err1 != nil || err2 != nil || len(capCVM) > 1 || len(capNoCVM) > 1 {
		return t.fail(fmt.Errorf("%w: kernel2 CVM capabilities are one hex byte each", ErrConfig))
	}
	if err := t.initiate(afci); err != nil {
		return t.fail(err)
	}
	if _, ok := t.d[emv.TagApplicationCryptogram]; ok {
		return t.fail(fmt.Errorf("%w: GPO returned a cryptogram (not an M/Chip application)", ErrCardData))
	}
	if len(t.d[emv.TagAFL]) == 0 || len(t.d[emv.TagAFL])%4 != 0 {
		return t.fail(fmt.Errorf("%w: AFL missing or of %d bytes", ErrCardData, len(t.d[emv.TagAFL])))
	}
	aip := t.d[emv.TagAIP]
	// On-device CVM: the card (AIP byte 1 b2) and the reader support it.
	odcvm := cfg.OnDeviceCVM && aip[0]&0x02 != 0
	amt := t.tx.Amount
	limit := cfg.ContactlessLimitNoODCVM
	if odcvm {
		limit = cfg.ContactlessLimitODCVM
	}
	if limit != nil && amt > *limit {
		return t.fail(fmt.Errorf("%w: amount over the reader contactless transaction limit (on-device CVM %v)", ErrTryAnother, odcvm))
	}
	if aip[1]&0x80 == 0 {
		// AIP byte 2 b8 clear: the card has no EMV mode (Book C-2).
		if !cfg.MagStripe {
			return t.fail(fmt.Errorf("%w: the card offers mag-stripe mode only and the reader does not run it", ErrTryAnother))
		}
		return t.magStripe(cfg)
	}
	switch {
	case !cfg.RelayResistance:
		// Book C-2: relay resistance protocol not supported (b2-b1 00).
	case aip[1]&0x01 == 0:
		t.tvr(emv.TVRRelayNotPerformed)
	default:
		if err := t.relayResistance(&cfg.RelayTimes); err != nil {
			return t.fail(err)
		}
	}
	if err := t.readRecordsContactless(); err != nil {
		return t.fail(err)
	}
	for _, tag := range []tlv.Tag{0x5A, 0x5F24, 0x8C} {
		if _, ok := t.d[tag]; !ok {
			return t.fail(fmt.Errorf("%w: mandatory tag %s missing", ErrCardData, tag))
		}
	}
	pan, err := emv.ParsePANBCD(t.d[emv.TagPAN])
	if err != nil {
		return t.fail(fmt.Errorf("%w: %w", ErrCardData, err))
	}
	t.res.PAN = pan
	t.processingRestrictions()
	// CVM (Book C-2 CVM selection): over the CVM required limit a CVM is
	// needed; the terminal capabilities byte 2 says which the reader
	// offers for this amount.
	overCVM := cfg.CVMRequiredLimit != nil && amt > *cfg.CVMRequiredLimit
	caps := append([]byte(nil), t.d[emv.TagTerminalCapabilities]...)
	if len(caps) == 3 {
		if overCVM && len(capCVM) == 1 {
			caps[1] = capCVM[0]
		} else if !overCVM && len(capNoCVM) == 1 {
			caps[1] = capNoCVM[0]
		}
		t.d[emv.TagTerminalCapabilities] = caps
	}
	// cdcvmUnproven: the reader relies on the phone's CVM, which only the
	// AIP says it has. The AIP is the card's only if CDA authenticates it
	// (the Static Data Authentication Tag List 9F4A names 82) or the
	// issuer checks it in the ARQC: an offline approval without that proof
	// is not given (closes the phone-wallet CDCVM bypass, where a relay
	// flips the AIP bit to skip the PIN).
	cdcvmUnproven := false
	switch {
	case odcvm:
		t.res.CVMResults = [3]byte{0x3F, 0x00, 0x02}
		if overCVM {
			t.res.CVMResults = [3]byte{0x01, 0x00, 0x02}
			cdcvmUnproven = !bytes.Equal(t.d[emv.TagSDATagList], []byte{0x82})
		}
	case aip[0]&0x10 == 0:
		t.res.CVMResults = [3]byte{0x3F, 0x00, 0x00}
	default:
		if err := t.cardholderVerification(); err != nil {
			return t.fail(err)
		}
	}
	// Terminal risk management (C-2: floor limit and exception file).
	// The reader floor limit, else the terminal floor limit (9F1B); with
	// neither every amount is over it (no offline approval by amount).
	if floor, ok := k2Floor(cfg, t.d[emv.TagTerminalFloorLimit]); !ok || amt > floor {
		t.tvr(emv.TVRFloorLimitExceeded)
	}
	t.exceptionFile()
	// Offline data authentication: C-2 has CDA only.
	if aip[0]&0x01 != 0 {
		t.tsi(emv.TSIOfflineDataAuthPerformed)
		if err := t.authenticate("CDA"); err != nil {
			if errors.Is(err, oda.ErrMissingData) && !errors.Is(err, oda.ErrUnknownCAKey) {
				t.tvr(emv.TVRICCDataMissing)
			}
			t.tvr(emv.TVRCDAFailed)
			t.cda = false
			t.k.log.LogAttrs(t.ctx, slog.LevelInfo, "CDA key recovery failed", slog.String("err", err.Error()))
		}
	} else {
		t.tvr(emv.TVROfflineDataAuthNotPerformed)
	}
	want := t.actionAnalysis()
	if amt == 0 && want == emv.TC {
		// A zero amount is never approved offline: its cryptogram goes
		// to the issuer (as for C-3's zero-amount rule).
		want = emv.ARQC
	}
	if want == emv.TC && (!t.cda || cdcvmUnproven) {
		// No offline approval without a CDA that can verify, and no
		// offline approval resting on an unproven CDCVM.
		want = emv.ARQC
	}
	if want == emv.ARQC && !t.k.cfg.OnlineCapable {
		want = emv.AAC
	}
	if rec := t.k.k2.takeTorn(t, cfg); rec != nil {
		if res, done, err := t.recoverTorn(rec); done {
			return res, err
		}
	}
	t.sync()
	cdol1, err := tlv.ParseDOL(t.d[emv.TagCDOL1])
	if err != nil {
		return t.fail(fmt.Errorf("%w: CDOL1: %w", ErrCardData, err))
	}
	data := t.d.FillDOL(nil, cdol1, t.scheme)
	cid, err := t.generateAC(want, data, nil)
	if err != nil {
		if errors.Is(err, reader.ErrCardRemoved) || errors.Is(err, reader.ErrCardMute) {
			// Torn: the card may have computed the cryptogram. Keep the
			// transaction for RECOVER AC on this card's next tap.
			t.k.k2.keepTorn(t, cfg, data)
		}
		return t.fail(err)
	}
	return t.k2Outcome(cid)
}

// k2Outcome decides once GENERATE AC (or RECOVER AC) has answered.
func (t *txn) k2Outcome(cid emv.CID) (*Result, error) {
	// The TVR the card MACed is the one the host must see.
	t.frozenTVR = true
	if t.cdaFailed {
		// Book C-2 (CDA failed): the TC or ARQC did not come with a
		// valid signature — the answer may not be the card's. Declined,
		// never approved and never sent online.
		return t.done(Declined, fmt.Errorf("%w: CDA signature of the %v did not verify", ErrCardData, cid.Type()))
	}
	switch cid.Type() {
	case emv.TC:
		if !t.cda {
			return t.done(Declined, fmt.Errorf("%w: TC without CDA", ErrCard))
		}
		return t.done(Approved, nil)
	case emv.ARQC:
		field55, err := t.field55()
		if err != nil {
			return t.fail(err)
		}
		t.res.Field55 = field55
		resp, err := t.online(field55)
		if err != nil {
			return t.done(Declined, err)
		}
		t.res.WentOnline, t.res.HostResponse = true, resp
		if resp.Approved {
			return t.done(Approved, nil)
		}
		return t.done(OnlineDeclined, nil)
	}
	// AAC. A phone that needs its holder to verify says so in the POS
	// Cardholder Interaction Information (DF4B byte 3 b1 or b2, this
	// implementation's reading of C-2): See Phone, then tap again.
	if pcii := t.d[0xDF4B]; len(pcii) == 3 && pcii[2]&0x03 != 0 {
		t.res.Outcome = Failed
		return t.fail(ErrSeePhone)
	}
	return t.done(Declined, nil)
}

// k2Floor is the floor limit that applies: the Kernel 2 reader
// contactless floor limit, else the Terminal Floor Limit (9F1B, 4 bytes
// binary); ok is false when neither is set.
func k2Floor(cfg *Kernel2Config, tfl []byte) (int64, bool) {
	if cfg.FloorLimit != nil {
		return *cfg.FloorLimit, true
	}
	if len(tfl) != 4 {
		return 0, false
	}
	return int64(tfl[0])<<24 | int64(tfl[1])<<16 | int64(tfl[2])<<8 | int64(tfl[3]), true
}

// relayResistance runs Book C-2's relay resistance protocol: EXCHANGE
// RELAY RESISTANCE DATA with the unpredictable number as Terminal Relay
// Resistance Entropy, timed, and the checks on the card's answer: too
// fast ends the transaction; too slow is retried twice with a new
// unpredictable number, then noted in the TVR; a measured time or
// transmission time out of proportion notes "threshold exceeded".
func (t *txn) relayResistance(c *RelayResistanceCfg) error {
	for attempt := 0; ; attempt++ {
		entropy := t.d[emv.TagUnpredictableNumber]
		cmd := emv.Command{CLA: 0x80, INS: 0xEA, P1: 0x00, P2: 0x00, Data: entropy, Le: 256}
		start := t.k.k2.now()
		resp, sw, err := t.exchange(cmd)
		elapsed := t.k.k2.now().Sub(start)
		if err != nil {
			return err
		}
		if sw != emv.SWOK {
			return fmt.Errorf("%w: EXCHANGE RELAY RESISTANCE DATA: %w", ErrCardData, emv.StatusWord(sw))
		}
		v, ok, err := tlv.Find(resp, emv.TagResponseTemplateFormat1)
		if err != nil || !ok || len(v) != 10 {
			return fmt.Errorf("%w: EXCHANGE RELAY RESISTANCE DATA response is not 80 with 10 bytes", ErrCardData)
		}
		u16 := func(b []byte) int64 { return int64(b[0])<<8 | int64(b[1]) }
		minT, maxT, devEst := u16(v[4:6]), u16(v[6:8]), u16(v[8:10])
		taken := int64(elapsed / (100 * time.Microsecond))
		expR := int64(c.ExpectedRAPDU)
		measured := max(0, taken-int64(c.ExpectedCAPDU)-min(devEst, expR))
		t.d[0xDF8301] = append([]byte(nil), entropy...)
		t.d[0xDF8302] = append([]byte(nil), v[0:4]...)
		t.d[0xDF8303], t.d[0xDF8304], t.d[0xDF8305] = v[4:6], v[6:8], v[8:10]
		t.d[0xDF8306] = []byte{byte(measured >> 8), byte(measured)}
		if measured < max(0, minT-int64(c.MinGrace)) {
			return fmt.Errorf("%w: measured %d×100µs is under the card's minimum %d less the grace period", ErrRelay, measured, minT)
		}
		if measured > maxT+int64(c.MaxGrace) {
			if attempt < 2 {
				t.d[emv.TagUnpredictableNumber] = t.random(4)
				continue
			}
			t.tvr(emv.TVRRelayTimeLimitsExceeded)
		}
		if devEst != 0 && expR != 0 && (devEst*100/expR < int64(c.Mismatch) || expR*100/devEst < int64(c.Mismatch) ||
			max(0, measured-minT) > int64(c.Accuracy)) {
			t.tvr(emv.TVRRelayThresholdExceeded)
		}
		t.tvr(emv.TVRRelayPerformed)
		return nil
	}
}

// tornKey identifies a card: PAN and PSN.
func tornKey(d emv.Data) string {
	return string(d[emv.TagPAN]) + "/" + string(d[emv.TagPANSequenceNumber])
}

// keepTorn records a torn transaction (oldest dropped beyond MaxTorn).
func (s *k2State) keepTorn(t *txn, cfg *Kernel2Config, cdol1Data []byte) {
	rec := &tornRecord{key: tornKey(t.d), at: s.now(), cdol1Data: append([]byte(nil), cdol1Data...),
		data: emv.Data{}, tvr: t.res.TVR, tsi: t.res.TSI, cvm: t.res.CVMResults, amount: t.tx.Amount,
		pinBlock: t.res.OnlinePINBlock}
	for k, v := range t.d {
		rec.data[k] = append([]byte(nil), v...)
	}
	n := cfg.MaxTorn
	if n <= 0 {
		n = 5
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.torn = append(s.torn, rec)
	if len(s.torn) > n {
		s.torn = s.torn[len(s.torn)-n:]
	}
}

// takeTorn removes and returns the live torn record of this card, if any;
// expired records are dropped.
func (s *k2State) takeTorn(t *txn, cfg *Kernel2Config) *tornRecord {
	life := time.Duration(cfg.TornLifetime) * time.Second
	if life <= 0 {
		life = 300 * time.Second
	}
	key := tornKey(t.d)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	var found *tornRecord
	kept := s.torn[:0]
	for _, r := range s.torn {
		switch {
		case now.Sub(r.at) > life:
		case found == nil && r.key == key:
			found = r
		default:
			kept = append(kept, r)
		}
	}
	s.torn = kept
	return found
}

// recoverTorn asks the card for the torn transaction's GENERATE AC answer
// (RECOVER AC with that transaction's CDOL1 data). When the card gives
// it, the torn transaction finishes now, as it was (its amount, data, TVR
// and CVM); done is true. When the card has no such answer, the torn
// transaction never produced a cryptogram and this tap goes on.
func (t *txn) recoverTorn(rec *tornRecord) (*Result, bool, error) {
	resp, sw, err := t.exchange(emv.Command{CLA: 0x80, INS: 0xD0, P1: 0x00, P2: 0x00, Data: rec.cdol1Data, Le: 256})
	if err != nil {
		// Torn again: keep it for the next tap.
		t.k.k2.mu.Lock()
		t.k.k2.torn = append(t.k.k2.torn, rec)
		t.k.k2.mu.Unlock()
		res, err := t.fail(err)
		return res, true, err
	}
	if sw != emv.SWOK {
		t.k.log.LogAttrs(t.ctx, slog.LevelInfo, "torn transaction not recovered", slog.String("sw", fmt.Sprintf("%04X", uint16(sw))))
		return nil, false, nil
	}
	// The torn transaction's state replaces this tap's.
	icc, cda := t.icc, t.cda
	t.d = rec.data
	t.icc, t.cda = icc, cda && rec.tvr[0]&0x04 == 0
	t.tx.Amount = rec.amount
	t.res.TVR, t.res.TSI, t.res.CVMResults, t.res.OnlinePINBlock = rec.tvr, rec.tsi, rec.cvm, rec.pinBlock
	cid, err := t.acResponse(resp, rec.cdol1Data)
	if err != nil {
		res, err := t.fail(err)
		return res, true, err
	}
	res, err := t.k2Outcome(cid)
	return res, true, err
}

// acResponse processes a GENERATE AC response given by RECOVER AC, as
// generateAC does (with CDA verification over the torn transaction's
// data).
func (t *txn) acResponse(resp, cdol1Data []byte) (emv.CID, error) {
	var objs, sdad []byte
	s := tlv.NewScanner(resp)
	if !s.Next() || s.Tag() != 0x77 {
		return 0, fmt.Errorf("%w: RECOVER AC response", ErrCardData)
	}
	for r := s.Descend(); r.Next(); {
		if r.Tag() == 0x9F4B {
			sdad = r.Value()
			continue
		}
		objs = append(objs, r.Raw()...)
		t.d[r.Tag()] = append([]byte(nil), r.Value()...)
	}
	cid, err := emv.ParseCID(t.d[emv.TagCryptogramInformationData])
	if err != nil || len(t.d[emv.TagApplicationCryptogram]) != 8 {
		return 0, fmt.Errorf("%w: RECOVER AC without CID and cryptogram", ErrCardData)
	}
	if t.cda && cid.Type() != emv.AAC {
		icc, _ := t.icc.(*oda.ICCPublicKey)
		dd, err := oda.VerifyCDA(icc, oda.CDAInput{SDAD: sdad, UnpredictableNumber: t.d[emv.TagUnpredictableNumber], CID: byte(cid),
			PDOLData: t.d[tagPDOLData], CDOL1Data: cdol1Data, ResponseTLVs: objs})
		if err != nil {
			t.tvr(emv.TVRCDAFailed)
			t.cdaFailed = true
		} else {
			t.d[emv.TagApplicationCryptogram] = dd.Cryptogram
			t.d[emv.TagICCDynamicNumber] = dd.ICCDynamicNumber
		}
	}
	t.res.CID = cid
	t.res.Cryptogram = append([]byte(nil), t.d[emv.TagApplicationCryptogram]...)
	return cid, nil
}
