package link

import (
	"context"
	"fmt"
	"strings"

	"github.com/possdk/pos/iso8583"
)

// Settlement is the outcome of Settle.
type Settlement struct {
	Batch    uint32         // the batch settled
	Terminal iso8583.Totals // the terminal's totals
	Host     iso8583.Totals // the host's, from the 0510
	Balanced bool
	Uploaded int // transactions sent in the batch upload (0 when balanced)
}

// batchUploadPerMessage is how many 40-digit detail records fit in field
// 48 (n...322: 2 + 8 × 40).
const batchUploadPerMessage = 8

// Totals returns the settlement totals of the current batch: debits are
// approved sales and completions not voided, credits approved refunds
// (CUP 借记/贷记).
func (c *Client) Totals() (iso8583.Totals, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	live, err := c.batchTxns()
	if err != nil {
		return iso8583.Totals{}, err
	}
	return sumTotals(live), nil
}

func sumTotals(live []*iso8583.Transaction) iso8583.Totals {
	var t iso8583.Totals
	for _, x := range live {
		if x.Kind == iso8583.KindRefund {
			t.CreditAmount += x.Amount
			t.CreditCount++
		} else {
			t.DebitAmount += x.Amount
			t.DebitCount++
		}
	}
	return t
}

// batchTxns returns the batch's debits and credits, voided sales left out.
func (c *Client) batchTxns() ([]*iso8583.Transaction, error) {
	batch := c.cfg.Counters.Batch()
	var all []*iso8583.Transaction
	voided := make(map[uint32]bool)
	for _, e := range c.cfg.Journal.Entries() {
		r, err := decodeRecord(e.ID, e.Payload)
		if err != nil {
			return nil, err
		}
		if r.State != StateApproved || !inBatch(r.Txn.Kind) {
			continue
		}
		t := r.Txn
		if batchOf(t) != batch {
			continue
		}
		if (t.Kind == iso8583.KindVoid || t.Kind == iso8583.KindPreAuthCompletionVoid) && t.Field61 != nil {
			voided[t.Field61.STAN] = true
			continue
		}
		all = append(all, t)
	}
	live := all[:0]
	for _, t := range all {
		if !voided[t.STAN] && (debit(t.Kind) || t.Kind == iso8583.KindRefund) {
			live = append(live, t)
		}
	}
	return live, nil
}

// Settle (批结算) sends the batch totals (0500). If the host reports them
// unbalanced, the batch's transactions are uploaded (0320, eight per
// message) and the upload closed. Either way the batch is then cleared and
// the batch number advanced. Pending reversals are sent first.
func (c *Client) Settle(ctx context.Context) (*Settlement, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.readyLocked(ctx); err != nil {
		return nil, err
	}
	batch := c.cfg.Counters.Batch()
	live, err := c.batchTxns()
	if err != nil {
		return nil, err
	}
	s := &Settlement{Batch: batch, Terminal: sumTotals(live)}
	stan, err := c.cfg.Counters.NextSTAN()
	if err != nil {
		return nil, err
	}
	req, err := c.cfg.Terminal.Settlement(stan, batch, iso8583.SettlementTotals{Domestic: s.Terminal})
	if err != nil {
		return nil, err
	}
	resp, err := c.roundTripLocked(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("link: settlement: %w", err)
	}
	if !resp.ResponseCode.Approved() {
		return nil, fmt.Errorf("link: settlement declined: %s", resp.ResponseCode)
	}
	host, err := iso8583.ParseSettlementTotals(resp.AdditionalData)
	if err != nil {
		return nil, fmt.Errorf("link: settlement response: %w", err)
	}
	s.Host, s.Balanced = host.Domestic, host.Balanced()
	if !s.Balanced {
		if err := c.uploadLocked(ctx, batch, live); err != nil {
			return nil, err
		}
		s.Uploaded = len(live)
	}
	// The batch number advances first, then the settled records go: a
	// crash in between leaves records of the old batch, which the totals
	// and the next upload skip (they name their batch) and the next
	// settlement clears; the other order would settle the same batch
	// number again, empty, against the host's totals.
	if _, err := c.cfg.Counters.NextBatch(); err != nil {
		return nil, err
	}
	if err := c.dropSettledLocked(batch); err != nil {
		return nil, err
	}
	return s, nil
}

// Batch-upload network management codes (60.3 of a 0320) for the detail
// messages of chip transactions. Sources disagree (CUP POS terminal
// specifications seen: 203 / 205 for IC online details, balanced /
// unbalanced; another codebase: 204 / 206): the default follows the
// former and Config.ChipUploadCode overrides it per acquirer.
const (
	ChipUploadUnbalanced = "205"
	MagUploadCode        = "201"
)

