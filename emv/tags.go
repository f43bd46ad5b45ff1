package emv

import "github.com/possdk/pos/tlv"

// Tag constants: the data objects of EMV 4.4 Book 3 Annex A, Book 4 and
// Book 1 (the dictionary's EMV table, dict_emv.go), named after the
// dictionary's name, plus scheme meanings of the contactless and
// proprietary tags the library reads (named after the scheme: 9F6E is
// TagMastercardThirdPartyData and TagVisaFormFactorIndicator). Each constant's comment gives its tag and the dictionary
// name; TestTagConstants checks both against the dictionary, and that every
// tag of the EMV table has a constant, so they cannot drift apart.
//
// Use them where code would otherwise write a bare number:
//
//	amount, ok, err := tlv.Find(field55, emv.TagAmountAuthorised)
const (
	// TagIIN is 42, Issuer Identification Number (IIN).
	TagIIN tlv.Tag = 0x42
	// TagApplicationIdentifier is 4F, Application Dedicated File (ADF) Name (AID).
	TagApplicationIdentifier tlv.Tag = 0x4F
	// TagApplicationLabel is 50, Application Label.
	TagApplicationLabel tlv.Tag = 0x50
	// TagTrack1Data is 56, Track 1 Data.
	TagTrack1Data tlv.Tag = 0x56
	// TagTrack2EquivalentData is 57, Track 2 Equivalent Data.
	TagTrack2EquivalentData tlv.Tag = 0x57
	// TagPAN is 5A, Application Primary Account Number (PAN).
	TagPAN tlv.Tag = 0x5A
	// TagApplicationTemplate is 61, Application Template.
	TagApplicationTemplate tlv.Tag = 0x61
	// TagFCITemplate is 6F, File Control Information (FCI) Template.
	TagFCITemplate tlv.Tag = 0x6F
	// TagReadRecordResponseTemplate is 70, READ RECORD Response Message Template.
	TagReadRecordResponseTemplate tlv.Tag = 0x70
	// TagIssuerScriptTemplate1 is 71, Issuer Script Template 1.
	TagIssuerScriptTemplate1 tlv.Tag = 0x71
	// TagIssuerScriptTemplate2 is 72, Issuer Script Template 2.
	TagIssuerScriptTemplate2 tlv.Tag = 0x72
	// TagDirectoryDiscretionaryTemplate is 73, Directory Discretionary Template.
	TagDirectoryDiscretionaryTemplate tlv.Tag = 0x73
	// TagResponseTemplateFormat2 is 77, Response Message Template Format 2.
	TagResponseTemplateFormat2 tlv.Tag = 0x77
	// TagResponseTemplateFormat1 is 80, Response Message Template Format 1.
	TagResponseTemplateFormat1 tlv.Tag = 0x80
	// TagAmountAuthorisedBinary is 81, Amount, Authorised (Binary).
	TagAmountAuthorisedBinary tlv.Tag = 0x81
	// TagAIP is 82, Application Interchange Profile (AIP).
	TagAIP tlv.Tag = 0x82
	// TagCommandTemplate is 83, Command Template.
	TagCommandTemplate tlv.Tag = 0x83
	// TagDFName is 84, Dedicated File (DF) Name.
	TagDFName tlv.Tag = 0x84
	// TagIssuerScriptCommand is 86, Issuer Script Command.
	TagIssuerScriptCommand tlv.Tag = 0x86
	// TagApplicationPriorityIndicator is 87, Application Priority Indicator.
	TagApplicationPriorityIndicator tlv.Tag = 0x87
	// TagSFI is 88, Short File Identifier (SFI).
	TagSFI tlv.Tag = 0x88
	// TagAuthorisationCode is 89, Authorisation Code.
	TagAuthorisationCode tlv.Tag = 0x89
	// TagAuthorisationResponseCode is 8A, Authorisation Response Code.
	TagAuthorisationResponseCode tlv.Tag = 0x8A
	// TagCDOL1 is 8C, Card Risk Management Data Object List 1 (CDOL1).
	TagCDOL1 tlv.Tag = 0x8C
	// TagCDOL2 is 8D, Card Risk Management Data Object List 2 (CDOL2).
	TagCDOL2 tlv.Tag = 0x8D
	// TagCVMList is 8E, Cardholder Verification Method (CVM) List.
	TagCVMList tlv.Tag = 0x8E
	// TagCAPublicKeyIndex is 8F, Certification Authority Public Key Index.
	TagCAPublicKeyIndex tlv.Tag = 0x8F
	// TagIssuerPublicKeyCertificate is 90, Issuer Public Key Certificate.
	TagIssuerPublicKeyCertificate tlv.Tag = 0x90
	// TagIssuerAuthenticationData is 91, Issuer Authentication Data.
	TagIssuerAuthenticationData tlv.Tag = 0x91
	// TagIssuerPublicKeyRemainder is 92, Issuer Public Key Remainder.
	TagIssuerPublicKeyRemainder tlv.Tag = 0x92
	// TagSignedStaticApplicationData is 93, Signed Static Application Data.
	TagSignedStaticApplicationData tlv.Tag = 0x93
	// TagAFL is 94, Application File Locator (AFL).
	TagAFL tlv.Tag = 0x94
	// TagTVR is 95, Terminal Verification Results (TVR).
	TagTVR tlv.Tag = 0x95
	// TagTDOL is 97, Transaction Certificate Data Object List (TDOL).
	TagTDOL tlv.Tag = 0x97
	// TagTCHashValue is 98, Transaction Certificate (TC) Hash Value.
	TagTCHashValue tlv.Tag = 0x98
	// TagTransactionPINData is 99, Transaction Personal Identification Number (PIN) Data.
	TagTransactionPINData tlv.Tag = 0x99
	// TagTransactionDate is 9A, Transaction Date.
	TagTransactionDate tlv.Tag = 0x9A
	// TagTSI is 9B, Transaction Status Information (TSI).
	TagTSI tlv.Tag = 0x9B
	// TagTransactionType is 9C, Transaction Type.
	TagTransactionType tlv.Tag = 0x9C
	// TagDDFName is 9D, Directory Definition File (DDF) Name.
	TagDDFName tlv.Tag = 0x9D
	// TagFCIProprietaryTemplate is A5, File Control Information (FCI) Proprietary Template.
	TagFCIProprietaryTemplate tlv.Tag = 0xA5
	// TagCardholderName is 5F20, Cardholder Name.
	TagCardholderName tlv.Tag = 0x5F20
	// TagApplicationExpirationDate is 5F24, Application Expiration Date.
	TagApplicationExpirationDate tlv.Tag = 0x5F24
	// TagApplicationEffectiveDate is 5F25, Application Effective Date.
	TagApplicationEffectiveDate tlv.Tag = 0x5F25
	// TagIssuerCountryCode is 5F28, Issuer Country Code.
	TagIssuerCountryCode tlv.Tag = 0x5F28
	// TagTransactionCurrencyCode is 5F2A, Transaction Currency Code.
	TagTransactionCurrencyCode tlv.Tag = 0x5F2A
	// TagLanguagePreference is 5F2D, Language Preference.
	TagLanguagePreference tlv.Tag = 0x5F2D
	// TagServiceCode is 5F30, Service Code.
	TagServiceCode tlv.Tag = 0x5F30
	// TagPANSequenceNumber is 5F34, Application PAN Sequence Number.
	TagPANSequenceNumber tlv.Tag = 0x5F34
	// TagTransactionCurrencyExponent is 5F36, Transaction Currency Exponent.
	TagTransactionCurrencyExponent tlv.Tag = 0x5F36
	// TagIssuerURL is 5F50, Issuer URL.
	TagIssuerURL tlv.Tag = 0x5F50
	// TagIBAN is 5F53, International Bank Account Number (IBAN).
	TagIBAN tlv.Tag = 0x5F53
	// TagBIC is 5F54, Bank Identifier Code (BIC).
	TagBIC tlv.Tag = 0x5F54
	// TagIssuerCountryCodeAlpha2 is 5F55, Issuer Country Code (alpha2 format).
	TagIssuerCountryCodeAlpha2 tlv.Tag = 0x5F55
	// TagIssuerCountryCodeAlpha3 is 5F56, Issuer Country Code (alpha3 format).
	TagIssuerCountryCodeAlpha3 tlv.Tag = 0x5F56
	// TagAccountType is 5F57, Account Type.
	TagAccountType tlv.Tag = 0x5F57
	// TagAcquirerIdentifier is 9F01, Acquirer Identifier.
	TagAcquirerIdentifier tlv.Tag = 0x9F01
	// TagAmountAuthorised is 9F02, Amount, Authorised (Numeric).
	TagAmountAuthorised tlv.Tag = 0x9F02
	// TagAmountOther is 9F03, Amount, Other (Numeric).
	TagAmountOther tlv.Tag = 0x9F03
	// TagAmountOtherBinary is 9F04, Amount, Other (Binary).
	TagAmountOtherBinary tlv.Tag = 0x9F04
	// TagApplicationDiscretionaryData is 9F05, Application Discretionary Data.
	TagApplicationDiscretionaryData tlv.Tag = 0x9F05
	// TagAIDTerminal is 9F06, Application Identifier (AID) - terminal.
	TagAIDTerminal tlv.Tag = 0x9F06
	// TagApplicationUsageControl is 9F07, Application Usage Control (AUC).
	TagApplicationUsageControl tlv.Tag = 0x9F07
	// TagApplicationVersionNumberICC is 9F08, Application Version Number (ICC).
	TagApplicationVersionNumberICC tlv.Tag = 0x9F08
	// TagApplicationVersionNumberTerminal is 9F09, Application Version Number (terminal).
	TagApplicationVersionNumberTerminal tlv.Tag = 0x9F09
	// TagApplicationSelectionRegisteredProprietaryData is 9F0A, Application Selection Registered Proprietary Data.
	TagApplicationSelectionRegisteredProprietaryData tlv.Tag = 0x9F0A
	// TagCardholderNameExtended is 9F0B, Cardholder Name Extended.
	TagCardholderNameExtended tlv.Tag = 0x9F0B
	// TagIINExtended is 9F0C, Issuer Identification Number Extended (IINE).
	TagIINExtended tlv.Tag = 0x9F0C
	// TagIssuerActionCodeDefault is 9F0D, Issuer Action Code - Default.
	TagIssuerActionCodeDefault tlv.Tag = 0x9F0D
	// TagIssuerActionCodeDenial is 9F0E, Issuer Action Code - Denial.
	TagIssuerActionCodeDenial tlv.Tag = 0x9F0E
	// TagIssuerActionCodeOnline is 9F0F, Issuer Action Code - Online.
	TagIssuerActionCodeOnline tlv.Tag = 0x9F0F
	// TagIssuerApplicationData is 9F10, Issuer Application Data (IAD).
	TagIssuerApplicationData tlv.Tag = 0x9F10
	// TagIssuerCodeTableIndex is 9F11, Issuer Code Table Index.
	TagIssuerCodeTableIndex tlv.Tag = 0x9F11
	// TagApplicationPreferredName is 9F12, Application Preferred Name.
	TagApplicationPreferredName tlv.Tag = 0x9F12
	// TagLastOnlineATCRegister is 9F13, Last Online Application Transaction Counter (ATC) Register.
	TagLastOnlineATCRegister tlv.Tag = 0x9F13
	// TagLowerConsecutiveOfflineLimit is 9F14, Lower Consecutive Offline Limit.
	TagLowerConsecutiveOfflineLimit tlv.Tag = 0x9F14
	// TagMerchantCategoryCode is 9F15, Merchant Category Code.
	TagMerchantCategoryCode tlv.Tag = 0x9F15
	// TagMerchantIdentifier is 9F16, Merchant Identifier.
	TagMerchantIdentifier tlv.Tag = 0x9F16
	// TagPINTryCounter is 9F17, Personal Identification Number (PIN) Try Counter.
	TagPINTryCounter tlv.Tag = 0x9F17
	// TagIssuerScriptIdentifier is 9F18, Issuer Script Identifier.
	TagIssuerScriptIdentifier tlv.Tag = 0x9F18
	// TagTokenRequestorID is 9F19, Token Requestor ID.
	TagTokenRequestorID tlv.Tag = 0x9F19
	// TagTerminalCountryCode is 9F1A, Terminal Country Code.
	TagTerminalCountryCode tlv.Tag = 0x9F1A
	// TagTerminalFloorLimit is 9F1B, Terminal Floor Limit.
	TagTerminalFloorLimit tlv.Tag = 0x9F1B
	// TagTerminalIdentification is 9F1C, Terminal Identification.
	TagTerminalIdentification tlv.Tag = 0x9F1C
	// TagTerminalRiskManagementData is 9F1D, Terminal Risk Management Data.
	TagTerminalRiskManagementData tlv.Tag = 0x9F1D
	// TagIFDSerialNumber is 9F1E, Interface Device (IFD) Serial Number.
	TagIFDSerialNumber tlv.Tag = 0x9F1E
	// TagTrack1DiscretionaryData is 9F1F, Track 1 Discretionary Data.
	TagTrack1DiscretionaryData tlv.Tag = 0x9F1F
	// TagTrack2DiscretionaryData is 9F20, Track 2 Discretionary Data.
	TagTrack2DiscretionaryData tlv.Tag = 0x9F20
	// TagTransactionTime is 9F21, Transaction Time.
	TagTransactionTime tlv.Tag = 0x9F21
	// TagCAPublicKeyIndexTerminal is 9F22, Certification Authority Public Key Index (terminal).
	TagCAPublicKeyIndexTerminal tlv.Tag = 0x9F22
	// TagUpperConsecutiveOfflineLimit is 9F23, Upper Consecutive Offline Limit.
	TagUpperConsecutiveOfflineLimit tlv.Tag = 0x9F23
	// TagPaymentAccountReference is 9F24, Payment Account Reference (PAR).
	TagPaymentAccountReference tlv.Tag = 0x9F24
	// TagLast4DigitsOfPAN is 9F25, Last 4 Digits of PAN.
	TagLast4DigitsOfPAN tlv.Tag = 0x9F25
	// TagApplicationCryptogram is 9F26, Application Cryptogram.
	TagApplicationCryptogram tlv.Tag = 0x9F26
	// TagCryptogramInformationData is 9F27, Cryptogram Information Data (CID).
	TagCryptogramInformationData tlv.Tag = 0x9F27
	// TagExtendedSelection is 9F29, Extended Selection.
	TagExtendedSelection tlv.Tag = 0x9F29
	// TagKernelIdentifier is 9F2A, Kernel Identifier.
	TagKernelIdentifier tlv.Tag = 0x9F2A
	// TagICCPINEnciphermentPublicKeyCertificate is 9F2D, ICC PIN Encipherment Public Key Certificate.
	TagICCPINEnciphermentPublicKeyCertificate tlv.Tag = 0x9F2D
	// TagICCPINEnciphermentPublicKeyExponent is 9F2E, ICC PIN Encipherment Public Key Exponent.
	TagICCPINEnciphermentPublicKeyExponent tlv.Tag = 0x9F2E
	// TagICCPINEnciphermentPublicKeyRemainder is 9F2F, ICC PIN Encipherment Public Key Remainder.
	TagICCPINEnciphermentPublicKeyRemainder tlv.Tag = 0x9F2F
	// TagIssuerPublicKeyExponent is 9F32, Issuer Public Key Exponent.
	TagIssuerPublicKeyExponent tlv.Tag = 0x9F32
	// TagTerminalCapabilities is 9F33, Terminal Capabilities.
	TagTerminalCapabilities tlv.Tag = 0x9F33
	// TagCVMResults is 9F34, Cardholder Verification Method (CVM) Results.
	TagCVMResults tlv.Tag = 0x9F34
	// TagTerminalType is 9F35, Terminal Type.
	TagTerminalType tlv.Tag = 0x9F35
	// TagATC is 9F36, Application Transaction Counter (ATC).
	TagATC tlv.Tag = 0x9F36
	// TagUnpredictableNumber is 9F37, Unpredictable Number.
	TagUnpredictableNumber tlv.Tag = 0x9F37
	// TagPDOL is 9F38, Processing Options Data Object List (PDOL).
	TagPDOL tlv.Tag = 0x9F38
	// TagPOSEntryMode is 9F39, Point-of-Service (POS) Entry Mode.
	TagPOSEntryMode tlv.Tag = 0x9F39
	// TagAmountReferenceCurrency is 9F3A, Amount, Reference Currency.
	TagAmountReferenceCurrency tlv.Tag = 0x9F3A
	// TagApplicationReferenceCurrency is 9F3B, Application Reference Currency.
	TagApplicationReferenceCurrency tlv.Tag = 0x9F3B
	// TagTransactionReferenceCurrencyCode is 9F3C, Transaction Reference Currency Code.
	TagTransactionReferenceCurrencyCode tlv.Tag = 0x9F3C
	// TagTransactionReferenceCurrencyExponent is 9F3D, Transaction Reference Currency Exponent.
	TagTransactionReferenceCurrencyExponent tlv.Tag = 0x9F3D
	// TagAdditionalTerminalCapabilities is 9F40, Additional Terminal Capabilities.
	TagAdditionalTerminalCapabilities tlv.Tag = 0x9F40
	// TagTransactionSequenceCounter is 9F41, Transaction Sequence Counter.
	TagTransactionSequenceCounter tlv.Tag = 0x9F41
	// TagApplicationCurrencyCode is 9F42, Application Currency Code.
	TagApplicationCurrencyCode tlv.Tag = 0x9F42
	// TagApplicationReferenceCurrencyExponent is 9F43, Application Reference Currency Exponent.
	TagApplicationReferenceCurrencyExponent tlv.Tag = 0x9F43
	// TagApplicationCurrencyExponent is 9F44, Application Currency Exponent.
	TagApplicationCurrencyExponent tlv.Tag = 0x9F44
	// TagDataAuthenticationCode is 9F45, Data Authentication Code.
	TagDataAuthenticationCode tlv.Tag = 0x9F45
	// TagICCPublicKeyCertificate is 9F46, ICC Public Key Certificate.
	TagICCPublicKeyCertificate tlv.Tag = 0x9F46
	// TagICCPublicKeyExponent is 9F47, ICC Public Key Exponent.
	TagICCPublicKeyExponent tlv.Tag = 0x9F47
	// TagICCPublicKeyRemainder is 9F48, ICC Public Key Remainder.
	TagICCPublicKeyRemainder tlv.Tag = 0x9F48
	// TagDDOL is 9F49, Dynamic Data Authentication Data Object List (DDOL).
	TagDDOL tlv.Tag = 0x9F49
	// TagSDATagList is 9F4A, Static Data Authentication Tag List.
	TagSDATagList tlv.Tag = 0x9F4A
	// TagSignedDynamicApplicationData is 9F4B, Signed Dynamic Application Data.
	TagSignedDynamicApplicationData tlv.Tag = 0x9F4B
	// TagICCDynamicNumber is 9F4C, ICC Dynamic Number.
	TagICCDynamicNumber tlv.Tag = 0x9F4C
	// TagLogEntry is 9F4D, Log Entry.
	TagLogEntry tlv.Tag = 0x9F4D
	// TagMerchantNameAndLocation is 9F4E, Merchant Name and Location.
	TagMerchantNameAndLocation tlv.Tag = 0x9F4E
	// TagLogFormat is 9F4F, Log Format.
	TagLogFormat tlv.Tag = 0x9F4F
	// TagTTQ is 9F66, Terminal Transaction Qualifiers (TTQ).
	TagTTQ tlv.Tag = 0x9F66
	// TagCPLC is 9F7F, Card Production Life Cycle (CPLC) Data.
	TagCPLC tlv.Tag = 0x9F7F
	// TagFCIIssuerDiscretionaryData is BF0C, File Control Information (FCI) Issuer Discretionary Data.
	TagFCIIssuerDiscretionaryData tlv.Tag = 0xBF0C
	// TagIssuerScriptResults is DF31, Issuer Script Results.
	TagIssuerScriptResults tlv.Tag = 0xDF31
	// TagVisaIssuerScriptResults is 9F5B, Issuer Script Results (Visa).
	TagVisaIssuerScriptResults tlv.Tag = 0x9F5B
	// TagVisaCardAuthenticationRelatedData is 9F69, Card Authentication Related Data (Visa).
	TagVisaCardAuthenticationRelatedData tlv.Tag = 0x9F69
	// TagCardTransactionQualifiers is 9F6C, Card Transaction Qualifiers (CTQ) (Visa).
	TagCardTransactionQualifiers tlv.Tag = 0x9F6C
	// TagMastercardTransactionCategoryCode is 9F53, Transaction Category Code (Mastercard).
	TagMastercardTransactionCategoryCode tlv.Tag = 0x9F53
	// TagMastercardPUNATCTrack1 is 9F63, PUNATC (Track1) (Mastercard).
	TagMastercardPUNATCTrack1 tlv.Tag = 0x9F63
	// TagMastercardUDOL is 9F69, UDOL (Mastercard).
	TagMastercardUDOL tlv.Tag = 0x9F69
	// TagMastercardTrack2Data is 9F6B, Track 2 Data (Mastercard).
	TagMastercardTrack2Data tlv.Tag = 0x9F6B
	// TagMastercardThirdPartyData is 9F6E, Third Party Data (Mastercard).
	TagMastercardThirdPartyData tlv.Tag = 0x9F6E
	// TagMastercardMerchantCustomData is 9F7C, Merchant Custom Data (Mastercard).
	TagMastercardMerchantCustomData tlv.Tag = 0x9F7C
	// TagVisaFormFactorIndicator is 9F6E, Form Factor Indicator (FFI) (Visa).
	TagVisaFormFactorIndicator tlv.Tag = 0x9F6E
	// TagVisaCustomerExclusiveData is 9F7C, Customer Exclusive Data (CED) (Visa).
	TagVisaCustomerExclusiveData tlv.Tag = 0x9F7C
	// TagUnionPayDefaultDDOL is DF14, Default DDOL (UnionPay).
	TagUnionPayDefaultDDOL tlv.Tag = 0xDF14
	// TagUnionPayCardProductIdentification is 9F63, Card Product Identification Information (UnionPay).
	TagUnionPayCardProductIdentification tlv.Tag = 0x9F63
	// TagPOSCardholderInteractionInformation is DF4B, POS Cardholder Interaction Information.
	TagPOSCardholderInteractionInformation tlv.Tag = 0xDF4B
	// TagMastercardDRDOL is 9F51, DRDOL (Mastercard).
	TagMastercardDRDOL tlv.Tag = 0x9F51
	// TagMastercardCVC3Track2 is 9F61, CVC3 (Track2) (Mastercard).
	TagMastercardCVC3Track2 tlv.Tag = 0x9F61
	// TagMastercardPCVC3Track2 is 9F65, PCVC3 (Track2) (Mastercard).
	TagMastercardPCVC3Track2 tlv.Tag = 0x9F65
	// TagMastercardNATCTrack2 is 9F67, NATC (Track2) (Mastercard).
	TagMastercardNATCTrack2 tlv.Tag = 0x9F67
	// TagMastercardUnpredictableNumberNumeric is 9F6A, Unpredictable Number (Numeric) (Mastercard).
	TagMastercardUnpredictableNumberNumeric tlv.Tag = 0x9F6A
	// TagUnionPayAvailableOfflineSpendingAmount is 9F5D, Available Offline Spending Amount (UnionPay).
	TagUnionPayAvailableOfflineSpendingAmount tlv.Tag = 0x9F5D
	// TagUnionPayECBalance is 9F79, EC Balance (UnionPay).
	TagUnionPayECBalance tlv.Tag = 0x9F79
	// TagUnionPayECTerminalSupportIndicator is 9F7A, EC Terminal Support Indicator (UnionPay).
	TagUnionPayECTerminalSupportIndicator tlv.Tag = 0x9F7A
	// TagUnionPayECTerminalTransactionLimit is 9F7B, EC Terminal Transaction Limit (UnionPay).
	TagUnionPayECTerminalTransactionLimit tlv.Tag = 0x9F7B
)
