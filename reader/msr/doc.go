// Package msr reads magnetic-stripe swipes from keyboard-wedge readers: the
// USB readers (MagTek, ID TECH, generic "USB swipe reader") that enumerate
// as a keyboard and type the tracks, %B…^…^…? for track 1 and ;…=…? for
// track 2, followed by Enter.
//
// Keyboard turns Linux evdev key events (read from /dev/input/eventN, for
// instance with github.com/holoplot/go-evdev after EVIOCGRAB so the
// keystrokes do not reach the console) into characters, US layout; other
// layouts change the characters a reader types, so configure the reader or
// the host for US. ParseSwipe parses the text into emv.Track1 and
// emv.Track2; ParseKeys does both:
//
//	sw, err := msr.ParseSwipe("%B…^…^…?;…=…?") // what the reader typed
//	pan := sw.PAN()                              // emv.PAN: prints masked
//
// A Swipe holds cardholder data in the clear: its String, fmt and slog
// forms mask it, but a keyboard-wedge reader exposes the PAN to the host
// operating system, so production terminals should prefer encrypting (SRED)
// readers. Not here: reading the input device itself, and track 3.
package msr
