package qr_test

import (
	"errors"
	"fmt"

	"github.com/possdk/pos/qr"
)

// Decode the EMVCo specification's example, read typed fields, and encode it
// back unchanged.
func ExampleParse() {
	const payload = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A"
	p, err := qr.Parse(payload)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.MerchantName(), p.Language().Name, p.Amount(), p.Currency())
	fmt.Println(p.Validate(qr.EMVCo))
	fmt.Println(p.String() == payload)
	// Output:
	// BEST TRANSPORT 最佳运输 23.72 156
	// <nil>
	// true
}

// A terminal's dynamic code for one Pix sale.
func ExampleMerchantCode() {
	amount, _ := qr.FormatAmount(1990, 2)
	code := qr.MerchantCode{
		Initiation: qr.Dynamic,
		Accounts: []qr.Object{{ID: 26, Sub: []qr.Object{
			{ID: 0, Value: qr.GUIPix},
			{ID: 1, Value: "loja@example.com"},
		}}},
		MCC: "5812", Currency: "986", Amount: amount, Country: "BR",
		Name: "LOJA EXEMPLO", City: "SAO PAULO",
		Additional: []qr.Object{{ID: 5, Value: "PEDIDO42"}},
	}
	s := code.String()
	fmt.Println(s)
	p, _ := qr.Parse(s)
	fmt.Println(p.Profile(), p.Validate(qr.Pix))
	// Output:
	// 00020101021226380014br.gov.bcb.pix0116loja@example.com520458125303986540519.905802BR5912LOJA EXEMPLO6009SAO PAULO62120508PEDIDO426304A3C0
	// Pix <nil>
}

// Validation reports every problem, each with its field.
func ExamplePayload_Validate() {
	// A PromptPay code leaves out 52, 59 and 60, which EMVCo makes mandatory.
	p, _ := qr.Parse("00020101021129370016A000000677010111011300668012345675802TH530376463046197")
	var ve *qr.ValidationError
	if err := p.Validate(qr.EMVCo); errors.As(err, &ve) {
		for _, pr := range ve.Problems {
			fmt.Println(pr.Field(), errors.Is(pr, qr.ErrMissing))
		}
	}
	fmt.Println(p.Validate(qr.PromptPay))
	// Output:
	// 52 true
	// 59 true
	// 60 true
	// <nil>
}

// A damaged code is reported, yet still decoded.
func ExamplePayload_Decode() {
	var p qr.Payload
	err := p.Decode("00020101021129370016A000000677010111011300668012345675802TH530376463046198")
	fmt.Println(errors.Is(err, qr.ErrCRC), p.Country())
	// Output: true TH
}

// Recognize tells the scanner's text apart: here a WeChat Pay payment
// code (the sample in WeChat's micropay document), printed masked.
func ExampleRecognize() {
	s, err := qr.Recognize("120061098828009406\r\n")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Kind, s.Wallet, s.Code)
	_, err = qr.Recognize("4761739001010010")
	fmt.Println(errors.Is(err, qr.ErrUnrecognized))
	// Output:
	// wallet payment code WeChat Pay 12************9406
	// true
}
