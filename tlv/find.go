package tlv

// Find returns the value of the first object with tag t in buf, searching
// depth-first: each object, then its children if it is constructed, then its
// following siblings (moov-io/bertlv's FindFirstTag stops after the first
// constructed sibling; this does not). It reads only as far as the match, so
// malformed bytes after it are not reported: use Validate for that.
func Find(buf []byte, t Tag) (value []byte, ok bool, err error) {
	return find(NewScanner(buf), t)
}

func find(s Scanner, t Tag) ([]byte, bool, error) {
	for s.Next() {
		if s.Tag() == t {
			return s.Value(), true, nil
		}
		if s.Constructed() {
			if v, ok, err := find(s.Descend(), t); ok || err != nil {
				return v, ok, err
			}
		}
	}
	return nil, false, s.Err()
}

// FindPath follows a path of tags from the top level down, taking at each
// level the first object with the path's tag: FindPath(fci, 0x6F, 0xA5,
// 0xBF0C) returns the FCI Issuer Discretionary Data.
func FindPath(buf []byte, path ...Tag) (value []byte, ok bool, err error) {
	if len(path) == 0 {
		return nil, false, nil
	}
	s := NewScanner(buf)
	for i, t := range path {
		found := false
		for s.Next() {
			if s.Tag() == t {
				found = true
				break
			}
		}
		if err := s.Err(); err != nil {
			return nil, false, err
		}
		if !found {
			return nil, false, nil
		}
		if i == len(path)-1 {
			return s.Value(), true, nil
		}
		s = s.Descend()
	}
	return nil, false, nil
}
