package filters

// Registry maps filter names to their specs. It is built once at startup
// (built-ins, then custom specs, which replace a built-in of the same name)
// and read-only afterwards.
type Registry map[string]Spec

// Register adds spec under its name, replacing any spec of that name.
func (r Registry) Register(spec Spec) {
	r[spec.Name()] = spec
}

// Get returns the spec registered under name.
func (r Registry) Get(name string) (Spec, bool) {
	s, ok := r[name]
	return s, ok
}
