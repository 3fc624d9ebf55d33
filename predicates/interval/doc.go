// Package interval provides the wall-clock predicates After, Before and
// Between, which enable routes at a point in time or for a time window
// (a planned migration, a sale, a maintenance page).
package interval
