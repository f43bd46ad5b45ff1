package hsm

import (
	"context"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/tr31"
	"github.com/possdk/pos/pinblock"
)

// HSM is the host's hardware security module: operations on keys the host
// holds only as key blocks. Software implements it; a network HSM adapter
// can too. Every method is safe for concurrent use. Hosts that need only a
// part take the smaller interfaces.
type HSM interface {
	KeyManager
	TerminalSecurity
	PINSecurity
	CardSecurity
}

// KeyManager makes, loads, exchanges and checks keys.
type KeyManager interface {
	// GenerateKey draws a fresh key of class c and algorithm alg.
	GenerateKey(ctx context.Context, c KeyClass, alg keys.Algorithm) (KeyBlock, error)
	// ImportComponents forms a key of class c from 2 or 3 clear components
	// (a key ceremony; each component's check value is verified).
	ImportComponents(ctx context.Context, c KeyClass, alg keys.Algorithm, comps []keys.Component) (KeyBlock, error)
	// ImportTR31 takes a key block protected under kbpk (class
	// KeyBlockProtectionKey or KeyEncryptionKey) and returns it under the
	// LMK with the same usage, mode of use and exportability.
	ImportTR31(ctx context.Context, kbpk KeyBlock, block string) (KeyBlock, error)
	// ExportTR31 protects k under kbpk as a TR-31 key block (version D for
	// an AES KBPK, B for a TDES one). Keys marked non-exportable stay in.
	ExportTR31(ctx context.Context, kbpk, k KeyBlock) (string, error)
	// CheckValue returns the key's check value, verified under the LMK.
	CheckValue(ctx context.Context, k KeyBlock) ([]byte, error)
}

// TerminalSecurity is what an acquirer host does for its terminals.
type TerminalSecurity interface {
	// GenerateWorkingKeys draws a terminal's working keys for CUP sign-in
	// key mode m and returns them under its TMK (field 62) and under the
	// LMK (for the host's store).
	GenerateWorkingKeys(ctx context.Context, tmk KeyBlock, m keys.KeyMode) (*WorkingKeys, error)
	// GenerateMAC computes a message MAC.
	GenerateMAC(ctx context.Context, r MACRequest) ([]byte, error)
	// VerifyMAC checks a received MAC (4 bytes or more, leftmost bytes of
	// the full MAC) in constant time; a mismatch wraps ErrMAC.
	VerifyMAC(ctx context.Context, r MACRequest, mac []byte) error
}

// PINSecurity translates and verifies PINs. The clear PIN never leaves the
// HSM.
type PINSecurity interface {
	// TranslatePIN re-enciphers a PIN block from one key and format to
	// another.
	TranslatePIN(ctx context.Context, r PINTranslation) ([]byte, error)
	// VerifyPIN checks the PIN in a PIN block against the issuer's PVV or
	// IBM 3624 offset; a wrong PIN wraps ErrPIN.
	VerifyPIN(ctx context.Context, r PINVerification) error
	// GeneratePINVerification computes the PVV or IBM 3624 offset of the
	// PIN in a PIN block (PIN issuance and change).
	GeneratePINVerification(ctx context.Context, r PINVerification) (string, error)
}

// CardSecurity verifies what cards compute.
type CardSecurity interface {
	// VerifyARQC verifies a chip card's ARQC and, when r.Response is set,
	// computes the ARPC; a mismatch wraps ErrCryptogram.
	VerifyARQC(ctx context.Context, r ARQCRequest) (*ARQCResult, error)
	// GenerateCardValue computes a CVV, CVV2, iCVV or CVC3.
	GenerateCardValue(ctx context.Context, r CardValueRequest) (string, error)
	// VerifyCardValue checks one in constant time; a mismatch wraps
	// ErrCardValue.
	VerifyCardValue(ctx context.Context, r CardValueRequest, value string) error
	// ScriptCommand builds a protected issuer script command (tag 86 of
	// a 71/72 script): MAC and, for a PIN change or with Encrypt,
	// enciphered data.
	ScriptCommand(ctx context.Context, r ScriptRequest) ([]byte, error)
}

