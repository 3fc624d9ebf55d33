package eskip

import "unsafe"

// eface is the layout of an interface value of type any.
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// boxer turns parsed arguments into interface values without a heap
// allocation per value: the values are stored in chunks and the interface
// points into them, as the runtime's own conversion points into the copy
// it allocates. Stored values are never changed afterwards.
type boxer struct {
	strs slab[string]
	nums slab[float64]
}

var (
	stringType  = typeOf("")
	float64Type = typeOf(float64(0))
)

func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

func (b *boxer) box(a arg) any {
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	if a.isNum {
		p := b.nums.one()
		*p = a.num
		e.typ, e.data = float64Type, unsafe.Pointer(p)
		return v
	}
	p := b.strs.one()
	*p = a.str
	e.typ, e.data = stringType, unsafe.Pointer(p)
	return v
}
