package link_test

import (
	"context"
	"fmt"
	"net"

	"github.com/possdk/pos/reader/link"
)

func ExampleAppendFrame() {
	frame, _ := link.AppendFrame(nil, []byte("SALE"))
	fmt.Printf("% X\n", frame)
	payload, n, err := link.DecodeFrame(frame, 0)
	fmt.Printf("%s %d %v\n", payload, n, err)
	// Output:
	// 02 00 04 53 41 4C 45 03 1C
	// SALE 9 <nil>
}

func ExampleLink() {
	// Any byte stream will do; on a terminal it is a reader/serial Port.
	a, b := net.Pipe()
	ecr, pos := link.New(a, link.Config{}), link.New(b, link.Config{})
	defer ecr.Close()
	defer pos.Close()
	ctx := context.Background()

	go ecr.Send(ctx, []byte("ECHO"))
	msg, _ := pos.Receive(ctx) // already ACKed
	fmt.Printf("%s\n", msg)
	// Output: ECHO
}
