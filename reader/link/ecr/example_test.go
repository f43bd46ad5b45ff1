package ecr_test

import (
	"context"
	"fmt"
	"net"

	"github.com/possdk/pos/reader/link"
	"github.com/possdk/pos/reader/link/ecr"
)

func Example() {
	// A cable: on a real till, reader/serial ports at both ends.
	a, b := net.Pipe()
	register, terminal := link.New(a, link.Config{}), link.New(b, link.Config{})
	defer register.Close()
	defer terminal.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The terminal: run the card transaction, report progress.
	srv := ecr.NewServer(terminal, ecr.HandlerFunc(func(ctx context.Context, req *ecr.Request, status func(ecr.Status)) *ecr.Response {
		status(ecr.Status{Code: ecr.StatusWaitCard})
		status(ecr.Status{Code: ecr.StatusWaitPIN})
		return &ecr.Response{Result: ecr.ResultApproved, Amount: req.Amount, Currency: req.Currency,
			AuthCode: "123456", MaskedPAN: "622848******1234"}
	}))
	go srv.Serve(ctx)

	// The register: a sale of 12.34 CNY.
	c := ecr.NewClient(register, ecr.ClientConfig{})
	resp, err := c.Do(ctx, &ecr.Request{Command: ecr.Sale, Ref: "42", Amount: 1234, Currency: 156},
		func(s ecr.Status) { fmt.Println("status:", s.Code) })
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Ref, resp.Approved(), resp.AuthCode, resp.MaskedPAN)
	// Output:
	// status: CARD
	// status: PIN
	// 42 true 123456 622848******1234
}
