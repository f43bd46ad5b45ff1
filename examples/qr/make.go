package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/possdk/pos/qr"
	"github.com/possdk/pos/qr/render"
)

// accounts collects repeated -account flags.
type accounts []qr.Object

func (a *accounts) String() string { return fmt.Sprint(len(*a), " account(s)") }

// Set parses "ID=value" (primitive, 02-25) or "ID:sub=value,sub=value"
// (template, 26-51).
func (a *accounts) Set(s string) error {
	idText, rest, template := strings.Cut(s, ":")
	if !template {
		var value string
		var ok bool
		if idText, value, ok = strings.Cut(s, "="); !ok {
			return fmt.Errorf("%q: want ID=value or ID:sub=value,sub=value", s)
		}
		id, err := parseID(idText)
		if err != nil {
			return err
		}
		*a = append(*a, qr.Object{ID: id, Value: value})
		return nil
	}
	id, err := parseID(idText)
	if err != nil {
		return err
	}
	o := qr.Object{ID: id}
	for _, part := range strings.Split(rest, ",") {
		subText, value, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("%q: want sub=value", part)
		}
		sub, err := parseID(subText)
		if err != nil {
			return err
		}
		o.Sub = append(o.Sub, qr.Object{ID: sub, Value: value})
	}
	*a = append(*a, o)
	return nil
}

func parseID(s string) (qr.ID, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 99 || len(s) != 2 {
		return 0, fmt.Errorf("ID %q: want two digits", s)
	}
	return qr.ID(n), nil
}

func runMake(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("qr make", flag.ContinueOnError)
	var accts accounts
	from := fs.String("from", "", "start from this static merchant-presented code (its CRC must be right)")
	amount := fs.String("amount", "", "transaction amount, e.g. 23.72 (required)")
	ref := fs.String("ref", "", "reference label (62/05), e.g. an invoice number or Pix txid")
	terminal := fs.String("terminal", "", "terminal label (62/07)")
	fs.Var(&accts, "account", "merchant account: ID=value or ID:sub=value,... (repeatable; without -from)")
	mcc := fs.String("mcc", "", "merchant category code (52)")
	currency := fs.String("currency", "", "ISO 4217 numeric currency (53)")
	country := fs.String("country", "", "ISO 3166-1 alpha-2 country (58)")
	merchant := fs.String("name", "", "merchant name (59)")
	city := fs.String("city", "", "merchant city (60)")
	profile := fs.String("profile", "auto", "validation profile: auto, EMVCo, UnionPay, Pix, PromptPay, SGQR, VietQR")
	pngFile := fs.String("png", "", "write the code as a PNG to this file instead of drawing it")
	module := fs.Int("module", 8, "PNG pixels per module")
	level := fs.String("level", "M", "error-correction level: L, M, Q or H")
	invert := fs.Bool("invert", false, "draw for a light-background terminal")
	if code, stop := parseFlags(fs, args, stderr, "usage: qr make [-from payload | -account ... -mcc ... -currency ... -country ... -name ... -city ...] -amount N [flags]"); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "qr: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	payload, err := makePayload(*from, accts, fields{
		amount: *amount, ref: *ref, terminal: *terminal, mcc: *mcc, currency: *currency,
		country: *country, name: *merchant, city: *city,
	}, *profile)
	if err != nil {
		fail(stderr, err)
		return 1
	}
	opt := render.Options{ModuleSize: *module, Invert: *invert}
	switch strings.ToUpper(*level) {
	case "L":
		opt.Level = render.L
	case "M":
		opt.Level = render.M
	case "Q":
		opt.Level = render.Q
	case "H":
		opt.Level = render.H
	default:
		fmt.Fprintf(stderr, "qr: error-correction level %q: want L, M, Q or H\n", *level)
		return 2
	}
	fmt.Fprintln(stdout, payload)
	if *pngFile != "" {
		img, err := render.PNG(payload, opt)
		if err == nil {
			err = os.WriteFile(*pngFile, img, 0o644)
		}
		if err != nil {
			fail(stderr, err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", *pngFile, len(img))
		return 0
	}
	if err := render.Terminal(stdout, payload, opt); err != nil {
		fail(stderr, err)
		return 1
	}
	return 0
}

type fields struct {
	amount, ref, terminal, mcc, currency, country, name, city string
}

// makePayload builds the dynamic code and validates it.
func makePayload(from string, accts accounts, f fields, profile string) (string, error) {
	if f.amount == "" {
		return "", errors.New("-amount is required: a dynamic code is for one sale")
	}
	if _, err := qr.ParseAmount(f.amount, 6); err != nil {
		return "", fmt.Errorf("-amount: %w", err)
	}
	var p *qr.Payload
	if from != "" {
		if len(accts) > 0 {
			return "", errors.New("-account and -from do not mix: the static code already names the accounts")
		}
		var err error
		if p, err = qr.Parse(strings.TrimSpace(from)); err != nil {
			return "", fmt.Errorf("-from: %w", err)
		}
	} else {
		if len(accts) == 0 {
			return "", errors.New("give -from or at least one -account")
		}
		code := qr.MerchantCode{Initiation: qr.Dynamic, Accounts: accts}
		s, err := code.Append(nil)
		if err != nil {
			return "", err
		}
		if p, err = qr.Parse(string(s)); err != nil {
			return "", err
		}
	}
	edits := []error{p.Set(qr.IDInitiation, qr.Dynamic), p.Set(qr.IDAmount, f.amount)}
	for _, e := range []struct {
		id qr.ID
		v  string
	}{{qr.IDMCC, f.mcc}, {qr.IDCurrency, f.currency}, {qr.IDCountry, f.country}, {qr.IDMerchantName, f.name}, {qr.IDMerchantCity, f.city}} {
		if e.v != "" {
			edits = append(edits, p.Set(e.id, e.v))
		}
	}
	if f.ref != "" {
		edits = append(edits, p.SetSub(qr.IDAdditionalData, 5, f.ref))
	}
	if f.terminal != "" {
		edits = append(edits, p.SetSub(qr.IDAdditionalData, 7, f.terminal))
	}
	if err := errors.Join(edits...); err != nil {
		return "", err
	}
	out, err := p.Append(nil)
	if err != nil {
		return "", err
	}
	check, err := qr.Parse(string(out))
	if err != nil {
		return "", err
	}
	prof := check.Profile()
	if profile != "auto" {
		if prof, err = qr.ParseProfile(profile); err != nil {
			return "", err
		}
	}
	if err := check.Validate(prof); err != nil {
		return "", err
	}
	return string(out), nil
}