// uploadLocked sends the batch upload (批上送) of live and its end message.
// Magnetic-stripe debits go eight to a message in field 48's 40-digit
// detail records (CUP POS, D's M_BatchSendChecker: card type N2 (00
// domestic), STAN N6, PAN N20 right-aligned zero-filled, amount N12). That
// record cannot say a refund from a sale and has no room for chip data,
// so chip transactions and refunds go one to a message: the same record
// in field 48, plus the card (2), the processing code (3: 00xxxx debit,
// 20xxxx refund), the amount (4), RRN and authorisation code (37, 38),
// the chip data (55) and the original's batch, STAN and date (61), with
// 60.3 = Config.ChipUploadCode (default 205) for chip, 201 otherwise.
func (c *Client) uploadLocked(ctx context.Context, batch uint32, live []*iso8583.Transaction) error {
	var mag, detail []*iso8583.Transaction
	for _, t := range live {
		if len(t.ICC) > 0 || t.Kind == iso8583.KindRefund {
			detail = append(detail, t)
		} else {
			mag = append(mag, t)
		}
	}
	record := func(b *strings.Builder, t *iso8583.Transaction) error {
		pan := string(cardOf(t))
		if len(pan) > 20 {
			return fmt.Errorf("%w: PAN of %d digits in batch upload", iso8583.ErrInvalidField, len(pan))
		}
		fmt.Fprintf(b, "00%06d%s%s%012d", t.STAN, strings.Repeat("0", 20-len(pan)), pan, t.Amount)
		return nil
	}
	send := func(up *iso8583.Transaction) error {
		stan, err := c.cfg.Counters.NextSTAN()
		if err != nil {
			return err
		}
		up.Kind, up.STAN = iso8583.KindBatchUpload, stan
		up.TerminalID, up.MerchantID = c.cfg.Terminal.TerminalID, c.cfg.Terminal.MerchantID
		resp, err := c.roundTripLocked(ctx, up)
		if err != nil {
			return fmt.Errorf("link: batch upload: %w", err)
		}
		if !resp.ResponseCode.Approved() {
			return fmt.Errorf("link: batch upload declined: %s", resp.ResponseCode)
		}
		return nil
	}
	for i := 0; i < len(mag); i += batchUploadPerMessage {
		chunk := mag[i:min(i+batchUploadPerMessage, len(mag))]
		var b strings.Builder
		fmt.Fprintf(&b, "%02d", len(chunk))
		for _, t := range chunk {
			if err := record(&b, t); err != nil {
				return err
			}
		}
		if err := send(&iso8583.Transaction{AdditionalData: b.String(), Field60: &iso8583.Field60{Batch: batch, NetMgmt: MagUploadCode}}); err != nil {
			return err
		}
	}
	for _, t := range detail {
		var b strings.Builder
		b.WriteString("01")
		if err := record(&b, t); err != nil {
			return err
		}
		proc := "000000"
		if t.Kind == iso8583.KindRefund {
			proc = "200000"
		}
		nmi := MagUploadCode
		if len(t.ICC) > 0 {
			nmi = c.cfg.ChipUploadCode
			if nmi == "" {
				nmi = ChipUploadUnbalanced
			}
		}
		up := &iso8583.Transaction{
			PAN: cardOf(t), ProcessingCode: proc, Amount: t.Amount, RRN: t.RRN, AuthCode: t.AuthCode,
			ICC: t.ICC, AdditionalData: b.String(),
			Field60: &iso8583.Field60{Batch: batch, NetMgmt: nmi},
			Field61: &iso8583.Field61{Batch: batchOf(t), STAN: t.STAN, Date: t.LocalDate},
		}
		if err := send(up); err != nil {
			return err
		}
	}
	stan, err := c.cfg.Counters.NextSTAN()
	if err != nil {
		return err
	}
	end, err := c.cfg.Terminal.BatchUploadEnd(stan, batch, len(live), false)
	if err != nil {
		return err
	}
	resp, err := c.roundTripLocked(ctx, end)
	if err != nil {
		return fmt.Errorf("link: batch upload end: %w", err)
	}
	if !resp.ResponseCode.Approved() {
		return fmt.Errorf("link: batch upload end declined: %s", resp.ResponseCode)
	}
	return nil
}

// dropSettledLocked deletes the records a settlement of batch made
// final: approved batch transactions of that batch or an earlier one (a
// crash may have left some), and pre-authorisations whose completion is
// among them. Open pre-authorisations stay: they are completed later.
// When nothing else is left, one atomic rewrite clears the journal.
func (c *Client) dropSettledLocked(batch uint32) error {
	entries := c.cfg.Journal.Entries()
	completed := map[uint64]bool{} // pre-authorisation records whose completion settled
	var drop []uint64
	keep := 0
	recs := make([]*txnRecord, len(entries))
	for i, e := range entries {
		r, err := decodeRecord(e.ID, e.Payload)
		if err != nil {
			return err
		}
		recs[i] = r
		if r.State == StateApproved && inBatch(r.Txn.Kind) && batchOf(r.Txn) <= batch {
			drop = append(drop, e.ID)
			if r.Orig != 0 {
				completed[r.Orig] = true
			}
		}
	}
	for i, e := range entries {
		r := recs[i]
		switch {
		case r.State == StateApproved && inBatch(r.Txn.Kind) && batchOf(r.Txn) <= batch:
		case r.State == StateApproved && r.Txn.Kind == iso8583.KindPreAuth && completed[e.ID]:
			drop = append(drop, e.ID)
		case r.State == StateApproved && r.Txn.Kind.Scan() && batchOf(r.Txn) <= batch:
			// Scan sales are not in the card totals (the wallet's own
			// reconciliation settles them); their records close with the
			// batch they were taken in.
			drop = append(drop, e.ID)
		default:
			keep++
		}
	}
	if keep == 0 {
		err := c.cfg.Journal.Clear()
		c.rescan()
		return err
	}
	for _, id := range drop {
		if err := c.deleteRecord(id); err != nil {
			return err
		}
	}
	return nil
}
