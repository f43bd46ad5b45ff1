package oda

import "errors"

// Sentinel errors; each failure wraps one and says which check failed. The
// kernel maps them to TVR bits (ODA failed, ICC data missing, expired ...).
var (
	ErrCAKey        = errors.New("oda: invalid CA public key")
	ErrUnknownCAKey = errors.New("oda: CA public key not found")
	ErrCertificate  = errors.New("oda: certificate check failed")
	ErrExpired      = errors.New("oda: expired")
	ErrPANMismatch  = errors.New("oda: certificate does not match the PAN")
	ErrSignature    = errors.New("oda: signed data check failed")
	ErrMissingData  = errors.New("oda: data needed for authentication is missing")
)
