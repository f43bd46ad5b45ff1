package emv

import (
	"encoding/binary"
	"fmt"
	"strconv"
)

// CVMMethod is the cardholder verification method code, b6-b1 of the first
// byte of a CV Rule (EMV Book 3 Table 43).
type CVMMethod byte

// The methods of EMV 4.4 Book 3 Table 43.
const (
	CVMFail                      CVMMethod = 0x00
	CVMPlaintextPIN              CVMMethod = 0x01
	CVMEncipheredPINOnline       CVMMethod = 0x02
	CVMPlaintextPINAndSignature  CVMMethod = 0x03
	CVMEncipheredPIN             CVMMethod = 0x04
	CVMEncipheredPINAndSignature CVMMethod = 0x05
	CVMSignature                 CVMMethod = 0x1E
	CVMNoCVM                     CVMMethod = 0x1F
	CVMNotAvailable              CVMMethod = 0x3F // CVM Results only: no CVM performed
)

func (m CVMMethod) String() string {
	switch m {
	case CVMFail:
		return "Fail CVM processing"
	case CVMPlaintextPIN:
		return "Plaintext PIN verification performed by ICC"
	case CVMEncipheredPINOnline:
		return "Enciphered PIN verified online"
	case CVMPlaintextPINAndSignature:
		return "Plaintext PIN verification performed by ICC and signature (paper)"
	case CVMEncipheredPIN:
		return "Enciphered PIN verification performed by ICC"
	case CVMEncipheredPINAndSignature:
		return "Enciphered PIN verification performed by ICC and signature (paper)"
	case CVMSignature:
		return "Signature (paper)"
	case CVMNoCVM:
		return "No CVM required"
	case CVMNotAvailable:
		return "No CVM performed"
	}
	switch {
	case m >= 0x20 && m <= 0x2F:
		return "Payment system-specific method " + hexString([]byte{byte(m)})
	case m >= 0x30 && m <= 0x3E:
		return "Issuer-specific method " + hexString([]byte{byte(m)})
	}
	return "RFU method " + hexString([]byte{byte(m)})
}

// CVMCondition is the second byte of a CV Rule (EMV Book 3 Table 44).
type CVMCondition byte

// The condition codes of EMV 4.4 Book 3 Table 44.
const (
	CVMAlways              CVMCondition = 0x00
	CVMIfUnattendedCash    CVMCondition = 0x01
	CVMIfNotCashOrCashback CVMCondition = 0x02
	CVMIfTerminalSupports  CVMCondition = 0x03
	CVMIfManualCash        CVMCondition = 0x04
	CVMIfCashback          CVMCondition = 0x05
	CVMIfUnderX            CVMCondition = 0x06
	CVMIfOverX             CVMCondition = 0x07
	CVMIfUnderY            CVMCondition = 0x08
	CVMIfOverY             CVMCondition = 0x09
)

var cvmConditionText = [...]string{
	"Always",
	"If unattended cash",
	"If not unattended cash and not manual cash and not purchase with cashback",
	"If terminal supports the CVM",
	"If manual cash",
	"If purchase with cashback",
	"If transaction is in the application currency and is under X value",
	"If transaction is in the application currency and is over X value",
	"If transaction is in the application currency and is under Y value",
	"If transaction is in the application currency and is over Y value",
}

func (c CVMCondition) String() string {
	if int(c) < len(cvmConditionText) {
		return cvmConditionText[c]
	}
	if c >= 0x80 {
		return "Payment system-specific condition " + hexString([]byte{byte(c)})
	}
	return "RFU condition " + hexString([]byte{byte(c)})
}

// CVMRule is one two-byte CV Rule of a CVM List.
type CVMRule struct {
	Method CVMMethod
	// ApplyNext is b7 of the first byte: apply the succeeding rule if this
	// one fails.
	ApplyNext bool
	Condition CVMCondition
}

// Bytes encodes the rule.
func (r CVMRule) Bytes() [2]byte {
	b := byte(r.Method) & 0x3F
	if r.ApplyNext {
		b |= 0x40
	}
	return [2]byte{b, byte(r.Condition)}
}

