// Package dashboard serves /dashboard on the support listener: one page an
// operator keeps open, showing the current routes (searchable, with the
// data client and source position of each), the invalid routes and why,
// the load-balanced endpoints with their state, in-flight requests and
// fade-in, request and 5xx rates per route over the last minutes, the
// last routing updates, and an explain form that tells which route a
// request would take and why the others lost.
//
// The page is plain HTML, CSS and JavaScript embedded in the binary (no
// build step, nothing loaded from elsewhere), and polls a small JSON API
// under /dashboard/api/. The server does the filtering and paging, so the
// page stays fast with 100,000 routes: no answer carries more than one
// page of rows. Everything is read-only: only GET and HEAD are served.
//
// The rates come from a sampler (Dashboard.Run) that reads cumulative
// per-route counts every few seconds into a ring buffer covering the last
// minutes. Routing updates come from Dashboard.RecordUpdate, which a
// routing hook calls; without one, the sampler notes each new routing
// table it sees.
package dashboard
