package serial_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/creack/pty"
	"github.com/possdk/pos/reader/serial"
)

// A pseudo-terminal stands in for the cable; on a terminal the name is
// something like /dev/ttyS1 or /dev/ttyUSB0.
func ExampleOpen() {
	ptmx, tty, err := pty.Open()
	if err != nil {
		panic(err)
	}
	defer ptmx.Close()
	port, err := serial.Open(tty.Name(), serial.Config{BaudRate: 9600, ReadTimeout: 50 * time.Millisecond})
	tty.Close()
	if err != nil {
		panic(err)
	}
	defer port.Close()

	ptmx.Write([]byte{0x06})
	b := make([]byte, 1)
	_, err = io.ReadFull(port, b)
	fmt.Printf("% X %v\n", b, err)
	_, err = io.ReadFull(port, b) // nothing more: a timeout, not a hang
	fmt.Println(errors.Is(err, os.ErrDeadlineExceeded))
	// Output:
	// 06 <nil>
	// true
}
