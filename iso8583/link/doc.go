// Package link carries CUP POS (and other ISO 8583) messages between a
// terminal and an acquirer host: the terminal's Client and the host's
// Server and Host, over TCP with optional TLS.
//
// A terminal must never lose a transaction. Before a financial request
// leaves the terminal, its reversal (冲正) is written to a Journal and
// synced to disk; it is removed only when the host answers the reversal
// (0410). Pending reversals go out, with retries and backoff, at start-up
// and before the next financial request; a response that fails its MAC
// triggers a reversal with reason A0. STAN and batch number live in
// Counters, so a restart never reuses a STAN.
//
// On the host side, Server accepts connections, frames and dispatches them
// (size limits, idle timeouts, graceful Shutdown); Host routes by
// transaction kind, verifies and generates MACs with each terminal's
// working keys from a KeyStore, answers duplicates from a cache, undoes
// reversed authorisations, translates PIN blocks and runs a risk check
// (Limits) before authorising.
//
// Start with Client (terminal) or Host with Server (acquirer). Conn is the
// framing and STAN + terminal-ID matching underneath both. The package does
// not define message formats (package iso8583 does) or key algorithms
// (package keys).
package link
