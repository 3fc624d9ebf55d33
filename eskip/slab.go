package eskip

// slab hands out small slices carved from larger chunks, so that parsing a
// big document costs a few allocations per chunk instead of several per
// route. Handed-out slices are capped: appending to one reallocates instead
// of overwriting its neighbour. Chunks start at the size first asked for
// and double: a document of one route (an etcd value; 100,000 of them are
// kept at once) holds no spare elements, while a large one soon takes
// chunks of slabMax.
type slab[T any] struct {
	buf  []T
	next int // size of the next chunk
}

const slabMax = 1024

func (s *slab[T]) take(n int) []T {
	if n == 0 {
		return nil
	}
	if len(s.buf) < n {
		size := s.next
		if size < n {
			size = n
		}
		s.buf = make([]T, size)
		if s.next < slabMax {
			s.next = size * 2
		}
	}
	r := s.buf[:n:n]
	s.buf = s.buf[n:]
	return r
}

func (s *slab[T]) one() *T { return &s.take(1)[0] }