func (r CVMRule) String() string {
	s := r.Method.String() + ", " + r.Condition.String()
	if r.ApplyNext {
		return s + ", apply succeeding rule if unsuccessful"
	}
	return s + ", fail cardholder verification if unsuccessful"
}

// CVMList is the Cardholder Verification Method List (tag 8E, EMV Book 3
// Table 42): two amounts in the application currency and the rules in order.
type CVMList struct {
	X, Y  uint32 // binary amounts, implicit decimal point per 9F44
	Rules []CVMRule
}

// ParseCVMList decodes a tag 8E value: 8 bytes of amounts followed by an even
// number of rule bytes.
func ParseCVMList(b []byte) (CVMList, error) {
	var l CVMList
	if len(b) < 8 {
		return l, fmt.Errorf("%w: CVM List (8E) is %d bytes, want at least 8", ErrValue, len(b))
	}
	if len(b)%2 != 0 {
		return l, fmt.Errorf("%w: CVM List (8E) has an odd number of rule bytes (%d)", ErrValue, len(b)-8)
	}
	l.X = binary.BigEndian.Uint32(b[0:4])
	l.Y = binary.BigEndian.Uint32(b[4:8])
	l.Rules = make([]CVMRule, 0, (len(b)-8)/2)
	for i := 8; i+1 < len(b); i += 2 {
		l.Rules = append(l.Rules, CVMRule{
			Method:    CVMMethod(b[i] & 0x3F),
			ApplyNext: b[i]&0x40 != 0,
			Condition: CVMCondition(b[i+1]),
		})
	}
	return l, nil
}

// Append encodes the list onto dst.
func (l CVMList) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, l.X)
	dst = binary.BigEndian.AppendUint32(dst, l.Y)
	for _, r := range l.Rules {
		b := r.Bytes()
		dst = append(dst, b[0], b[1])
	}
	return dst
}

// Describe returns one line for the amounts and one per rule.
func (l CVMList) Describe() []string {
	out := []string{"X=" + strconv.FormatUint(uint64(l.X), 10) + " Y=" + strconv.FormatUint(uint64(l.Y), 10)}
	for i, r := range l.Rules {
		out = append(out, "rule "+strconv.Itoa(i+1)+": "+r.String())
	}
	return out
}

// CVMResult is the third byte of the CVM Results (EMV Book 3 Annex A).
type CVMResult byte

// CVM Results outcomes.
const (
	CVMResultUnknown    CVMResult = 0x00 // e.g. signature: checked later
	CVMResultFailed     CVMResult = 0x01
	CVMResultSuccessful CVMResult = 0x02
)

func (r CVMResult) String() string {
	switch r {
	case CVMResultUnknown:
		return "Unknown"
	case CVMResultFailed:
		return "Failed"
	case CVMResultSuccessful:
		return "Successful"
	}
	return "RFU result " + hexString([]byte{byte(r)})
}

// CVMResults is tag 9F34: the rule performed (or 3F00 if none) and its
// outcome.
type CVMResults struct {
	Rule   CVMRule
	Result CVMResult
}

// ParseCVMResults decodes a 3-byte tag 9F34 value.
func ParseCVMResults(b []byte) (CVMResults, error) {
	if err := fixed("CVM Results (9F34)", b, 3); err != nil {
		return CVMResults{}, err
	}
	return CVMResults{
		Rule:   CVMRule{Method: CVMMethod(b[0] & 0x3F), ApplyNext: b[0]&0x40 != 0, Condition: CVMCondition(b[1])},
		Result: CVMResult(b[2]),
	}, nil
}

// Bytes encodes the results.
func (r CVMResults) Bytes() [3]byte {
	b := r.Rule.Bytes()
	return [3]byte{b[0], b[1], byte(r.Result)}
}

// Describe returns the method, the condition and the outcome.
func (r CVMResults) Describe() []string {
	return []string{r.Rule.Method.String(), r.Rule.Condition.String(), "Result: " + r.Result.String()}
}
