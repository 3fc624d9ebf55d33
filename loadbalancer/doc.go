// Package loadbalancer chooses the endpoint of a load-balanced route for
// each request. Its post-processor gives every new or changed LB route a
// Balancer for the route's algorithm (round robin for now); it is
// route-local, so routing can apply small changes to large tables
// incrementally.
package loadbalancer
