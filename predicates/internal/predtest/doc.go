// Package predtest holds helpers shared by the unit tests of the built-in
// predicates.
package predtest
