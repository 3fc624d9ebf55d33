// Command customdataclient is a skiff binary whose routes come from a
// data client of its own: a service catalog, a directory in which each
// team keeps one small JSON file per service,
//
//	orders.json:  {"path": "/orders", "backend": "http://orders.internal:8080"}
//
// that becomes the route catalog_orders: PathSubtree("/orders") -> backend.
// The client (catalog.go) is written in skipper's polling style, LoadAll
// and LoadUpdate, as a skipper data client is, and dataclients/polling
// runs it: it polls every CATALOG_POLL_INTERVAL (default 3s) and hands the
// changes to routing, so added, edited and removed files take effect
// without a restart. A broken file is logged once and keeps its last
// route; an unreadable directory keeps every route until it is back.
//
// The directory is named by CATALOG_DIR (without it the binary is a plain
// skiff); the environment is used because config.Main owns the command
// line. Every skiff flag and subcommand works, and -routes-file or
// -inline-routes may add routes next to the catalog's.
//
// The example catalog routes /routes to the support listener, which lists
// the routing table, so the binary shows its own routes:
//
//	cp -r examples/customdataclient/catalog /tmp/catalog
//	CATALOG_DIR=/tmp/catalog go run ./examples/customdataclient
//	curl localhost:9090/routes
//
// Then add a service, and within the interval it is routed and listed:
//
//	echo '{"path": "/health", "backend": "http://127.0.0.1:9911"}' > /tmp/catalog/health.json
//	curl localhost:9090/health
//	curl localhost:9090/routes
package main
