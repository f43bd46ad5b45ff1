package sim

import (
	"crypto/rsa"
	"fmt"
	"sort"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/emv/oda/odatest"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/tlv"
)

// application is an App made ready to answer APDUs.
type application struct {
	aid, fci   []byte
	label      string
	priority   int
	pdol       tlv.DOL
	cdol1      tlv.DOL
	drdol      tlv.DOL // M/Chip DRDOL (9F51, from the extra tags): RECOVER AC data
	cdol2      tlv.DOL
	ddol       tlv.DOL
	aip        []byte
	afl        []byte
	records    map[[2]byte][]byte // SFI, record number → 70 template
	method     emv.CryptogramMethod
	mk         *keys.Key
	oda        string
	icc        *rsa.PrivateKey
	pan        []byte // BCD, F-padded
	psn        []byte
	track2     []byte
	offline    int64
	qVSDC      bool
	quics      bool // UnionPay qUICS (quics.go); qVSDC is also set
	hasEC      bool
	ec         int64     // initial electronic cash balance
	mchip      *mchipApp // Mastercard M/Chip contactless (mchip.go)
	ctq        []byte
	cardAuth   []byte          // 9F69 for fDDA
	kernelID   []byte          // 9F2A in the PPSE directory entry
	pinKey     *rsa.PrivateKey // ICC PIN Encipherment key (9F2D), or nil
	atcInitial int
	currency   []byte // 9F42
	mkSMI      *keys.Key
	mkSMC      *keys.Key
	dki        byte
	macLen     int
	limits     limits
	action     CardAction
	signAAC    bool
	format1    bool
	lastOnline int // initial Last Online ATC Register
	logRecords int
}

// limits are the card's velocity checking limits; -1 means none.
type limits struct {
	lowerCount, upperCount   int
	lowerAmount, upperAmount int64
}

func parseMethod(s string) (emv.CryptogramMethod, error) {
	switch s {
	case "VisaCVN10":
		return emv.VisaCVN10, nil
	case "VisaCVN18":
		return emv.VisaCVN18, nil
	case "CCD", "":
		return emv.CCD, nil
	case "PBOC":
		return emv.PBOCCVN01, nil
	}
	return 0, fmt.Errorf("unknown cryptogram method %q", s)
}

// bcdF encodes digits as BCD padded with F to size bytes (size 0: just
// enough bytes).
func bcdF(digits string, size int) ([]byte, error) {
	if size == 0 {
		size = (len(digits) + 1) / 2
	}
	if len(digits) > 2*size {
		return nil, fmt.Errorf("%d digits do not fit %d bytes", len(digits), size)
	}
	out := make([]byte, size)
	for i := range out {
		out[i] = 0xFF
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var n byte
		switch {
		case c >= '0' && c <= '9':
			n = c - '0'
		case c == 'D' || c == '=':
			n = 0x0D
		default:
			return nil, fmt.Errorf("%q is not a digit", c)
		}
		if i%2 == 0 {
			out[i/2] = n<<4 | 0x0F
		} else {
			out[i/2] = out[i/2]&0xF0 | n
		}
	}
	return out, nil
}

// personalise builds the records, certificates and keys of app number i.
func personalise(i int, a *App, f Faults) (*application, error) {
	var herr error
	h := func(name, s string) []byte {
		b, err := hexField(i, name, s)
		if err != nil && herr == nil {
			herr = err
		}
		return b
	}
	app, err := build(i, a, f, h)
	if herr != nil {
		return nil, herr
	}
	return app, err
}

