package serial

import (
	"fmt"

	"go.bug.st/serial/enumerator"
)

// PortInfo describes a serial port found on the system. VID, PID and
// SerialNumber are set for USB adapters and USB CDC devices (the usual way
// a PIN pad or an ECR cable shows up), so a program can find its device by
// them rather than by a name that changes between boots.
type PortInfo struct {
	Name         string
	USB          bool
	VID, PID     string // hex, as in lsusb: "0403"
	SerialNumber string
	Product      string
}

// Ports lists the serial ports of the system. On Linux it reads sysfs; it
// does not list pseudo-terminals.
func Ports() ([]PortInfo, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("serial: listing ports: %w", err)
	}
	out := make([]PortInfo, 0, len(list))
	for _, p := range list {
		out = append(out, PortInfo{
			Name: p.Name, USB: p.IsUSB, VID: p.VID, PID: p.PID,
			SerialNumber: p.SerialNumber, Product: p.Product,
		})
	}
	return out, nil
}
