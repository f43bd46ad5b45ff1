package kernel

type kernel2 struct{}

func (kernel2) configured(a *AIDConfig) bool { return a.Kernel2 != nil }

func (kernel2) run(t *txn, combo *combination, afci []byte) (*Result, error) {
	return t.fail(ErrNoApplication)
}

// Kernel2Config holds Kernel 2 settings for an AID.
type Kernel2Config struct{}
