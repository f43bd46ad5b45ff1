module github.com/possdk/pos/bench

go 1.25.0

require github.com/possdk/pos v0.0.0

require github.com/moov-io/bertlv v0.1.0 // indirect

replace github.com/possdk/pos => ../
