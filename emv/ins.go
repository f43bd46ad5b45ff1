package emv

// Class bytes (CLA) of the EMV commands (EMV Book 1 §9.3.1.1, Book 3 §6.5).
const (
	// CLAInterindustry is 00: ISO/IEC 7816-4 commands (SELECT, READ
	// RECORD, VERIFY, INTERNAL/EXTERNAL AUTHENTICATE, GET CHALLENGE, GET
	// RESPONSE).
	CLAInterindustry byte = 0x00
	// CLAProprietary is 80: EMV proprietary commands (GET PROCESSING
	// OPTIONS, GENERATE AC, GET DATA).
	CLAProprietary byte = 0x80
	// CLASecureMessaging is 84: proprietary class with secure messaging
	// (the issuer script commands, Book 3 §6.5.1-§6.5.14, Book 2 §9).
	CLASecureMessaging byte = 0x84
)

// Instruction bytes (INS) of the EMV commands (EMV Book 3 §6.5, Book 1
// §9.3.1.2 for GET RESPONSE).
const (
	INSApplicationBlock     byte = 0x1E // APPLICATION BLOCK (post-issuance, Book 3 §6.5.1)
	INSApplicationUnblock   byte = 0x18 // APPLICATION UNBLOCK (Book 3 §6.5.2)
	INSCardBlock            byte = 0x16 // CARD BLOCK (Book 3 §6.5.3)
	INSExternalAuthenticate byte = 0x82 // EXTERNAL AUTHENTICATE (Book 3 §6.5.4)
	INSGenerateAC           byte = 0xAE // GENERATE APPLICATION CRYPTOGRAM (Book 3 §6.5.5)
	INSGetChallenge         byte = 0x84 // GET CHALLENGE (Book 3 §6.5.6)
	INSGetData              byte = 0xCA // GET DATA (Book 3 §6.5.7)
	INSGetProcessingOptions byte = 0xA8 // GET PROCESSING OPTIONS (Book 3 §6.5.8)
	INSInternalAuthenticate byte = 0x88 // INTERNAL AUTHENTICATE (Book 3 §6.5.9)
	INSPINChangeUnblock     byte = 0x24 // PIN CHANGE/UNBLOCK (Book 3 §6.5.10)
	INSReadRecord           byte = 0xB2 // READ RECORD (Book 3 §6.5.11)
	INSSelect               byte = 0xA4 // SELECT (Book 1 §11.3)
	INSVerify               byte = 0x20 // VERIFY (Book 3 §6.5.12)
	INSGetResponse          byte = 0xC0 // GET RESPONSE (Book 1 §9.3.1.3, T=0 case 2 and 4)
	INSPutData              byte = 0xDA // PUT DATA (issuer script, scheme specifications)
	INSUpdateRecord         byte = 0xDC // UPDATE RECORD (issuer script, scheme specifications)
)

// First status bytes (SW1) whose second byte is a number rather than part
// of a fixed status word (ISO/IEC 7816-4 §5.1.3; EMV Book 1 §9.3.1.3).
const (
	// SW1BytesAvailable (61xx): the card has xx more bytes; fetch them
	// with GET RESPONSE (T=0).
	SW1BytesAvailable byte = 0x61
	// SW1WrongLe (6Cxx): wrong Le, resend the command with Le xx (T=0).
	SW1WrongLe byte = 0x6C
)

// SWTriesLeft is the 63Cx answer to VERIFY: the PIN did not match and n
// tries are left (EMV Book 3 §6.5.12.4). n is taken modulo 16.
func SWTriesLeft(n int) StatusWord { return 0x63C0 | StatusWord(n&0x0F) }
