package vpcd_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"

	"github.com/possdk/pos/reader/vpcd"
)

type card struct{}

func (card) ATR() []byte  { return []byte{0x3B, 0x60, 0x00, 0x00} }
func (card) Close() error { return nil }
func (card) Transmit(context.Context, []byte) ([]byte, error) {
	return []byte{0x6A, 0x82}, nil
}

// In CI the address is vpcd.DefaultAddr and pcscd's vpcd driver asks the
// questions; here a few lines play vpcd so the example runs anywhere.
func ExampleConn_Serve() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, err := vpcd.Dial(ctx, ln.Addr().String())
	if err != nil {
		panic(err)
	}
	go conn.Serve(ctx, card{})

	v, _ := ln.Accept()
	ask := func(payload ...byte) []byte {
		v.Write(binary.BigEndian.AppendUint16(nil, uint16(len(payload))))
		v.Write(payload)
		var n [2]byte
		io.ReadFull(v, n[:])
		resp := make([]byte, binary.BigEndian.Uint16(n[:]))
		io.ReadFull(v, resp)
		return resp
	}
	fmt.Printf("ATR % X\n", ask(4)) // control byte 4: get ATR
	fmt.Printf("SELECT → % X\n", ask(0x00, 0xA4, 0x04, 0x00, 0x01, 0xA0))
	// Output:
	// ATR 3B 60 00 00
	// SELECT → 6A 82
}
