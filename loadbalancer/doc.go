// Package loadbalancer chooses the endpoint of a load-balanced route for
// each request. Its post-processor gives every LB route of a new routing
// table a fresh Balancer for the route's algorithm (round robin for now).
package loadbalancer