// ScriptRequest asks for an issuer script command for the card of an
// authorisation. The session keys come from the card's SMI and SMC master
// keys (derived from IMKSMI and IMKSMC as Method derives its AC key) by
// Method's secure-messaging profile (emv.ScriptProfileOf). With NewPIN set
// the command is a PIN CHANGE/UNBLOCK carrying that PIN (and CurrentPIN,
// where the scheme's block takes it): the PINs arrive as PIN blocks and
// never leave the HSM in clear; IMKAC is needed for the VIS PIN block.
// Otherwise it is CLA INS P1 P2 with Data, enciphered when Encrypt.
type ScriptRequest struct {
	Method         emv.ACMethod
	IMKSMI, IMKSMC KeyBlock
	IMKAC          KeyBlock
	PAN, PSN       string
	ATC            [2]byte
	ARQC           []byte

	CLA, INS, P1, P2 byte
	Data             []byte
	Encrypt          bool

	NewPIN, CurrentPIN *PINBlockRef
}

// PINBlockRef is a PIN block and the key and format it is under.
type PINBlockRef struct {
	Key   PINKeyRef
	Block []byte
}

// WorkingKeys are a terminal's new working keys: Field62 goes to the
// terminal in the 0810; the key blocks go to the host's store.
type WorkingKeys struct {
	Mode    keys.KeyMode
	Field62 []byte   // PIK, MAK [, TDK], each under the TMK with a 4-byte KCV
	PIN     KeyBlock // class PINKey
	MAC     KeyBlock // class MACKey
	Data    KeyBlock // class DataKey; "" in modes 001 and 003
}

// MACAlgorithm is how a message MAC is computed.
type MACAlgorithm uint8

// MAC algorithms (the same names and values as iso8583.MACAlgorithm, plus
// CMAC).
const (
	// MACCUP is the CUP POS "ECB" MAC: 8 ASCII hex characters
	// (keys.CUPMAC) under the MAK's own cipher.
	MACCUP MACAlgorithm = iota + 1
	// MACCUPSingle is MACCUP under the left half of a double-length MAK.
	MACCUPSingle
	// MACX919 is ANSI X9.19 (ISO/IEC 9797-1 algorithm 3, padding 1), 8
	// bytes.
	MACX919
	// MACX99 is ANSI X9.9 (algorithm 1, padding 1) under the MAK's cipher.
	MACX99
	// MACCMAC is CMAC (NIST SP 800-38B), a whole block.
	MACCMAC
)

func (a MACAlgorithm) String() string {
	switch a {
	case MACCUP:
		return "CUP ECB"
	case MACCUPSingle:
		return "CUP ECB (single DES)"
	case MACX919:
		return "X9.19"
	case MACX99:
		return "X9.9"
	case MACCMAC:
		return "CMAC"
	}
	return fmt.Sprintf("MACAlgorithm(%d)", uint8(a))
}

// MACRequest names the key, the algorithm and the data of a MAC. For a
// DUKPT device, Key is the BDK and KSN the device's key serial number (10
// bytes: TDES DUKPT, X9.24-1:2009, whose MAC is X9.19, or TDES-CMAC with
// MACCMAC, under the request or response MAC variant; 12 bytes: AES DUKPT,
// X9.24-3-2017, AES-CMAC under the AES-128 MAC generation (request) or
// verification (response) working key, whatever Algorithm says).
type MACRequest struct {
	Key       KeyBlock
	KSN       []byte
	Response  bool // DUKPT: the key for messages to the device
	Algorithm MACAlgorithm
	Data      []byte
}

// PINKeyRef names a PIN key: a PIN key block, or for a DUKPT device the BDK
// and the transaction's KSN (10 bytes TDES, 12 bytes AES).
type PINKeyRef struct {
	Key    KeyBlock
	KSN    []byte
	Format pinblock.Format
	// DUKPTKey is the AES DUKPT PIN working key's algorithm (default
	// AES-128 for format 4, TDES-2key otherwise).
	DUKPTKey keys.Algorithm
}

