package terminal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/pcsc"
)

// OpenCard opens the card to pay with: "sim" gives the software card of
// the named profile (fixtures.Cards), "pcsc" the card in the named PC/SC
// slot (the first slot when name is ""), waiting up to wait for it to be
// inserted. PC/SC needs a build with -tags pcsc. A software card keeps its
// ATC in dir between uses (fixtures.CardIn), as a real card does. Close
// the returned card when done.
func OpenCard(ctx context.Context, kind, name, dir string, wait time.Duration) (reader.Card, func(), error) {
	switch kind {
	case "sim":
		c, save, err := fixtures.CardIn(name, dir)
		if err != nil {
			return nil, nil, err
		}
		return c, func() { save(); c.Close() }, nil
	case "pcsc":
		return openPCSC(ctx, name, wait)
	}
	return nil, nil, fmt.Errorf("terminal: reader %q is not sim or pcsc", kind)
}

func openPCSC(ctx context.Context, slot string, wait time.Duration) (reader.Card, func(), error) {
	if !pcsc.Built {
		return nil, nil, pcsc.ErrNotBuilt
	}
	pc, err := pcsc.New(ctx)
	if err != nil {
		return nil, nil, err
	}
	names, err := pc.Readers(ctx)
	if err == nil && len(names) == 0 {
		err = errors.New("terminal: no PC/SC reader connected")
	}
	if err != nil {
		pc.Close()
		return nil, nil, err
	}
	if slot == "" {
		slot = names[0]
	} else if !slices.Contains(names, slot) {
		pc.Close()
		return nil, nil, fmt.Errorf("terminal: no PC/SC reader %q (have: %s)", slot, strings.Join(names, "; "))
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if _, err := pc.Wait(wctx, slot, reader.Inserted); err != nil {
		pc.Close()
		return nil, nil, fmt.Errorf("terminal: waiting for a card in %q: %w", slot, err)
	}
	c, err := pc.Open(ctx, slot)
	if err != nil {
		pc.Close()
		return nil, nil, err
	}
	return c, func() { c.Close(); pc.Close() }, nil
}
