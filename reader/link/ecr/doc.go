// Package ecr is the cash register (ECR, 收银台) link: the register sends a
// request (sale, void, refund, balance inquiry, pre-authorisation and its
// completion, settlement, sign-in, echo, last-transaction query, reprint,
// abort) and the payment terminal answers, sending status frames while the
// card and PIN are read. Both ends are here: Client for the register,
// Server and Handler for the terminal. They talk over reader/link's framed,
// acknowledged link, on a serial port or anything else.
//
// Messages are text fields separated by FS (0x1C): the kind (Q request, A
// answer, S status), the command, then TAG=value fields: REF (the
// register's reference, echoed in every answer and status), AMT (12 digits
// in minor units), CUR (ISO 4217 numeric) and so on. The fields each
// command requires are a table (need), checked on both ends. The PAN
// field of an answer refuses more than the first 6 and last 4 digits.
//
// Money-moving requests are never re-sent by the Client: when the answer
// does not come, Do returns ErrNoResponse and the register should ask for
// LastTransaction. The Server answers a request identical to the last one
// (a link-level resend after a lost ACK) from memory instead of charging
// twice.
//
// Real terminals speak vendor dialects (Concert, POSLink, ZVT, UMS
// MIS-POS); this package is the SDK's own, documented one, and the shape a
// dialect codec takes.
//
// First calls (cash register): the framed link, the client, a sale.
//
//	l := link.New(conn, link.Config{})                    // package reader/link; conn a serial port or TCP
//	c := ecr.NewClient(l, ecr.ClientConfig{})
//	resp, err := c.Do(ctx, &ecr.Request{Command: ecr.Sale, Ref: "TILL1-0001", Amount: 8800, Currency: 156},
//		func(s ecr.Status) { fmt.Println(s.Code) })       // CARD, PIN, ONLINE ...
//	resp.Approved(); resp.AuthCode; resp.Trace
//
// The terminal side: ecr.NewServer(l, handler).Serve(ctx).
package ecr
