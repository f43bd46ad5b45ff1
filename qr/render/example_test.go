package render_test

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/possdk/pos/qr/render"
)

// Draw a code as text (os.Stdout in a real program): two module rows per
// line, so a version 1 symbol (21 modules) with a 4-module quiet zone takes
// 15 lines of 29 cells.
func ExampleTerminal() {
	var out strings.Builder
	if err := render.Terminal(&out, "HELLO", render.Options{Level: render.L}); err != nil {
		fmt.Println(err)
		return
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	fmt.Println(len(lines), utf8.RuneCountInString(lines[0]))
	fmt.Println(lines[0] == strings.Repeat("█", 29))
	// Output:
	// 15 29
	// true
}

// Encode once, then read the module grid.
func ExampleEncode() {
	sym, err := render.Encode("00020101021129370016A000000677010111011300668012345675802TH530376463046197", render.M)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sym.Size(), sym.Dark(0, 0))
	png, _ := sym.PNG(render.Options{ModuleSize: 4})
	fmt.Println(string(png[1:4]))
	// Output:
	// 33 true
	// PNG
}
