package iso8583

import "github.com/possdk/pos/keys"

// Kind is a CUP POS transaction type. Each kind is a row of one table
// (MTI, processing code, condition code, 60.1, 60.3, required fields),
// the routing key of the CUP POS spec: MTI + F3[0:2] + F25 + 60.1, or
// MTI + 60.3 for management messages.
type Kind uint8

// Transaction kinds.
const (
	KindUnknown                 Kind = iota
	KindSignIn                       // 签到 0800
	KindSignOff                      // 签退 0820
	KindSale                         // 消费 0200
	KindBalance                      // 余额查询 0200
	KindVoid                         // 消费撤销 0200
	KindRefund                       // 退货 0220
	KindPreAuth                      // 预授权 0100
	KindPreAuthVoid                  // 预授权撤销 0100
	KindPreAuthCompletion            // 预授权完成请求 0200
	KindPreAuthCompletionAdvice      // 预授权完成通知 0220
	KindPreAuthCompletionVoid        // 预授权完成撤销 0200
	KindReversal                     // 冲正 0400
	KindSettlement                   // 批结算 0500
	KindBatchUpload                  // 批上送 0320
	KindBatchUploadEnd               // 批上送结束 0320
	KindScanPay                      // 扫码消费 (B2C: the terminal scanned the customer's payment code) 0200
	KindScanQuery                    // 扫码查询 0200
	KindScanCancel                   // 扫码撤销 (close or refund an order the terminal gave up on) 0200
	KindScanOrder                    // 扫码下单 (C2B: ask for a dynamic code the wallet scans) 0200
	KindScanRefund                   // 扫码退货 (return money of a paid scan order to the wallet) 0200
	kindCount
)

// Network management codes (60.3) used by the batch messages.
const (
	nmiSignOff        = "002"
	nmiSettlement     = "201"
	nmiBatchUpload    = "201" // magnetic-stripe detail; IC cards use 203 and 205
	nmiBatchEnd       = "202" // batch end when the totals did not balance
	nmiBatchEndBal    = "207" // batch end when they did
	nmiFinancialBlank = "000"
)

type kindInfo struct {
	name   string
	mti    string // request MTI
	proc   string // default processing code ("" none)
	cond   string // field 25 ("" none)
	type60 string // 60.1
	nmi    string // default 60.3
	mac    bool   // requests carry field 64, approved responses must
	card   bool   // needs field 2 or 35
	req    []int  // required request fields, besides card data
}

