package emv

import "strconv"

// StatusWord is SW1 SW2 of a response APDU (ISO/IEC 7816-4 §5.1.3; EMV
// Book 1 §9.4.5 and Book 3 §6.3.5). It is also an error value, so
// errors.Is(err, emv.SWFileNotFound) matches a *StatusError carrying it.
type StatusWord uint16

// The status words EMV processing cares about.
const (
	SWOK                         StatusWord = 0x9000
	SWWarning                    StatusWord = 0x6200
	SWDataCorrupted              StatusWord = 0x6281
	SWEndOfFile                  StatusWord = 0x6282
	SWFileDeactivated            StatusWord = 0x6283 // SELECT: application blocked
	SWVerifyFailed               StatusWord = 0x6300
	SWExecutionError             StatusWord = 0x6400
	SWMemoryFailure              StatusWord = 0x6581
	SWWrongLength                StatusWord = 0x6700
	SWSecureMessagingUnsupported StatusWord = 0x6882
	SWIncompatibleFile           StatusWord = 0x6981
	SWSecurityNotSatisfied       StatusWord = 0x6982
	SWAuthMethodBlocked          StatusWord = 0x6983 // VERIFY: PIN try limit exceeded
	SWReferenceDataInvalid       StatusWord = 0x6984
	SWConditionsNotSatisfied     StatusWord = 0x6985
	SWCommandNotAllowed          StatusWord = 0x6986
	SWSMObjectsMissing           StatusWord = 0x6987
	SWSMObjectsIncorrect         StatusWord = 0x6988
	SWWrongData                  StatusWord = 0x6A80
	SWFunctionNotSupported       StatusWord = 0x6A81 // SELECT: card blocked
	SWFileNotFound               StatusWord = 0x6A82
	SWRecordNotFound             StatusWord = 0x6A83
	SWNotEnoughMemory            StatusWord = 0x6A84
	SWIncorrectP1P2              StatusWord = 0x6A86
	SWReferencedDataNotFound     StatusWord = 0x6A88
	SWWrongP1P2                  StatusWord = 0x6B00
	SWINSNotSupported            StatusWord = 0x6D00
	SWCLANotSupported            StatusWord = 0x6E00
	SWNoDiagnosis                StatusWord = 0x6F00
)

var swText = map[StatusWord]string{
	SWOK:                         "process completed normally",
	SWWarning:                    "warning, no information given",
	SWDataCorrupted:              "part of the returned data may be corrupted",
	SWEndOfFile:                  "end of file or record reached before reading Le bytes",
	SWFileDeactivated:            "selected file deactivated (application blocked)",
	0x6284:                       "file control information not formatted",
	SWVerifyFailed:               "verification failed",
	SWExecutionError:             "execution error, state of non-volatile memory unchanged",
	SWMemoryFailure:              "memory failure",
	SWWrongLength:                "wrong length",
	0x6881:                       "logical channel not supported",
	SWSecureMessagingUnsupported: "secure messaging not supported",
	SWIncompatibleFile:           "command incompatible with file structure",
	SWSecurityNotSatisfied:       "security status not satisfied",
	SWAuthMethodBlocked:          "authentication method blocked (PIN try limit exceeded)",
	SWReferenceDataInvalid:       "referenced data invalidated",
	SWConditionsNotSatisfied:     "conditions of use not satisfied",
	SWCommandNotAllowed:          "command not allowed (no current EF)",
	SWSMObjectsMissing:           "expected secure messaging data objects missing",
	SWSMObjectsIncorrect:         "secure messaging data objects incorrect",
	SWWrongData:                  "incorrect parameters in the data field",
	SWFunctionNotSupported:       "function not supported (card blocked)",
	SWFileNotFound:               "file or application not found",
	SWRecordNotFound:             "record not found",
	SWNotEnoughMemory:            "not enough memory space in the file",
	SWIncorrectP1P2:              "incorrect parameters P1-P2",
	SWReferencedDataNotFound:     "referenced data not found",
	SWWrongP1P2:                  "wrong parameters P1-P2",
	SWINSNotSupported:            "instruction code not supported or invalid",
	SWCLANotSupported:            "class not supported",
	SWNoDiagnosis:                "no precise diagnosis",
}

// Meaning describes the status word in the words of ISO/IEC 7816-4.
func (sw StatusWord) Meaning() string {
	if s, ok := swText[sw]; ok {
		return s
	}
	sw1, sw2 := byte(sw>>8), byte(sw)
	switch {
	case sw1 == SW1BytesAvailable:
		return strconv.Itoa(int(sw2)) + " more bytes available (GET RESPONSE)"
	case sw1 == SW1WrongLe:
		return "wrong Le, " + strconv.Itoa(int(sw2)) + " bytes available"
	case sw1 == 0x63 && sw2&0xF0 == 0xC0:
		return "verification failed, " + strconv.Itoa(int(sw2&0x0F)) + " tries left"
	case sw1 == 0x62:
		return "warning, state of non-volatile memory unchanged"
	case sw1 == 0x63:
		return "warning, state of non-volatile memory changed"
	case sw1 == 0x64:
		return "execution error, state of non-volatile memory unchanged"
	case sw1 == 0x65:
		return "execution error, state of non-volatile memory changed"
	case sw1 == 0x67:
		return "wrong length"
	case sw1 == 0x68:
		return "functions in CLA not supported"
	case sw1 == 0x69:
		return "command not allowed"
	case sw1 == 0x6A:
		return "wrong parameters P1-P2"
	}
	return "unknown status"
}

// Tries reports the remaining PIN tries of a 63Cx answer to VERIFY.
func (sw StatusWord) Tries() (int, bool) {
	if sw&0xFFF0 == 0x63C0 {
		return int(sw & 0x0F), true
	}
	return 0, false
}

// String returns the word in hex, "6A82".
func (sw StatusWord) String() string { return hexString([]byte{byte(sw >> 8), byte(sw)}) }

// Error makes a StatusWord usable as an errors.Is target.
func (sw StatusWord) Error() string { return sw.String() + " (" + sw.Meaning() + ")" }

// StatusError is a card's answer other than 9000. It wraps ErrStatus and
// matches its StatusWord with errors.Is.
type StatusError struct {
	SW StatusWord
}

func (e *StatusError) Error() string {
	return ErrStatus.Error() + ": " + e.SW.Error()
}

// Unwrap returns ErrStatus.
func (e *StatusError) Unwrap() error { return ErrStatus }

// Is matches a StatusWord target equal to e.SW.
func (e *StatusError) Is(target error) bool {
	sw, ok := target.(StatusWord)
	return ok && sw == e.SW
}
