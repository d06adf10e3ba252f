package multiplayer

// ring is a bounded FIFO queue. It grows its backing array by doubling up
// to max entries and never beyond; push reports false when full.
type ring[T any] struct {
	buf  []T
	head int
	n    int
	max  int
}

func (r *ring[T]) len() int { return r.n }

func (r *ring[T]) push(v T) bool {
	if r.n >= r.max {
		return false
	}
	if r.n == len(r.buf) {
		nb := make([]T, min(max(2*len(r.buf), 16), r.max))
		for i := range r.n {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = v
	r.n++
	return true
}

func (r *ring[T]) peek() (T, bool) {
	var zero T
	if r.n == 0 {
		return zero, false
	}
	return r.buf[r.head], true
}

func (r *ring[T]) pop() (T, bool) {
	var zero T
	if r.n == 0 {
		return zero, false
	}
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return v, true
}
