package msr

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrUnknownKey: a key code outside the US layout table.
	ErrUnknownKey = errors.New("msr: key outside the US keyboard layout")
	// ErrTrack: the typed text holds no valid track, or a read error.
	ErrTrack = errors.New("msr: malformed magnetic-stripe track")
)

// KeyEvent is one key event as Linux evdev reports it (struct input_event
// with type EV_KEY): Code is the KEY_* code, Value 1 for press, 0 release,
// 2 autorepeat.
type KeyEvent struct {
	Code  uint16
	Value int32
}

// Key codes used here (linux/include/uapi/linux/input-event-codes.h).
const (
	keyEnter      = 28
	keyLeftShift  = 42
	keyRightShift = 54
	keyCapsLock   = 58
	keyKPEnter    = 96
)

// usLayout maps KEY_* codes to the characters of a US keyboard, unshifted
// and shifted; 0 marks keys that type nothing here.
var usLayout = [...][2]byte{
	2: {'1', '!'}, 3: {'2', '@'}, 4: {'3', '#'}, 5: {'4', '$'}, 6: {'5', '%'},
	7: {'6', '^'}, 8: {'7', '&'}, 9: {'8', '*'}, 10: {'9', '('}, 11: {'0', ')'},
	12: {'-', '_'}, 13: {'=', '+'},
	16: {'q', 'Q'}, 17: {'w', 'W'}, 18: {'e', 'E'}, 19: {'r', 'R'}, 20: {'t', 'T'},
	21: {'y', 'Y'}, 22: {'u', 'U'}, 23: {'i', 'I'}, 24: {'o', 'O'}, 25: {'p', 'P'},
	26: {'[', '{'}, 27: {']', '}'},
	30: {'a', 'A'}, 31: {'s', 'S'}, 32: {'d', 'D'}, 33: {'f', 'F'}, 34: {'g', 'G'},
	35: {'h', 'H'}, 36: {'j', 'J'}, 37: {'k', 'K'}, 38: {'l', 'L'},
	39: {';', ':'}, 40: {'\'', '"'}, 41: {'`', '~'}, 43: {'\\', '|'},
	44: {'z', 'Z'}, 45: {'x', 'X'}, 46: {'c', 'C'}, 47: {'v', 'V'}, 48: {'b', 'B'},
	49: {'n', 'N'}, 50: {'m', 'M'}, 51: {',', '<'}, 52: {'.', '>'}, 53: {'/', '?'},
	57: {' ', ' '},
}

// Keyboard turns key events into the characters a US keyboard types. The
// zero value is ready (no shift, caps lock off).
type Keyboard struct {
	lshift, rshift, caps bool
}

// Feed takes one event. It returns the character typed (ok true), or enter
// true for Enter; releases and modifier keys type nothing. Autorepeat types
// the character again, as a held key does.
func (k *Keyboard) Feed(ev KeyEvent) (c byte, ok, enter bool, err error) {
	down := ev.Value == 1 || ev.Value == 2
	switch ev.Code {
	case keyLeftShift:
		k.lshift = ev.Value != 0
		return 0, false, false, nil
	case keyRightShift:
		k.rshift = ev.Value != 0
		return 0, false, false, nil
	case keyCapsLock:
		if ev.Value == 1 {
			k.caps = !k.caps
		}
		return 0, false, false, nil
	case keyEnter, keyKPEnter:
		return 0, false, down, nil
	}
	if !down {
		return 0, false, false, nil
	}
	if int(ev.Code) >= len(usLayout) || usLayout[ev.Code][0] == 0 {
		return 0, false, false, fmt.Errorf("%w: code %d", ErrUnknownKey, ev.Code)
	}
	shift := k.lshift || k.rshift
	pair := usLayout[ev.Code]
	if k.caps && pair[0] >= 'a' && pair[0] <= 'z' {
		shift = !shift // caps lock inverts shift for letters only
	}
	if shift {
		return pair[1], true, false, nil
	}
	return pair[0], true, false, nil
}

// Type decodes events up to the first Enter into the text typed, and the
// number of events used. Without an Enter it returns everything typed and
// n = len(events). Unknown keys are an error naming the event's index.
func (k *Keyboard) Type(events []KeyEvent) (text []byte, n int, err error) {
	for i, ev := range events {
		c, ok, enter, err := k.Feed(ev)
		if err != nil {
			return text, i, fmt.Errorf("event %d: %w", i, err)
		}
		if enter {
			return text, i + 1, nil
		}
		if ok {
			text = append(text, c)
		}
	}
	return text, len(events), nil
}
