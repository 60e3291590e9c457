package isolate

// A requestQueue is a FIFO of pending requests, linked through them so that
// queuing never allocates.
type requestQueue struct {
	head, tail *request
}

func (q *requestQueue) push(r *request) {
	r.prev, r.next = q.tail, nil
	if q.tail == nil {
		q.head = r
	} else {
		q.tail.next = r
	}
	q.tail = r
}

func (q *requestQueue) len() int {
	n := 0
	for r := q.head; r != nil; r = r.next {
		n++
	}
	return n
}

func (q *requestQueue) remove(r *request) {
	if r.prev == nil {
		q.head = r.next
	} else {
		r.prev.next = r.next
	}
	if r.next == nil {
		q.tail = r.prev
	} else {
		r.next.prev = r.prev
	}
	r.prev, r.next = nil, nil
}
