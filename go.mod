module github.com/possdk/pos

go 1.25.0

require (
	github.com/creack/pty v1.1.23
	github.com/ebfe/scard v0.0.0-20241214075232-7af069cabc25
	github.com/emmansun/gmsm v0.44.0
	github.com/makiuchi-d/gozxing v0.1.1
	github.com/moov-io/bertlv v0.1.0
	github.com/moov-io/iso8583 v0.26.1
	github.com/moov-io/iso8583-connection v0.9.0
	go.bug.st/serial v1.6.4
	golang.org/x/crypto v0.53.0
	golang.org/x/text v0.41.0
	rsc.io/qr v0.2.0
)

require (
	github.com/creack/goselect v0.1.2 // indirect
	github.com/yerden/go-util v1.1.4 // indirect
	golang.org/x/sys v0.46.0 // indirect
	golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