func build(i int, a *App, faults Faults, h func(name, s string) []byte) (*application, error) {
	fail := func(format string, args ...any) (*application, error) {
		return nil, fmt.Errorf("%w: app %d: %s", ErrProfile, i, fmt.Sprintf(format, args...))
	}
	app := &application{aid: h("aid", a.AID), label: a.Label, priority: a.Priority, oda: a.ODA, offline: a.OfflineLimit, atcInitial: a.ATC}
	if len(app.aid) < 5 || len(app.aid) > 16 {
		return fail("AID must be 5 to 16 bytes")
	}
	var err error
	if app.method, err = parseMethod(a.Cryptogram); err != nil {
		return fail("%v", err)
	}
	pan, err := emv.ParsePAN(a.PAN)
	if err != nil {
		return fail("PAN: %v", err)
	}
	if app.pan, err = bcdF(a.PAN, 0); err != nil {
		return fail("PAN: %v", err)
	}
	psn := a.PSN
	if psn == "" {
		psn = "00"
	}
	if app.psn, err = bcdF(psn, 1); err != nil {
		return fail("PSN: %v", err)
	}
	imk, err := keys.FromHex(keys.TDES2, a.IMK)
	if err != nil {
		return fail("IMK: %v", err)
	}
	if app.mk, err = app.method.MasterKey(imk, pan, psn); err != nil {
		return fail("master key: %v", err)
	}
	for _, k := range []struct {
		name, hex string
		dst       **keys.Key
	}{{"imk_smi", a.IMKSMI, &app.mkSMI}, {"imk_smc", a.IMKSMC, &app.mkSMC}} {
		src := imk
		if k.hex != "" {
			if src, err = keys.FromHex(keys.TDES2, k.hex); err != nil {
				return fail("%s: %v", k.name, err)
			}
		}
		if *k.dst, err = app.method.MasterKey(src, pan, psn); err != nil {
			return fail("%s master key: %v", k.name, err)
		}
	}
	if a.DKI < 0 || a.DKI > 255 || a.ATC < 0 || a.ATC > 0xFFFF {
		return fail("dki is a byte and atc 0 to 65535")
	}
	app.dki = byte(a.DKI)
	app.macLen = a.ScriptMACLength
	if app.macLen == 0 {
		app.macLen = 8
		if app.method == emv.PBOCCVN01 {
			app.macLen = 4
		}
	}
	if app.macLen < 4 || app.macLen > 8 {
		return fail("script_mac_length must be 4 to 8")
	}
	app.limits = limitsOf(a)
	app.lastOnline = a.ATC
	if a.LastOnlineATC != nil {
		if *a.LastOnlineATC < 0 || *a.LastOnlineATC > a.ATC {
			return fail("last_online_atc must be 0 to atc")
		}
		app.lastOnline = *a.LastOnlineATC
	}
	app.action, app.signAAC, app.format1 = a.CardAction, a.SignAAC, a.Format1
	if a.LogRecords < 0 || a.LogRecords > 255 {
		return fail("log_records must be 0 to 255")
	}
	app.logRecords = a.LogRecords
	app.currency = h("currency", a.Currency)
	if len(a.Expiry) != 6 || len(a.Effective) != 6 {
		return fail("expiry and effective dates are YYMMDD")
	}
	sc := a.ServiceCode
	if sc == "" {
		sc = "201"
	}
	if app.track2, err = bcdF(a.PAN+"D"+a.Expiry[:4]+sc+"0000012345", 0); err != nil {
		return fail("track 2: %v", err)
	}
	app.aip = h("aip", a.AIP)
	if len(app.aip) != 2 {
		return fail("AIP must be 2 bytes")
	}
	for _, d := range []struct {
		name string
		src  string
		dst  *tlv.DOL
	}{{"pdol", a.PDOL, &app.pdol}, {"cdol1", a.CDOL1, &app.cdol1}, {"cdol2", a.CDOL2, &app.cdol2}, {"ddol", a.DDOL, &app.ddol}} {
		if *d.dst, err = tlv.ParseDOL(h(d.name, d.src)); err != nil {
			return fail("%s: %v", d.name, err)
		}
	}
	if v, ok := a.Extra["9F51"]; ok {
		if app.drdol, err = tlv.ParseDOL(h("extra 9F51", v)); err != nil {
			return fail("DRDOL (extra 9F51): %v", err)
		}
	}
	app.quics = a.Contactless == "qUICS"
	app.qVSDC = a.Contactless == "qVSDC" || app.quics
	if len(app.cdol1) == 0 && !app.qVSDC {
		return fail("a contact application needs a CDOL1")
	}
	app.ctq = h("ctq", a.CTQ)
	app.kernelID = h("kernel_id", a.KernelID)
	if a.Contactless == "MChip" {
		if err := app.personaliseMChip(a); err != nil {
			return fail("%v", err)
		}
	} else if a.Contactless != "" && !app.qVSDC {
		return fail("contactless %q: only qVSDC, qUICS and MChip are simulated", a.Contactless)
	}
	if a.ECBalance != nil {
		if !app.quics || *a.ECBalance < 0 {
			return fail("ec_balance is for a qUICS application and not negative")
		}
		app.ec = *a.ECBalance
		app.hasEC = true
	}

	// FCI (EMV Book 1 §11.3.4).
	fb := tlv.NewBuilder(nil)
	fb.AddConstructed(0x6F, func(b *tlv.Builder) {
		b.Add(0x84, app.aid)
		b.AddConstructed(0xA5, func(b *tlv.Builder) {
			b.Add(0x50, []byte(app.label))
			if app.priority > 0 {
				b.Add(0x87, []byte{byte(app.priority)})
			}
			if len(app.pdol) > 0 {
				b.Add(0x9F38, h("pdol", a.PDOL))
			}
			langs := a.Languages
			if langs == "" {
				langs = "enzh"
			}
			b.Add(0x5F2D, []byte(langs))
			if a.PreferredName != "" {
				b.Add(0x9F12, []byte(a.PreferredName))
				if a.CodeTable > 0 {
					b.Add(0x9F11, []byte{byte(a.CodeTable)})
				}
			}
			if a.LogRecords > 0 && a.LogRecords < 256 {
				b.AddConstructed(0xBF0C, func(b *tlv.Builder) {
					b.Add(0x9F4D, []byte{logSFI, byte(a.LogRecords)})
				})
			}
		})
	})
	if app.fci, err = fb.Bytes(); err != nil {
		return fail("FCI: %v", err)
	}

	// Records: SFI 1 track data; SFI 2 the data to authenticate; SFI 3
	// certificates. AFL entries: SFI<<3, first, last, records for ODA.
	app.records = map[[2]byte][]byte{}
	rec := func(sfi, n byte, f func(b *tlv.Builder)) error {
		b := tlv.NewBuilder(nil)
		b.AddConstructed(0x70, f)
		r, err := b.Bytes()
		app.records[[2]byte{sfi, n}] = r
		return err
	}
	if err := rec(1, 1, func(b *tlv.Builder) {
		b.Add(0x57, app.track2)
		if a.Name != "" {
			b.Add(0x5F20, []byte(a.Name))
		}
	}); err != nil {
		return fail("record 1: %v", err)
	}
	exp, err1 := bcdF(a.Expiry, 3)
	eff, err2 := bcdF(a.Effective, 3)
	if err1 != nil || err2 != nil {
		return fail("expiry and effective dates are YYMMDD digits")
	}
	if err := rec(2, 1, func(b *tlv.Builder) {
		b.Add(0x5A, app.pan)
		b.Add(0x5F24, exp)
		b.Add(0x5F25, eff)
		// Optional data objects an issuer left out are absent, never
		// written with length 0 (EMV Book 3 §7.2: a zero-length 8E is not
		// a CVM list).
		opt := func(tag tlv.Tag, name, v string) {
			if b2 := h(name, v); len(b2) > 0 {
				b.Add(tag, b2)
			}
		}
		opt(0x5F28, "country", a.Country)
		b.Add(0x5F34, app.psn)
		opt(0x9F07, "auc", a.AUC)
		opt(0x9F08, "app_version", a.AppVersion)
		opt(0x8E, "cvm_list", a.CVMList)
		opt(0x9F0D, "iac_default", a.IACDefault)
		opt(0x9F0E, "iac_denial", a.IACDenial)
		opt(0x9F0F, "iac_online", a.IACOnline)
		opt(0x8C, "cdol1", a.CDOL1)
		opt(0x8D, "cdol2", a.CDOL2)
		opt(0x9F49, "ddol", a.DDOL)
		b.Add(0x9F4A, []byte{0x82})
		opt(0x9F42, "currency", a.Currency)
		if app.limits.lowerCount >= 0 && app.limits.lowerCount < 256 {
			b.Add(0x9F14, []byte{byte(app.limits.lowerCount)})
		}
		if app.limits.upperCount >= 0 && app.limits.upperCount < 256 {
			b.Add(0x9F23, []byte{byte(app.limits.upperCount)})
		}
		for _, t := range sortedKeys(a.Extra) {
			tag, err := tlv.ParseTag(t)
			if err != nil {
				h("extra tag", "not hex: "+t) // records the error
				continue
			}
			b.Add(tag, h("extra "+t, a.Extra[t]))
		}
	}); err != nil {
		return fail("record 2: %v", err)
	}
	app.afl = []byte{0x08, 1, 1, 0, 0x10, 1, 1, 1}
	static := append(append([]byte(nil), tlvValue(app.records[[2]byte{2, 1}])...), app.aip...)

	if err := app.certificates(i, a, faults, pan, static); err != nil {
		return nil, err
	}
	if app.mchip != nil && app.mchip.ms != nil {
		app.mchip.ms.addRecord(app)
	}
	if app.qVSDC && app.icc != nil {
		// 9F69 (Book C-3, fDDA version 01): fDDA version, card
		// unpredictable number (placeholder), and the card's CTQ, which
		// the fDDA signature covers.
		app.cardAuth = append([]byte{0x01, 0x00, 0x00, 0x00, 0x00}, app.ctq...)
	}
	return app, nil
}

