// Command keytool answers the key questions of a payment engineer's day:
// what is this key's check value, what key do these components make, which
// keys did a DUKPT PIN pad use for this KSN, what is inside this TR-31 key
// block.
//
//	keytool kcv 0123456789ABCDEFFEDCBA9876543210
//	keytool combine -alg tdes2 <component1>[:kcv] <component2>[:kcv] [<component3>[:kcv]]
//	keytool dukpt -bdk 0123456789ABCDEFFEDCBA9876543210 -ksn FFFF9876543210E00001
//	keytool tr31 -kbpk DD7515F2BFC17F85CE48F3CA25CB21F6 B0080P0TE00E0000...
//
// Keys are shown as check values; -reveal prints the clear key bytes of
// derived, combined and unwrapped keys, for test keys only. Bad input
// prints what was wrong (never the key) and exits 1; a usage error exits 2.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: keytool <command> [flags] [arguments]

Commands:
  kcv      check values of a key (legacy and CMAC)
  combine  XOR 2 or 3 key components (each optionally checked against its KCV)
  dukpt    derive DUKPT keys (TDES X9.24-1 or AES X9.24-3) from a BDK and KSN
  tr31     read a TR-31 / X9.143 key block; unwrap it with -kbpk

Run "keytool <command> -h" for the flags of a command.
`

// command is one subcommand: args after its name, and the shared streams.
type command func(args []string, stdin io.Reader, stdout, stderr io.Writer) int

var commands = map[string]command{
	"kcv":     runKCV,
	"combine": runCombine,
	"dukpt":   runDUKPT,
	"tr31":    runTR31,
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, usage)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "keytool: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	return c(args[1:], stdin, stdout, stderr)
}
