package reader

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
)

// scriptCard answers a fixed list of exchanges in order and fails on any
// command it did not expect.
type scriptCard struct {
	atr   []byte
	steps []step
	pos   int
}

type step struct{ cmd, resp []byte }

func (c *scriptCard) ATR() []byte  { return c.atr }
func (c *scriptCard) Close() error { return nil }
func (c *scriptCard) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	if c.pos >= len(c.steps) {
		return nil, fmt.Errorf("unexpected command % X after the script ended", apdu)
	}
	s := c.steps[c.pos]
	c.pos++
	if !bytes.Equal(apdu, s.cmd) {
		return nil, fmt.Errorf("step %d: got command % X, want % X", c.pos, apdu, s.cmd)
	}
	return bytes.Clone(s.resp), nil
}

func (c *scriptCard) done() error {
	if c.pos != len(c.steps) {
		return fmt.Errorf("script stopped at step %d of %d", c.pos, len(c.steps))
	}
	return nil
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}
