// Package link is a framed, acknowledged link over a byte stream, the layer
// under cash-register (ECR) protocols and serial card readers and PIN pads:
//
//	STX | LEN (2 bytes, big-endian) | data | ETX | LRC (XOR of LEN..ETX)
//
// answered by ACK, or NAK when the frame is damaged (bad LRC, missing ETX,
// too large, stalled half-way), with retransmission after a NAK or an ACK
// timeout, up to a retry limit. This is the "STX + explicit length" family
// used by PAX, Castles and many Chinese, Korean and Latin-American terminal
// protocols (reader_notes §4.1); defaults are 2 s ACK timeout, 3 retries and
// 4096-byte payloads.
//
// Start with New(rw, Config{}) over any io.ReadWriter (a reader/serial
// Port, a net.Conn, a pty), then Send and Receive payloads. AppendFrame and
// DecodeFrame are the codec alone.
//
// The link delivers a frame twice if the peer did not hear our ACK and
// resent it; it never repeats a payload on its own beyond the link-level
// retries. Message meaning, references and duplicate suppression belong to
// the protocol on top: see reader/link/ecr.
package link
