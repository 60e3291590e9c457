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
