package kernel

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/tlv"
)

// finish runs terminal action analysis, the first GENERATE AC, the online
// step and the completion (EMV Book 3 §10.7–10.11).
func (t *txn) finish() (*Result, error) {
	want := t.actionAnalysis()
	cdol1, err := tlv.ParseDOL(t.d[emv.TagCDOL1])
	if err != nil {
		return t.fail(fmt.Errorf("%w: CDOL1: %w", ErrCardData, err))
	}
	t.sync()
	cdol1Data := t.d.FillDOL(nil, cdol1, t.scheme)
	cid, err := t.generateAC(want, cdol1Data, nil)
	if err != nil {
		return t.fail(err)
	}
	t.tsi(emv.TSICardRiskMgmtPerformed)
	if t.cdaFailed && cid.Type() != emv.AAC {
		// Book 2 §6.6 / Book 3 §10.8: CDA failed on a TC or an ARQC — the
		// terminal declines offline and never goes online with it. An
		// ARQC is closed with a second GENERATE AC asking for an AAC (the
		// card would otherwise count an unfinished online transaction);
		// 8A = Z1 (Book 4 §A6, offline declined).
		t.d[emv.TagAuthorisationResponseCode] = []byte("Z1")
		if cid.Type() == emv.ARQC {
			cdol2, err := tlv.ParseDOL(t.d[emv.TagCDOL2])
			if err != nil {
				return t.fail(fmt.Errorf("%w: CDOL2: %w", ErrCardData, err))
			}
			t.sync()
			if _, err := t.generateAC(emv.AAC, t.d.FillDOL(nil, cdol2, t.scheme), cdol1Data); err != nil {
				return t.fail(err)
			}
		}
		return t.done(Declined, nil)
	}
	// Book 3 §9.3 (Table 12): a card may answer a TC request with a TC, an
	// ARQC or an AAC, an ARQC request with an ARQC or an AAC, and an AAC
	// request with an AAC only. A stronger cryptogram than asked for is a
	// card error: it must never turn into an offline approval.
	switch cid.Type() {
	case emv.AAC:
		// Book 4 §A6 (Authorisation Response Code): Z1, offline declined.
		t.d[emv.TagAuthorisationResponseCode] = []byte("Z1")
		return t.done(Declined, nil)
	case emv.TC:
		if want != emv.TC {
			return t.fail(fmt.Errorf("%w: TC returned when %v was asked", ErrCard, want))
		}
		// Book 4 §A6: Y1, offline approved.
		t.d[emv.TagAuthorisationResponseCode] = []byte("Y1")
		return t.done(Approved, nil)
	}
	if want == emv.AAC {
		return t.fail(fmt.Errorf("%w: ARQC returned when AAC was asked", ErrCard))
	}
	field55, err := t.field55()
	if err != nil {
		return t.fail(err)
	}
	t.res.Field55 = field55
	resp, onlineErr := t.online(field55)
	cdol2, err := tlv.ParseDOL(t.d[emv.TagCDOL2])
	if err != nil {
		return t.fail(fmt.Errorf("%w: CDOL2: %w", ErrCardData, err))
	}
	if onlineErr != nil {
		// Unable to go online (Book 3 §10.7): the default action codes
		// decide, and 8A says what the terminal decided before the second
		// GENERATE AC carries it (Book 4 §A6): Y3 unable to go online,
		// offline approved (TC asked); Z3 offline declined (AAC asked).
		ask := t.defaultAction()
		t.d[emv.TagAuthorisationResponseCode] = []byte("Z3")
		if ask == emv.TC {
			t.d[emv.TagAuthorisationResponseCode] = []byte("Y3")
		}
		t.sync()
		cid2, err := t.generateAC(ask, t.d.FillDOL(nil, cdol2, t.scheme), cdol1Data)
		if err != nil {
			return t.fail(err)
		}
		if cid2.Type() == emv.TC {
			return t.done(Approved, nil)
		}
		return t.done(Declined, onlineErr)
	}
	t.res.WentOnline, t.res.HostResponse = true, resp
	ir, err := emv.ParseIssuerResponse(resp.Field55)
	if err != nil {
		return t.fail(fmt.Errorf("kernel: host field 55: %w", err))
	}
	t.d[emv.TagAuthorisationResponseCode] = resp.ARC[:]
	if len(ir.AuthData) > 0 {
		t.d[emv.TagIssuerAuthenticationData] = ir.AuthData
	}
	// Issuer authentication: in the second GENERATE AC when CDOL2 asks for
	// 91, else with EXTERNAL AUTHENTICATE (§10.9) — before any script:
	// Book 3 §10.10 processes 71 scripts after issuer authentication and
	// before the final GENERATE AC.
	inCDOL2 := false
	for _, e := range cdol2 {
		inCDOL2 = inCDOL2 || e.Tag == 0x91
	}
	if len(ir.AuthData) > 0 && t.aip.Has(emv.AIPIssuerAuthSupported) {
		t.tsi(emv.TSIIssuerAuthPerformed)
		if !inCDOL2 {
			_, sw, err := t.exchange(emv.ExternalAuthenticate(ir.AuthData))
			if err != nil {
				return t.fail(err)
			}
			if sw != emv.SWOK {
				t.tvr(emv.TVRIssuerAuthFailed)
			}
		}
	}
	t.scripts(ir, 0x71)
	ask := emv.AAC
	if resp.Approved {
		ask = emv.TC
	}
	t.sync()
	cid2, err := t.generateAC(ask, t.d.FillDOL(nil, cdol2, t.scheme), cdol1Data)
	if err != nil {
		return t.fail(err)
	}
	if inCDOL2 && len(ir.AuthData) > 0 && resp.Approved && cid2.Type() != emv.TC {
		t.tvr(emv.TVRIssuerAuthFailed)
	}
	t.scripts(ir, 0x72)
	if t.cdaFailed && cid2.Type() == emv.TC {
		// CDA failed on the final TC: not an approval (Book 2 §6.6). The
		// host approved, so the approval must be reversed.
		t.res.ReversalRequired = resp.Approved
		return t.done(Declined, fmt.Errorf("kernel: CDA failed on the final cryptogram"))
	}
	switch {
	case !resp.Approved:
		return t.done(OnlineDeclined, nil)
	case cid2.Type() == emv.TC:
		return t.done(Approved, nil)
	default:
		t.res.ReversalRequired = true
		return t.done(Declined, fmt.Errorf("kernel: the card declined after the host approved"))
	}
}

