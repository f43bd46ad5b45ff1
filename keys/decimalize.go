package keys

// AppendDecimalized appends to dst at most n ASCII decimal digits taken
// from the hex digits of b, the "decimalization" of the Visa CVV and PVV
// algorithms (and of IBM CCA's CVV and VISA-PVV verbs): first the digits
// 0-9 of b from left to right, then its digits A-F from left to right,
// each minus 10. It stops at n digits or at 2*len(b).
func AppendDecimalized(dst, b []byte, n int) []byte {
	start := len(dst)
	for pass := range 2 {
		for i := 0; i < 2*len(b) && len(dst)-start < n; i++ {
			d := b[i/2] >> 4
			if i%2 == 1 {
				d = b[i/2] & 0x0F
			}
			if (pass == 0) == (d <= 9) {
				dst = append(dst, '0'+d%10)
			}
		}
	}
	return dst
}
