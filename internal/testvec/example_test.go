package testvec_test

import (
	"fmt"
	"strings"

	"github.com/possdk/pos/internal/testvec"
)

// A test reads testdata/<file> with testvec.Load(t, file) and runs each
// vector with testvec.Run; Parse is what Load uses.
func ExampleParse() {
	const file = `# Key check values (format: internal/testvec).

name: TDES KCV
source: github.com/knovichikhin/pyemv tests/test_kd_hsm.py
key: 0123456789ABCDEFFEDCBA9876543210
kcv: 08D7B4
`
	vs, err := testvec.Parse(strings.NewReader(file), "kcv.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range vs {
		fmt.Printf("%s (%s): fields %v\n", v.Name, v.Source, v.Fields())
	}
	// Output:
	// TDES KCV (github.com/knovichikhin/pyemv tests/test_kd_hsm.py): fields [name source key kcv]
}