// PINTranslation re-enciphers Block from From to To. PAN is the full PAN
// (formats 0, 3 and 4 bind it).
type PINTranslation struct {
	From, To PINKeyRef
	PAN      string
	Block    []byte
}

// PINMethod is an issuer PIN verification method.
type PINMethod uint8

// PIN verification methods.
const (
	// VisaPVV is the Visa PIN verification value (4 digits) under a
	// PINVerificationKeyVisa, with its key index PVKI.
	VisaPVV PINMethod = iota + 1
	// IBM3624 is the IBM 3624 natural PIN with an offset under a
	// PINVerificationKeyIBM.
	IBM3624
)

// PINVerification checks (or computes the verification data of) the PIN
// enciphered in Block under PIN.
type PINVerification struct {
	PIN    PINKeyRef // the key Block is under
	Block  []byte
	PAN    string
	Method PINMethod
	PVK    KeyBlock
	// Visa PVV: the key index (1-6) and, for VerifyPIN, the PVV.
	PVKI int
	PVV  string
	// IBM 3624: the decimalization table (16 digits), the validation data
	// (default: the rightmost 12 PAN digits before the check digit), its
	// pad character (default 'F') and, for VerifyPIN, the offset; the
	// offset has the PIN's length.
	DecimalizationTable string
	ValidationData      string
	Pad                 byte
	Offset              string
}

// ARQCRequest asks for an ARQC verification and, with Response, the ARPC.
type ARQCRequest struct {
	IMK    KeyBlock // class IssuerMasterKeyAC
	Method emv.ACMethod
	PAN    string // full PAN digits
	// PSN is the PAN sequence number: 2 digits (tag 5F34), 3 (ISO 8583
	// field 23, "001") or "" when the card has none.
	PSN      string
	Data     emv.CryptogramData
	ARQC     []byte
	Response *emv.ARPCInput
}

// ARQCResult is the ARPC (nil unless asked for) and the tag 91 value
// (issuer authentication data) to send back in field 55.
type ARQCResult struct {
	ARPC                     []byte
	IssuerAuthenticationData []byte
}

// CardValue is a kind of card verification value.
type CardValue uint8

// Card verification values.
const (
	// CVV is the magnetic stripe CVV/CVC (service code from the track).
	CVV CardValue = iota + 1
	// CVV2 is the printed CVV2/CVC2 (service code 000).
	CVV2
	// ICVV is the chip's track 2 equivalent iCVV (service code 999).
	ICVV
	// CVC3 is the Mastercard contactless magstripe dynamic CVC3.
	CVC3
	// DCVV is Visa's contactless magstripe dynamic CVV (cvv.DCVV).
	DCVV
)

// CardValueRequest names the key and card data of a card verification
// value. CVV, CVV2, iCVV: Key is a CardVerificationKey; PAN, Expiry (YYMM)
// and, for CVV, ServiceCode. CVC3: Key is an IssuerMasterKeyDN; PAN, PSN,
// Track (the track 1 or track 2 data the card MACs for IVCVC3), ATC, UN.
// DCVV: Key is an IssuerMasterKeyDN; PAN, PSN, Expiry, ServiceCode, ATC.
// Digits is the length of the value (3 for CVVs, 3 to 5 for CVC3; 0 means
// 3).
type CardValueRequest struct {
	Kind        CardValue
	Key         KeyBlock
	PAN         string
	Expiry      string
	ServiceCode string
	PSN         string
	Track       []byte
	ATC         [2]byte
	UN          [4]byte
	Digits      int
}

// tr31Version picks the TR-31 version for a KBPK's algorithm.
func tr31Version(a keys.Algorithm) tr31.Version {
	if a.IsAES() {
		return tr31.VersionD
	}
	return tr31.VersionB
}
