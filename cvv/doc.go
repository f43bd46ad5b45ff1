// Package cvv computes and verifies card verification values: the static
// CVV/CVC of the magnetic stripe (service code from the track), CVV2/CVC2
// (printed, service code 000) and the chip's iCVV (service code 999) under
// a card verification key pair, and the contactless magnetic-stripe
// dynamic values under the card's derived key: Mastercard's CVC3 and
// Visa's dCVV (DCVV; no Visa vector is public: see its comment).
//
// Start with Compute and Verify (ServiceCodeCVV2 and ServiceCodeICVV name
// the fixed service codes), or CVC3. Verify compares in constant time.
// The issuer keys travel as keys.Key; an issuer host keeps them in an HSM
// (package hsm calls this one). Errors wrap ErrInput or ErrMismatch and
// never contain a PAN or a value.
//
// Not here: Amex CSC, PIN verification values (package pinblock: PVV, IBM 3624).
//
// First calls:
//
//	v, err := cvv.Compute(cvk, "4123456789012345", "8701", "101", 3) // CVV/CVC (service code 000: CVV2)
//	err = cvv.Verify(cvk, "4123456789012345", "8701", "101", v)       // constant time
package cvv
