module github.com/possdk/pos/bench

go 1.25.0

require (
	github.com/dongri/emv-qrcode v0.1.1
	github.com/emmansun/gmsm v0.44.0
	github.com/moov-io/bertlv v0.1.0
	github.com/moov-io/pinblock v0.0.0-20250827192605-96cec2be4321
	github.com/possdk/pos v0.0.0
	go.etcd.io/bbolt v1.4.3
	golang.org/x/crypto v0.53.0
)

require (
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

replace github.com/possdk/pos => ../
