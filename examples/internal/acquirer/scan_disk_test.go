package acquirer

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/qr"
)

// failFS is the OS file system whose next write fails (a full or
// failing disk) once armed.
type failFS struct {
	link.OSFS
	armed *atomic.Bool
}

func (f failFS) OpenFile(name string, flag int, perm fs.FileMode) (link.File, error) {
	file, err := f.OSFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return failFile{file, f.armed}, nil
}

type failFile struct {
	link.File
	armed *atomic.Bool
}

var errDisk = errors.New("disk: write failed")

func (f failFile) Write(p []byte) (int, error) {
	if f.armed.CompareAndSwap(true, false) {
		return 0, errDisk
	}
	return f.File.Write(p)
}

func (f failFile) WriteAt(p []byte, off int64) (int, error) {
	if f.armed.CompareAndSwap(true, false) {
		return 0, errDisk
	}
	return f.File.WriteAt(p, off)
}

// Rule: a payment the wallet took but the terminal could not record is
// not shown approved and not kept: the terminal cancels it (the wallet
// refunds), and after a restart on the same state the cancel is
// finished — nothing charged and shown as failed.
func TestScanApprovalNotRecordedIsRefunded(t *testing.T) {
	var armed atomic.Bool
	e := newScanEnv(t, link.ScanProfile{}, func(qr.PaymentCode, int64) WalletBehaviour {
		armed.Store(true) // the wallet pays; the terminal's next write fails
		return WalletBehaviour{}
	})
	j, err := link.OpenJournal(filepath.Join(e.dir, "transactions.journal"), link.WithFS(failFS{armed: &armed}))
	if err != nil {
		t.Fatal(err)
	}
	ctr, err := link.OpenCounters(filepath.Join(e.dir, "counters"))
	if err != nil {
		t.Fatal(err)
	}
	first := openWith(t, e, j, ctr)
	r, err := first.c.ScanSale(context.Background(), mustCode(t, scanCode), 7700, e.clock.options(30*time.Second))
	if err != nil || r.Approved() || r.Outcome != link.ScanCancelled {
		t.Fatalf("%+v %v", r, err)
	}
	if armed.Load() {
		t.Fatal("the disk fault did not strike")
	}
	if r.Request.ResponseCode.Approved() {
		t.Errorf("the cancelled sale's request shows %s", r.Request.ResponseCode)
	}
	first.close()
	tm := e.open()
	if n := tm.c.Pending(); n != 0 {
		t.Fatalf("%d pending after restart", n)
	}
	for _, o := range e.gw.Ledger() {
		if o.Status != WalletRefunded {
			t.Errorf("wallet: %s", o.Status)
		}
	}
	e.agree(tm)
}
