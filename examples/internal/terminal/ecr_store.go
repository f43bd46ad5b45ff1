package terminal

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/reader/link/ecr"
)

// The ECR journal's records: the last money-moving answer, the last slip,
// and approved sales by trace number (so LAST, REPRINT and VOID work for a
// register that reconnected, or after the terminal restarted — the usual
// reason a register asks LAST is a dropped connection).
const (
	ecrLastID     = 1
	ecrSlipID     = 2
	ecrSaleIDBase = 1 << 32 // + STAN
)

// savedSale is what the ECR journal keeps of a Sale: receipt data and the
// host exchange without track data, PIN block or ICC data.
type savedSale struct {
	Kind       iso8583.Kind
	Entry      Entry
	Amount     int64
	Approved   bool
	Why        string
	PAN        string // masked
	AID, Label string
	Cryptogram string
	CVM        string
	OrigSTAN   uint32     `json:",omitempty"`
	OrigAuth   string     `json:",omitempty"`
	OrigRRN    string     `json:",omitempty"`
	Request    *storedTxn `json:",omitempty"`
	Response   *storedTxn `json:",omitempty"`
}

// storedTxn writes a transaction in its storage form: a VOID needs the
// original's PAN, which json.Marshal of a Transaction masks (issue 23).
// The journal is sealed.
type storedTxn struct{ t *iso8583.Transaction }

func (s storedTxn) MarshalJSON() ([]byte, error) { return s.t.MarshalStorage() }

func (s *storedTxn) UnmarshalJSON(b []byte) error {
	s.t = new(iso8583.Transaction)
	return s.t.UnmarshalStorage(b)
}

type savedLast struct {
	Response ecr.Response
}

func scrub(t *iso8583.Transaction) *iso8583.Transaction {
	if t == nil {
		return nil
	}
	c := *t
	c.Track2, c.Track3, c.PINBlock, c.ICC = "", "", nil, nil
	return &c
}

func saveSale(s *Sale) savedSale {
	v := savedSale{Kind: s.Kind, Entry: s.Entry, Amount: s.Amount, Approved: s.Approved, Why: s.Why,
		PAN: s.PAN, AID: s.AID, Label: s.Label, Cryptogram: s.Cryptogram, CVM: s.CVM,
		OrigSTAN: s.OrigSTAN, OrigAuth: s.OrigAuth, OrigRRN: s.OrigRRN}
	if s.Link != nil {
		if s.Link.Request != nil && s.Link.Response != nil {
			v.Request, v.Response = &storedTxn{scrub(s.Link.Request)}, &storedTxn{scrub(s.Link.Response)}
		}
	}
	return v
}

func (v savedSale) sale() *Sale {
	s := &Sale{Kind: v.Kind, Entry: v.Entry, Amount: v.Amount, Approved: v.Approved, Why: v.Why,
		PAN: v.PAN, AID: v.AID, Label: v.Label, Cryptogram: v.Cryptogram, CVM: v.CVM,
		OrigSTAN: v.OrigSTAN, OrigAuth: v.OrigAuth, OrigRRN: v.OrigRRN}
	if v.Request != nil && v.Response != nil {
		s.Link = &link.Result{Request: v.Request.t, Response: v.Response.t}
	}
	return s
}

func (t *Terminal) ecrPut(id uint64, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return t.ecr.Put(id, b)
}

func (t *Terminal) ecrGet(id uint64, v any) (bool, error) {
	b, ok := t.ecr.Get(id)
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("terminal: ECR record %d: %w", id, err)
	}
	return true, nil
}

// rememberECR records the register's answer, and the slip and the sale
// for a later reprint and void.
func (t *Terminal) rememberECR(r *ecr.Response, s *Sale) error {
	if err := t.ecrPut(ecrLastID, savedLast{Response: *r}); err != nil {
		return err
	}
	if s == nil || !s.Approved {
		return nil
	}
	return t.remember(s)
}

func (t *Terminal) lastECR() (*ecr.Response, error) {
	var v savedLast
	ok, err := t.ecrGet(ecrLastID, &v)
	if !ok || err != nil {
		return nil, err
	}
	return &v.Response, nil
}

func (t *Terminal) lastSlip() (*Sale, error) {
	var v savedSale
	ok, err := t.ecrGet(ecrSlipID, &v)
	if !ok || err != nil {
		return nil, err
	}
	return v.sale(), nil
}

// saleByTrace returns the approved sale with trace number trace (six
// digits) of the current batch.
func (t *Terminal) saleByTrace(trace string) (*Sale, error) {
	n, err := strconv.ParseUint(trace, 10, 32)
	if err != nil || len(trace) == 0 || len(trace) > 6 {
		return nil, nil
	}
	var v savedSale
	ok, err := t.ecrGet(ecrSaleIDBase+n, &v)
	if !ok || err != nil {
		return nil, err
	}
	return v.sale(), nil
}

func (t *Terminal) forgetSale(trace string) error {
	n, err := strconv.ParseUint(trace, 10, 32)
	if err != nil {
		return nil
	}
	return t.ecr.Delete(ecrSaleIDBase + n)
}

// forgetSettledSales drops the sales of a settled batch: they can no
// longer be voided. Open pre-authorisations stay: they are completed or
// voided in a later batch.
func (t *Terminal) forgetSettledSales() error {
	for _, e := range t.ecr.Entries() {
		var v savedSale
		if json.Unmarshal(e.Payload, &v) == nil && v.Kind == iso8583.KindPreAuth {
			continue
		}
		if e.ID >= ecrSaleIDBase {
			if err := t.ecr.Delete(e.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
