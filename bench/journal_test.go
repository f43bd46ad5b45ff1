package bench

// The terminal's transaction record: possdk's append-only journal
// (iso8583/link.Journal, sealed, fsync per write) beside go.etcd.io/bbolt
// (B+tree, copy-on-write pages, fsync per transaction), each doing what a
// sale does to its record — put "prepared", replace with "approved" — on
// the same disk, with the same payload sealed the same way.
//
//	go test -run '^$' -bench 'TxnRecord' -benchtime 2000x ./bench/

import (
	"crypto/rand"
	"encoding/binary"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"
	"golang.org/x/crypto/chacha20poly1305"

	"github.com/possdk/pos/iso8583/link"
)

var recordPayload = make([]byte, 320) // a sealed CUP sale record is ~300-400 bytes

func BenchmarkTxnRecordJournal(b *testing.B) {
	key := make([]byte, 32)
	rand.Read(key)
	j, err := link.OpenJournal(filepath.Join(b.TempDir(), "transactions.jnl"), link.WithSealKey(key))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		i++
		if err := j.Put(i, recordPayload); err != nil {
			b.Fatal(err)
		}
		if err := j.Put(i, recordPayload); err != nil {
			b.Fatal(err)
		}
		if i%64 == 0 { // a settlement now and then keeps the file small
			if err := j.Clear(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkTxnRecordBolt(b *testing.B) {
	key := make([]byte, 32)
	rand.Read(key)
	aead, _ := chacha20poly1305.NewX(key)
	db, err := bbolt.Open(filepath.Join(b.TempDir(), "transactions.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bucket := []byte("txns")
	put := func(id uint64) error {
		return db.Update(func(tx *bbolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(bucket)
			if err != nil {
				return err
			}
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], id)
			nonce := make([]byte, chacha20poly1305.NonceSizeX, chacha20poly1305.NonceSizeX+len(recordPayload)+16)
			rand.Read(nonce)
			return bk.Put(k[:], aead.Seal(nonce, nonce, recordPayload, k[:]))
		})
	}
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		i++
		if err := put(i); err != nil {
			b.Fatal(err)
		}
		if err := put(i); err != nil {
			b.Fatal(err)
		}
		if i%64 == 0 {
			if err := db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucket) }); err != nil {
				b.Fatal(err)
			}
		}
	}
}