var kinds = [kindCount]kindInfo{
	KindUnknown:                 {name: "unknown"},
	KindSignIn:                  {name: "sign-in", mti: "0800", type60: "00", nmi: "003", req: []int{11, 41, 42, 60}},
	KindSignOff:                 {name: "sign-off", mti: "0820", type60: "00", nmi: nmiSignOff, req: []int{11, 41, 42, 60}},
	KindSale:                    {name: "sale", mti: "0200", proc: "000000", cond: "00", type60: "22", nmi: nmiFinancialBlank, mac: true, card: true, req: []int{3, 4, 11, 22, 25, 41, 42, 49, 60}},
	KindBalance:                 {name: "balance inquiry", mti: "0200", proc: "310000", cond: "00", type60: "01", nmi: nmiFinancialBlank, mac: true, card: true, req: []int{3, 11, 22, 25, 41, 42, 49, 60}},
	KindVoid:                    {name: "void", mti: "0200", proc: "200000", cond: "00", type60: "23", nmi: nmiFinancialBlank, mac: true, card: true, req: []int{3, 4, 11, 22, 25, 37, 41, 42, 49, 60, 61}},
	KindRefund:                  {name: "refund", mti: "0220", proc: "200000", cond: "00", type60: "25", nmi: nmiFinancialBlank, mac: true, card: true, req: []int{3, 4, 11, 22, 25, 37, 41, 42, 49, 60, 61}},
	KindPreAuth:                 {name: "pre-authorisation", mti: "0100", proc: "030000", cond: "06", type60: "10", nmi: nmiFinancialBlank, mac: true, card: true, req: []int{3, 4, 11, 22, 25, 41, 42, 49, 60}},
	KindPreAuthVoid:             {name: "pre-authorisation cancel", mti: "0100", proc: "200000", cond: "06", type60: "11", nmi: nmiFinancialBlank, mac: true, card: true, req: []int{3, 4, 11, 22, 25, 38, 41, 42, 49, 60, 61}},
	KindPreAuthCompletion:       {name: "pre-authorisation completion", mti: "0200", proc: "000000", cond: "06", type60: "20", nmi: nmiFinancialBlank, mac: true, card: true, req: []int{3, 4, 11, 22, 25, 38, 41, 42, 49, 60, 61}},
	KindPreAuthCompletionAdvice: {name: "pre-authorisation completion advice", mti: "0220", proc: "000000", cond: "06", type60: "24", nmi: nmiFinancialBlank, mac: true, card: true, req: []int{3, 4, 11, 22, 25, 38, 41, 42, 49, 60, 61}},
	KindPreAuthCompletionVoid:   {name: "pre-authorisation completion cancel", mti: "0200", proc: "200000", cond: "06", type60: "21", nmi: nmiFinancialBlank, mac: true, card: true, req: []int{3, 4, 11, 22, 25, 37, 38, 41, 42, 49, 60, 61}},
	KindReversal:                {name: "reversal", mti: "0400", mac: true, req: []int{3, 11, 25, 39, 41, 42, 60}},
	KindSettlement:              {name: "settlement", mti: "0500", type60: "00", nmi: nmiSettlement, req: []int{11, 41, 42, 48, 49, 60}},
	KindBatchUpload:             {name: "batch upload", mti: "0320", type60: "00", nmi: nmiBatchUpload, req: []int{11, 41, 42, 48, 60}},
	KindBatchUploadEnd:          {name: "batch upload end", mti: "0320", type60: "00", nmi: nmiBatchEnd, req: []int{11, 41, 42, 48, 60}},
	// Scan-code payments. The CUP POS spec this package follows has no
	// scan messages; acquirers define their own. possdk's convention:
	// 0200 with 60.1 = 71 pay, 72 query, 73 cancel, 74 order, 75 refund, the order
	// named by the terminal's batch and STAN (query and cancel carry the
	// pay's in field 61), the payment code and the acquirer's answer in a
	// private field the acquirer profile names (link.ScanProfile).
	KindScanPay:    {name: "scan sale", mti: "0200", proc: "000000", cond: "00", type60: "71", nmi: nmiFinancialBlank, mac: true, req: []int{3, 4, 11, 25, 41, 42, 49, 60}},
	KindScanQuery:  {name: "scan query", mti: "0200", proc: "310000", cond: "00", type60: "72", nmi: nmiFinancialBlank, mac: true, req: []int{3, 11, 25, 41, 42, 60, 61}},
	KindScanCancel: {name: "scan cancel", mti: "0200", proc: "200000", cond: "00", type60: "73", nmi: nmiFinancialBlank, mac: true, req: []int{3, 11, 25, 41, 42, 60, 61}},
	KindScanOrder:  {name: "scan order", mti: "0200", proc: "000000", cond: "00", type60: "74", nmi: nmiFinancialBlank, mac: true, req: []int{3, 4, 11, 25, 41, 42, 49, 60}},
	// 75 refund: the order named like a cancel (field 61), the amount to
	// return in field 4 (several partial refunds may follow one order).
	KindScanRefund: {name: "scan refund", mti: "0200", proc: "200000", cond: "00", type60: "75", nmi: nmiFinancialBlank, mac: true, req: []int{3, 4, 11, 25, 41, 42, 49, 60, 61}},
}

// Scan reports whether k is one of the scan-code payment kinds.
func (k Kind) Scan() bool { return k >= KindScanPay && k <= KindScanRefund }

// respRequired lists the fields every response must carry.
var respRequired = []int{11, 39, 41, 42}

func (k Kind) info() kindInfo {
	if k >= kindCount {
		return kinds[KindUnknown]
	}
	return kinds[k]
}

func (k Kind) String() string { return k.info().name }

// MTI returns the request MTI of the kind ("" for KindUnknown).
func (k Kind) MTI() string { return k.info().mti }

// RequiresMAC reports whether requests of this kind carry field 64 (and
// approved responses must).
func (k Kind) RequiresMAC() bool { return k.info().mac }

// Financial reports whether the kind moves money and so can be reversed.
func (k Kind) Financial() bool { return k.info().card }

// requestMTI maps a response MTI to its request (0210 → 0200).
func requestMTI(mti string) string {
	if len(mti) != 4 || (mti[2]-'0')%2 == 0 {
		return mti
	}
	return mti[:2] + string(mti[2]-1) + mti[3:]
}

// classify finds the kind from the routing key. For 0400 it returns
// KindReversal and the reversed kind as orig.
func classify(mti, type60, nmi string) (k Kind, orig Kind) {
	req := requestMTI(mti)
	switch req {
	case "0800":
		if _, err := keys.ParseKeyMode(nmi); err == nil {
			return KindSignIn, 0
		}
		return KindUnknown, 0
	case "0820":
		if nmi == nmiSignOff {
			return KindSignOff, 0
		}
		return KindUnknown, 0
	case "0500":
		return KindSettlement, 0
	case "0320":
		if nmi == nmiBatchEnd || nmi == nmiBatchEndBal {
			return KindBatchUploadEnd, 0
		}
		return KindBatchUpload, 0
	}
	// Financial messages: 60.1 is unique across the table.
	var fin Kind
	for k := KindSale; k < kindCount; k++ {
		if (k <= KindPreAuthCompletionVoid || k.Scan()) && kinds[k].type60 == type60 {
			fin = k
		}
	}
	switch {
	case req == "0400" || req == "0420":
		return KindReversal, fin
	case fin != KindUnknown && kinds[fin].mti == req:
		return fin, 0
	}
	return KindUnknown, 0
}
