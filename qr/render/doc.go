// Package render draws payment QR payloads: as PNG files (module size,
// quiet zone, error-correction level) for printing or a screen, and as
// Unicode half-block text so a terminal, a CLI or a log can show the code.
//
// It encodes with rsc.io/qr (pure Go, no cgo, about 0.4 ms per code) in byte
// mode, so UTF-8 payloads such as the EMVCo example's alternate-language
// template pass through unchanged. It does not build or check payloads:
// that is package qr's job, and render takes any string.
//
// Start with PNG or Terminal; Encode returns a Symbol whose modules can be
// drawn any other way (Size, Dark).
//
// First calls:
//
//	err := render.Terminal(os.Stdout, payload, render.Options{})
//	png, err := render.PNG(payload, render.Options{})
package render
