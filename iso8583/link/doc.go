// Package link carries CUP POS (and other ISO 8583) messages between a
// terminal and an acquirer host: the terminal's Client and the host's
// Server and Host, over TCP with optional TLS.
//
// A terminal must never lose a transaction nor charge one twice. It keeps
// one durable record per money-moving transaction in a Journal (sealed at
// rest with WithSealKey, locked against a second opener), whose state
// follows the transaction's life cycle (TxnState): before a request
// leaves, its record with the reversal (冲正) is synced; the approval
// replaces it in one write; a decision to reverse is one write; a reversal
// ends only with a MAC-verified 0410 whose code the ResponsePolicy accepts
// (00, 12, 25). Pending reversals go out at start-up, before the next
// financial request and from DrainReversals (backoff without holding the
// client); a response that fails its MAC triggers a reversal with reason
// A0, a timeout one with 98 and a new connection. STAN and batch number
// live in Counters, so a restart never reuses a STAN. Journals and
// counters write through an FS, which tests replace with one that loses
// unsynced bytes: the fault-matrix tests cut a terminal day at every
// durable write, as a kill and as a power loss, and check the issuer's
// books after the restart.
//
// On the host side, Server accepts connections, frames and dispatches them
// (size limits, idle timeouts, graceful Shutdown); Host routes by
// transaction kind, verifies and generates MACs with each terminal's
// working keys, answers duplicates from a cache, undoes reversed
// authorisations, translates PIN blocks and runs a risk check (Limits)
// before authorising. Its cryptography goes through an hsm.HSM: sign-in
// keys are generated under the terminal's TMK, MACs generated and
// verified, PIN blocks translated by the HSM, and the host keeps key
// blocks (TerminalKeyStore), never clear keys. A host configured with a
// KeyStore of clear keys runs a software HSM over it (KeyStoreHSM).
// SimIssuer verifies chip ARQCs and answers ARPCs through the HSM.
//
// Terminals with DUKPT PIN pads: Config.PINPad enciphers the PIN instead
// of the sign-in PIN key and the block travels with its KSN
// (iso8583.Transaction.KSN, in the field iso8583.WithKSNField names, on
// both sides); HostConfig.BDK finds the base derivation key of a KSN and
// the HSM translates the block from the derived key to the zone key (a
// KSN without a BDK is answered 96 and never reaches the issuer).
// DUKPTPINPad is a software TDES DUKPT PIN pad for simulators and tests,
// its registers in a sealed state file advanced durably before each block
// leaves.
//
// Start with Client (terminal) or Host with Server (acquirer). Each is
// built once from a Config struct its constructor checks (NewClient,
// NewHost, NewServer; errors wrap ErrConfig and name the field) and has
// no setters. Conn is the framing and STAN + terminal-ID matching
// underneath both. The package does not define message formats (package
// iso8583 does) or key algorithms (package keys).
//
// First calls (terminal): the sealed journal and counters, the client,
// sign-in, a sale, settlement.
//
//	j, err := link.OpenJournal("state/transactions.journal", link.WithSealKey(storageKey))
//	ctr, err := link.OpenCounters("state/counters")
//	c, err := link.NewClient(link.Config{Dialer: link.Dialer{Addr: "acquirer.example:5000"},
//		Terminal: iso8583.Terminal{TerminalID: "12345678", MerchantID: "898100012340001"},
//		TMK: tmk, Journal: j, Counters: ctr})
//	err = c.SignIn(ctx)                                   // working keys; pending reversals sent
//	res, err := c.Sale(ctx, link.Card{PAN: pan, Expiry: "3012", EntryMode: "051", ICC: field55}, 1234, pin)
//	s, err := c.Settle(ctx)
//
// First calls (acquirer): a host over a key store, served on TCP.
//
//	host, err := link.NewHost(link.HostConfig{Keys: ks, ZPK: zpk, Issuer: issuer, Store: st, CardKey: cardKey})
//	srv, err := link.NewServer(link.ServerConfig{Handler: host, TLS: tlsConfig})
//	err = srv.ListenAndServe(":5000")
//
// A terminal that is not one long process keeps its working keys between
// runs with WorkingKeysUnderTMK and ResumeWorkingKeys, and signs in again
// when an answer's code asks for it (SignInRequired: A0, 99).
package link
