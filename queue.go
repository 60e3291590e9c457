package isolate

// A requestQueue is a FIFO of pending requests, linked through them so that
// queuing never allocates.
type requestQueue struct {
	head, tail *request
}

func (q *requestQueue) push(r *request) {
	r.before, r.after = q.tail, nil
	if q.tail == nil {
		q.head = r
	} else {
		q.tail.after = r
	}
	q.tail = r
}

func (q *requestQueue) len() int {
	n := 0
	for r := q.head; r != nil; r = r.after {
		n++
	}
	return n
}

func (q *requestQueue) remove(r *request) {
	if r.before == nil {
		q.head = r.after
	} else {
		r.before.after = r.after
	}
	if r.after == nil {
		q.tail = r.before
	} else {
		r.after.before = r.before
	}
	r.before, r.after = nil, nil
}

// spares are outsiders' objects (requests, Do's sections) kept for reuse,
// at most maxSpare, under the lock of the structure that holds them.
type spares[T any] []*T

// take returns an object kept for reuse, or a new one.
func (s *spares[T]) take() *T {
	if n := len(*s); n > 0 {
		x := (*s)[n-1]
		(*s)[n-1] = nil
		*s = (*s)[:n-1]
		return x
	}
	return new(T)
}

// keep keeps x for reuse, if there is room.
func (s *spares[T]) keep(x *T) {
	if len(*s) < maxSpare {
		*s = append(*s, x)
	}
}
