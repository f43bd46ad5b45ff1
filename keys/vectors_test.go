package keys

var algByName = map[string]Algorithm{
	"DES": DES, "TDES2": TDES2, "TDES3": TDES3,
	"AES128": AES128, "AES192": AES192, "AES256": AES256, "SM4": SM4,
}
