// Package routesurl is the route source of skipper's -routes-urls: an
// eskip document served over HTTP(S), fetched at start and then polled.
//
//	c, err := routesurl.New(routesurl.Options{URL: "https://config.example.org/routes.eskip"})
//
// New fetches the document once and fails if it cannot be fetched or does
// not parse, so that a wrong URL stops the start, as in skipper. Run then
// polls every Interval (skipper's -source-poll-timeout, 3 s by default)
// with If-None-Match and If-Modified-Since, so that an unchanged document
// costs a 304 and nothing else; a changed one is sent as the changes to
// the routes in effect. A poll that fails (network, status other than 200
// and 304, a document that does not parse, one larger than MaxSize) keeps
// the last routes, is logged once per distinct error, and the next poll
// fetches the whole document again. Routes carry the URL as the source
// of their positions (URL:line:col in /routes and logs).
package routesurl