// generateAC sends GENERATE AC, with CDA when it was decided and the
// request is not an AAC, and checks the answer. cdol1Data is set for the
// second GENERATE AC.
func (t *txn) generateAC(want emv.CryptogramType, data, cdol1Data []byte) (emv.CID, error) {
	cda := t.cda && want != emv.AAC
	resp, sw, err := t.exchange(emv.GenerateAC(want, cda, data))
	if err != nil {
		return 0, err
	}
	if sw != emv.SWOK {
		return 0, fmt.Errorf("%w: GENERATE AC: %w", ErrCard, emv.StatusWord(sw))
	}
	var cid emv.CID
	var objs, sdad []byte
	s := tlv.NewScanner(resp)
	if !s.Next() {
		return 0, fmt.Errorf("%w: GENERATE AC response", ErrCardData)
	}
	switch s.Tag() {
	case 0x80: // CID || ATC || AC || IAD
		v := s.Value()
		if len(v) < 11 {
			return 0, fmt.Errorf("%w: GENERATE AC format 1 of %d bytes", ErrCardData, len(v))
		}
		t.d[emv.TagCryptogramInformationData], t.d[emv.TagATC], t.d[emv.TagApplicationCryptogram] = v[0:1], v[1:3], v[3:11]
		if len(v) > 11 {
			t.d[emv.TagIssuerApplicationData] = v[11:]
		}
	case 0x77:
		for r := s.Descend(); r.Next(); {
			if r.Tag() == 0x9F4B {
				sdad = r.Value()
				continue
			}
			objs = append(objs, r.Raw()...)
			t.d[r.Tag()] = append([]byte(nil), r.Value()...)
		}
	default:
		return 0, fmt.Errorf("%w: GENERATE AC template %s", ErrCardData, s.Tag())
	}
	c, err := emv.ParseCID(t.d[emv.TagCryptogramInformationData])
	if err != nil || len(t.d[emv.TagApplicationCryptogram]) != 8 {
		return 0, fmt.Errorf("%w: GENERATE AC without CID and cryptogram", ErrCardData)
	}
	if c.Type() > want && !(want == emv.TC && c.Type() == emv.ARQC) {
		return 0, fmt.Errorf("%w: card returned %v when %v was asked", ErrCard, c.Type(), want)
	}
	cid = c
	if cda && cid.Type() != emv.AAC {
		icc, _ := t.icc.(*oda.ICCPublicKey)
		pdol := t.d[tagPDOLData]
		var cd1, cd2 []byte = data, nil
		if cdol1Data != nil {
			cd1, cd2 = cdol1Data, data
		}
		dd, err := oda.VerifyCDA(icc, oda.CDAInput{SDAD: sdad, UnpredictableNumber: t.d[emv.TagUnpredictableNumber], CID: byte(cid),
			PDOLData: pdol, CDOL1Data: cd1, CDOL2Data: cd2, ResponseTLVs: objs})
		if err != nil {
			t.tvr(emv.TVRCDAFailed)
			t.k.log.LogAttrs(t.ctx, slog.LevelInfo, "CDA failed", slog.String("err", err.Error()))
			// The caller decides (Book 2 §6.6, Book 3 §10.8): a failed CDA
			// never approves; the card's real cryptogram type is kept so
			// that an ARQC is closed with a second GENERATE AC.
			t.cdaFailed = true
			t.res.CID = cid
			return cid, nil
		}
		t.d[emv.TagApplicationCryptogram] = dd.Cryptogram
		t.d[emv.TagICCDynamicNumber] = dd.ICCDynamicNumber
	}
	t.res.CID = cid
	t.res.Cryptogram = append([]byte(nil), t.d[emv.TagApplicationCryptogram]...)
	return cid, nil
}

