package msr

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/possdk/pos/emv"
)

// Swipe is what one swipe of a card gave: track 1 and/or track 2, parsed
// with emv's track types. Their String, fmt and slog forms mask the PAN and
// hide the rest, and so do Swipe's.
type Swipe struct {
	Track1 *emv.Track1
	Track2 *emv.Track2
}

// PAN returns the card number from track 2, or track 1 when track 2 is
// missing.
func (s Swipe) PAN() emv.PAN {
	if s.Track2 != nil {
		return s.Track2.PAN
	}
	if s.Track1 != nil {
		return s.Track1.PAN
	}
	return emv.PAN{}
}

// String shows the masked tracks.
func (s Swipe) String() string {
	var parts []string
	if s.Track1 != nil {
		parts = append(parts, "track1="+s.Track1.String())
	}
	if s.Track2 != nil {
		parts = append(parts, "track2="+s.Track2.String())
	}
	return "swipe{" + strings.Join(parts, " ") + "}"
}

// Format prints the masked form for every verb, %#v included.
func (s Swipe) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// LogValue logs the masked form.
func (s Swipe) LogValue() slog.Value { return slog.StringValue(s.String()) }

// ParseSwipe parses what a keyboard-wedge reader types for one swipe:
// track 1 as %B…^…^…? and track 2 as ;…=…? (ISO/IEC 7813 sentinels), in
// either order, with anything around them (a trailing newline, track 3)
// ignored. Readers type "%E?" or ";E?" for a track they could not read;
// that track is skipped, and it is an error only when no track is left.
// Parse errors wrap ErrTrack and emv.ErrTrack, and never quote the data.
func ParseSwipe(text string) (Swipe, error) {
	var s Swipe
	var errs []string
	rest := text
	for len(rest) > 0 {
		i := strings.IndexAny(rest, "%;")
		if i < 0 {
			break
		}
		start := rest[i]
		rest = rest[i+1:]
		end := strings.IndexByte(rest, '?')
		if end < 0 {
			errs = append(errs, fmt.Sprintf("track starting with %q has no end sentinel", start))
			break
		}
		body := rest[:end]
		rest = rest[end+1:]
		if body == "E" { // read error reported by the reader
			errs = append(errs, fmt.Sprintf("reader could not read the %q track", start))
			continue
		}
		switch {
		case start == '%' && s.Track1 == nil:
			t1, err := emv.ParseTrack1(body)
			if err != nil {
				return Swipe{}, fmt.Errorf("%w: track 1: %w", ErrTrack, err)
			}
			s.Track1 = &t1
		case start == ';' && s.Track2 == nil:
			t2, err := emv.ParseTrack2(body)
			if err != nil {
				return Swipe{}, fmt.Errorf("%w: track 2: %w", ErrTrack, err)
			}
			s.Track2 = &t2
		}
		// A second ';' track is track 3 (ISO 4909): not used for payments.
	}
	if s.Track1 == nil && s.Track2 == nil {
		if len(errs) == 0 {
			errs = append(errs, "no %… or ;… track found")
		}
		return Swipe{}, fmt.Errorf("%w: %s", ErrTrack, strings.Join(errs, "; "))
	}
	if s.Track1 != nil && s.Track2 != nil && s.Track1.PAN.Digits() != s.Track2.PAN.Digits() {
		return Swipe{}, fmt.Errorf("%w: tracks 1 and 2 carry different PANs", ErrTrack)
	}
	return s, nil
}

// ParseKeys decodes one swipe's key events (up to Enter) with a fresh US
// keyboard and parses the text.
func ParseKeys(events []KeyEvent) (Swipe, error) {
	var k Keyboard
	text, _, err := k.Type(events)
	if err != nil {
		return Swipe{}, err
	}
	return ParseSwipe(string(text))
}
