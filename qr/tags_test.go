package qr

import (
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

// TestTagsMatchEMV: the EMV data objects qr names itself (it imports only
// tlv) are the tags package emv names (EMV Book 3 Annex A); the CPM
// templates 61-64 and 85 are EMV QRCPS-CPM's own.
func TestTagsMatchEMV(t *testing.T) {
	for _, c := range []struct {
		name      string
		qr, emvTg tlv.Tag
	}{
		{"AID", TagAID, emv.TagApplicationIdentifier},
		{"Label", TagLabel, emv.TagApplicationLabel},
		{"Track2", TagTrack2, emv.TagTrack2EquivalentData},
		{"PAN", TagPAN, emv.TagPAN},
		{"CardholderName", TagCardholderName, emv.TagCardholderName},
		{"Language", TagLanguage, emv.TagLanguagePreference},
		{"IssuerURL", TagIssuerURL, emv.TagIssuerURL},
		{"AppVersion", TagAppVersion, emv.TagApplicationVersionNumberICC},
		{"TokenRequestor", TagTokenRequestor, emv.TagTokenRequestorID},
		{"PAR", TagPAR, emv.TagPaymentAccountReference},
		{"Last4", TagLast4, emv.TagLast4DigitsOfPAN},
		{"Application", TagApplication, emv.TagApplicationTemplate},
		{"track 1", tagTrack1Data, emv.TagTrack1Data},
		{"track 2 (Mastercard)", tagTrack2Data, emv.TagMastercardTrack2Data},
		{"track 1 discretionary", tagTrack1Discretionary, emv.TagTrack1DiscretionaryData},
		{"track 2 discretionary", tagTrack2Discretionary, emv.TagTrack2DiscretionaryData},
		{"cardholder name extended", tagCardholderNameExtended, emv.TagCardholderNameExtended},
	} {
		if c.qr != c.emvTg {
			t.Errorf("%s: qr %v, emv %v", c.name, c.qr, c.emvTg)
		}
	}
}
