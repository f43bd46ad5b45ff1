// Package serial opens serial ports for card readers, PIN pads and cash
// register links, on go.bug.st/serial (no cgo on Linux and Windows).
//
// A Port behaves like a net.Conn for reading: go.bug.st/serial reports a
// read timeout as (0, nil), which makes io.ReadFull loop for ever, so Port
// turns it into os.ErrDeadlineExceeded and adds SetReadDeadline. That lets a
// Port carry reader/link's framed link, whose goroutines need a Read that
// either returns bytes, times out, or fails when the port is closed.
//
// Start with Open(name, Config{BaudRate: 9600}); Ports lists the system's
// ports with their USB vendor and product IDs.
//
// Not here: framing and acknowledgement (reader/link), the ECR message set
// (reader/link/ecr). Pseudo-terminals (github.com/creack/pty) stand in for
// ports in tests; they ignore the baud rate and have no modem lines.
package serial
