package isolate

// Nothing grows forever: what a burst allocates is given back. Free lists
// keep a few objects for reuse; shrunk gives back the arrays of slices that
// a burst made grow.

// A freeList holds outsiders' objects (requests, Do's sections) for reuse,
// at most maxFree, under the lock of the structure that holds them.
type freeList[T any] []*T

// take returns an object kept for reuse, or a new one.
func (s *freeList[T]) take() *T {
	if n := len(*s); n > 0 {
		x := (*s)[n-1]
		(*s)[n-1] = nil
		*s = (*s)[:n-1]
		return x
	}
	return new(T)
}

// keep keeps x for reuse, if there is room.
func (s *freeList[T]) keep(x *T) {
	if len(*s) < maxFree {
		*s = append(*s, x)
	}
}

// maxFree is how many outsiders' requests an Isolator keeps for reuse: as
// many as outsiders that isolate at once in a usual program, so that a
// burst of them does not stay allocated.
const maxFree = 8

// shrunk returns s, or a copy of it in a smaller array if s uses less than a
// quarter of a large one: slices that a burst made grow give the memory back.
func shrunk[E any](s []E) []E {
	const small = 64
	if cap(s) <= small || len(s) >= cap(s)/4 {
		return s
	}
	if len(s) == 0 {
		return nil
	}
	return append(make([]E, 0, 2*len(s)), s...)
}
