module github.com/possdk/pos/bench

go 1.25.0

require github.com/possdk/pos v0.0.0

replace github.com/possdk/pos => ../
