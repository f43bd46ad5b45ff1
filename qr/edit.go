package qr

import "fmt"

// Set gives root data object id the value v: it replaces the value of an
// existing object (dropping its Sub, so the new value is what encodes) or
// inserts a new one before the first object with a higher ID, keeping the
// CRC last. This is how a terminal turns the merchant's static code into a
// dynamic one for a sale:
//
//	p.Set(qr.IDInitiation, qr.Dynamic)
//	p.Set(qr.IDAmount, "23.72")
//
// Set(id, "") removes the object. Encode the result with Append.
func (p *Payload) Set(id ID, v string) error {
	if id > maxID || id == IDCRC {
		return fmt.Errorf("%w: cannot set ID %s", ErrSyntax, id)
	}
	return p.set(Object{ID: id, Value: v})
}

// SetSub gives nested object sub of template id the value v, creating the
// template when absent (for example SetSub(62, 5, "INV-42") for the
// reference label). SetSub(id, sub, "") removes the nested object, and the
// template with it when it becomes empty.
func (p *Payload) SetSub(id, sub ID, v string) error {
	if id > maxID || sub > maxID || !id.IsTemplate() {
		return fmt.Errorf("%w: ID %s is not a template", ErrSyntax, id)
	}
	o, _ := p.Get(id)
	// Copy: Sub may share the decode pool with other objects.
	subs := make([]Object, 0, len(o.Sub)+1)
	done := v == ""
	for _, s := range o.Sub {
		switch {
		case s.ID == sub:
			if v != "" {
				subs = append(subs, Object{ID: sub, Value: v})
			}
			done = true
			continue
		case !done && s.ID > sub:
			subs = append(subs, Object{ID: sub, Value: v})
			done = true
		}
		subs = append(subs, s)
	}
	if !done {
		subs = append(subs, Object{ID: sub, Value: v})
	}
	if len(subs) == 0 {
		return p.set(Object{ID: id})
	}
	return p.set(Object{ID: id, Sub: subs})
}

// set replaces, inserts or (when o is empty) removes root object o.ID.
func (p *Payload) set(o Object) error {
	remove := o.Value == "" && len(o.Sub) == 0
	for i := range p.Objects {
		if p.Objects[i].ID == o.ID {
			if remove {
				p.Objects = append(p.Objects[:i], p.Objects[i+1:]...)
			} else {
				p.Objects[i] = o
			}
			return nil
		}
	}
	if remove {
		return nil
	}
	at := len(p.Objects)
	for i, x := range p.Objects {
		if x.ID > o.ID {
			at = i
			break
		}
	}
	p.Objects = append(p.Objects, Object{})
	copy(p.Objects[at+1:], p.Objects[at:])
	p.Objects[at] = o
	return nil
}