// field55 builds the ICC data for the host with the scheme's tag set.
func (t *txn) field55() ([]byte, error) {
	t.sync()
	spec := emv.Field55Visa()
	switch t.scheme {
	case emv.SchemeMastercard:
		spec = emv.Field55Mastercard()
	case emv.SchemeUnionPay:
		spec = emv.Field55UnionPay()
	}
	return spec.Build(nil, t.d)
}

func (t *txn) online(field55 []byte) (*OnlineResponse, error) {
	if t.hooks.Online == nil {
		return nil, ErrOffline
	}
	req := &OnlineRequest{Field55: field55, PAN: t.res.PAN, Track2: t.d[emv.TagTrack2EquivalentData], PINBlock: t.res.OnlinePINBlock, Amount: t.tx.Amount, Data: t.d}
	if psn, ok := t.d[emv.TagPANSequenceNumber]; ok && len(psn) == 1 {
		req.PSN = fmt.Sprintf("%02X", psn[0])
	}
	if exp := t.d[emv.TagApplicationExpirationDate]; len(exp) == 3 {
		req.Expiry = fmt.Sprintf("%02X%02X", exp[0], exp[1])
	}
	resp, err := t.hooks.Online(t.ctx, req)
	if err != nil {
		return nil, errors.Join(ErrOffline, err)
	}
	if resp == nil {
		return nil, ErrOffline
	}
	return resp, nil
}

// scripts sends the issuer script commands of templates 71 or 72 (EMV Book
// 3 §10.10); a failed command ends that script.
func (t *txn) scripts(ir emv.IssuerResponse, tag tlv.Tag) {
	limit := t.k.cfg.MaxScriptLength
	if limit == 0 {
		limit = 128
	}
	total := 0
	for _, sc := range ir.Scripts {
		// The running size of the scripts, in the response's order, as
		// templates (tag, length, 9F18 and the 86 commands).
		var inner []byte
		if sc.ID != nil {
			inner = tlv.AppendTLV(inner, 0x9F18, sc.ID)
		}
		for _, c := range sc.Commands {
			inner = tlv.AppendTLV(inner, 0x86, c)
		}
		total += len(tlv.AppendTLV(nil, sc.Tag, inner))
		if sc.Tag != tag {
			continue
		}
		t.tsi(emv.TSIScriptProcessingPerformed)
		if total > limit {
			// Past the terminal's script limit: the script is not sent
			// (9F5B result 0, "not performed") and counts as failed
			// processing for its template (TVR byte 5 b6 or b5).
			if tag == 0x71 {
				t.tvr(emv.TVRScriptFailedBeforeFinalAC)
			} else {
				t.tvr(emv.TVRScriptFailedAfterFinalAC)
			}
			var id [4]byte
			copy(id[:], sc.ID)
			t.scriptResults = append(append(t.scriptResults, 0x00), id[:]...)
			t.d[emv.TagVisaIssuerScriptResults] = t.scriptResults
			t.d[emv.TagIssuerScriptResults] = t.scriptResults
			continue
		}
		// Issuer Script Results (Book 4 Annex A5, tag 9F5B; UnionPay
		// carries the same in DF31): per script, byte 1 = result (high
		// nibble: 1 failed, 2 successful) and the sequence number of the
		// failing command (low nibble, 1-14, F for 15 and above), then
		// the 4-byte Script Identifier (9F18) or zeros.
		result, seq := byte(0x20), 0
		for i, raw := range sc.Commands {
			resp, err := t.card.Transmit(t.ctx, raw)
			t.res.ScriptsSent++
			sw := uint16(0)
			if len(resp) >= 2 {
				sw = uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1])
			}
			if err != nil || (sw>>8 != 0x90 && sw>>8 != 0x62 && sw>>8 != 0x63) {
				if tag == 0x71 {
					t.tvr(emv.TVRScriptFailedBeforeFinalAC)
				} else {
					t.tvr(emv.TVRScriptFailedAfterFinalAC)
				}
				result, seq = 0x10, i+1
				break
			}
		}
		if seq > 14 {
			seq = 15
		}
		var id [4]byte
		copy(id[:], sc.ID)
		t.scriptResults = append(append(t.scriptResults, result|byte(seq)), id[:]...)
		t.d[emv.TagVisaIssuerScriptResults] = t.scriptResults
		t.d[emv.TagIssuerScriptResults] = t.scriptResults
	}
}

// done records the outcome and the final field 55.
func (t *txn) done(o Outcome, err error) (*Result, error) {
	t.res.Outcome = o
	t.res.Err = err
	t.sync()
	if f, ferr := t.field55(); ferr == nil {
		t.res.Field55 = f
	}
	t.res.Data = t.d
	t.k.log.LogAttrs(t.ctx, slog.LevelInfo, "transaction", slog.String("outcome", o.String()),
		slog.String("tvr", t.res.TVR.String()), slog.String("tsi", t.res.TSI.String()), slog.Any("pan", t.res.PAN))
	return t.res, nil
}