// tlvValue returns the value of a single encoded TLV (records are built
// here, so they are well formed).
func tlvValue(raw []byte) []byte {
	s := tlv.NewScanner(raw)
	if !s.Next() {
		return nil
	}
	return s.Value()
}

// certificates adds the CA index, issuer certificate, and the SDA signature
// or ICC certificate (EMV Book 2), signed with the test PKI.
func (app *application) certificates(i int, a *App, faults Faults, pan emv.PAN, static []byte) error {
	switch a.ODA {
	case "", "none":
		app.oda = "none"
		return nil
	case "SDA", "DDA", "CDA":
	default:
		return fmt.Errorf("%w: app %d: oda %q is not none, SDA, DDA or CDA", ErrProfile, i, a.ODA)
	}
	digits := pan.Digits()
	issuerID, _ := bcdF(digits[:6], 4)
	issCert, issRem, err := oda.SignIssuerCertificate(odatest.CAKey(), issuerID, []byte{0x12, 0x49}, []byte{0, 0, 1}, &odatest.IssuerKey().PublicKey)
	if err != nil {
		return fmt.Errorf("%w: app %d: issuer certificate: %v", ErrProfile, i, err)
	}
	if faults.CorruptIssuerCert {
		issCert[len(issCert)/2] ^= 0x01
	}
	expMMYY, err := bcdF(a.Expiry[2:4]+a.Expiry[0:2], 2)
	if err != nil {
		return fmt.Errorf("%w: app %d: expiry: %v", ErrProfile, i, err)
	}
	var second func(b *tlv.Builder)
	if a.ODA == "SDA" {
		ssad, err := oda.SignStaticData(odatest.IssuerKey(), [2]byte{0xDA, 0xC1}, static)
		if err != nil {
			return fmt.Errorf("%w: app %d: SDA: %v", ErrProfile, i, err)
		}
		if faults.CorruptSSAD {
			ssad[10] ^= 0x01
		}
		second = func(b *tlv.Builder) { b.Add(0x93, ssad) }
	} else {
		n := a.ICCKey
		if n == 0 {
			n = 1
		}
		app.icc = odatest.ICCKey(n)
		if app.icc == nil {
			return fmt.Errorf("%w: app %d: icc_key %d: the test PKI has keys 1 to 3", ErrProfile, i, n)
		}
		panField, _ := bcdF(digits, 10)
		iccCert, iccRem, err := oda.SignICCCertificate(odatest.IssuerKey(), panField, expMMYY, []byte{0, 0, byte(i + 1)}, &app.icc.PublicKey, static)
		if err != nil {
			return fmt.Errorf("%w: app %d: ICC certificate: %v", ErrProfile, i, err)
		}
		second = func(b *tlv.Builder) {
			b.Add(0x9F46, iccCert)
			b.Add(0x9F47, []byte{1, 0, 1})
			if len(iccRem) > 0 {
				b.Add(0x9F48, iccRem)
			}
		}
	}
	if a.PINKey > 0 {
		// EMV Book 2 §7.1: the ICC PIN Encipherment Public Key
		// Certificate has the ICC certificate's format without the static
		// data in its hash.
		if app.pinKey = odatest.ICCKey(a.PINKey); app.pinKey == nil {
			return fmt.Errorf("%w: app %d: pin_key %d: the test PKI has keys 1 to 3", ErrProfile, i, a.PINKey)
		}
		panField, _ := bcdF(digits, 10)
		pinCert, pinRem, err := oda.SignICCCertificate(odatest.IssuerKey(), panField, expMMYY, []byte{0, 1, byte(i + 1)}, &app.pinKey.PublicKey, nil)
		if err != nil {
			return fmt.Errorf("%w: app %d: PIN encipherment certificate: %v", ErrProfile, i, err)
		}
		first := second
		second = func(b *tlv.Builder) {
			first(b)
			b.Add(0x9F2D, pinCert)
			b.Add(0x9F2E, []byte{1, 0, 1})
			if len(pinRem) > 0 {
				b.Add(0x9F2F, pinRem)
			}
		}
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x70, func(b *tlv.Builder) {
		b.Add(0x8F, []byte{odatest.CAIndex})
		b.Add(0x90, issCert)
		if len(issRem) > 0 {
			b.Add(0x92, issRem)
		}
		b.Add(0x9F32, []byte{1, 0, 1})
	})
	r1, err := b.Bytes()
	if err != nil {
		return err
	}
	b = tlv.NewBuilder(nil)
	b.AddConstructed(0x70, second)
	r2, err := b.Bytes()
	if err != nil {
		return err
	}
	app.records[[2]byte{3, 1}], app.records[[2]byte{3, 2}] = r1, r2
	app.afl = append(app.afl, 0x18, 1, 2, 0)
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// limitsOf reads the velocity limits, mapping the old offline_limit when
// no limit is set (see App.OfflineLimit).
func limitsOf(a *App) limits {
	l := limits{-1, -1, -1, -1}
	if a.LowerConsecutiveOffline != nil {
		l.lowerCount = *a.LowerConsecutiveOffline
	}
	if a.UpperConsecutiveOffline != nil {
		l.upperCount = *a.UpperConsecutiveOffline
	}
	if a.LowerCumulativeOffline != nil {
		l.lowerAmount = *a.LowerCumulativeOffline
	}
	if a.UpperCumulativeOffline != nil {
		l.upperAmount = *a.UpperCumulativeOffline
	}
	if l == (limits{-1, -1, -1, -1}) {
		if a.OfflineLimit > 0 {
			l.lowerAmount, l.upperAmount = a.OfflineLimit, a.OfflineLimit
		} else {
			l.lowerCount = 0
		}
	}
	return l
}
