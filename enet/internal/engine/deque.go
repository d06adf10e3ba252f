package engine

// deque is a ring buffer used for the per-peer command queues: ENet's
// linked lists become arrays, commands are stored by value, and the buffer
// is reused across packets, so steady-state queueing does not allocate.
type deque[T any] struct {
	buf  []T // len(buf) is zero or a power of two
	head int
	n    int
}

func (d *deque[T]) Len() int { return d.n }

// At returns a pointer to element i (0 = front). The pointer is valid until
// the next push or removal.
func (d *deque[T]) At(i int) *T { return &d.buf[(d.head+i)&(len(d.buf)-1)] }

func (d *deque[T]) grow() {
	if d.n < len(d.buf) {
		return
	}
	size := len(d.buf) * 2
	if size == 0 {
		size = 16
	}
	nb := make([]T, size)
	for i := 0; i < d.n; i++ {
		nb[i] = *d.At(i)
	}
	d.buf, d.head = nb, 0
}

func (d *deque[T]) PushBack(v T) {
	d.grow()
	d.buf[(d.head+d.n)&(len(d.buf)-1)] = v
	d.n++
}

func (d *deque[T]) PushFront(v T) {
	d.grow()
	d.head = (d.head - 1) & (len(d.buf) - 1)
	d.buf[d.head] = v
	d.n++
}

// Front returns a pointer to the first element, valid until the next
// change; the deque must not be empty.
func (d *deque[T]) Front() *T { return &d.buf[d.head] }

// DropFront removes the first element without copying it out.
func (d *deque[T]) DropFront() {
	var zero T
	d.buf[d.head] = zero
	d.head = (d.head + 1) & (len(d.buf) - 1)
	d.n--
}

func (d *deque[T]) PopFront() T {
	var zero T
	p := &d.buf[d.head]
	v := *p
	*p = zero
	d.head = (d.head + 1) & (len(d.buf) - 1)
	d.n--
	return v
}

// RemoveAt removes element i, shifting the shorter side: the earlier
// elements back, or the later ones forward. Removing the front (the usual
// case, acknowledgements arriving in order) costs O(1).
func (d *deque[T]) RemoveAt(i int) T {
	if i == 0 {
		return d.PopFront()
	}
	v := *d.At(i)
	var zero T
	if i < d.n/2 {
		for j := i; j > 0; j-- {
			*d.At(j) = *d.At(j - 1)
		}
		*d.At(0) = zero
		d.head = (d.head + 1) & (len(d.buf) - 1)
		d.n--
		return v
	}
	for j := i; j < d.n-1; j++ {
		*d.At(j) = *d.At(j + 1)
	}
	*d.At(d.n - 1) = zero
	d.n--
	return v
}

// Shrink releases the buffer of an empty deque holding more than max
// elements, so that a burst does not pin its memory for the life of the
// peer; the next push starts again at 16.
func (d *deque[T]) Shrink(max int) {
	if d.n == 0 && len(d.buf) > max {
		d.buf, d.head = nil, 0
	}
}

// Clear empties the deque, keeping its buffer.
func (d *deque[T]) Clear() {
	var zero T
	for i := 0; i < d.n; i++ {
		*d.At(i) = zero
	}
	d.head, d.n = 0, 0
}
