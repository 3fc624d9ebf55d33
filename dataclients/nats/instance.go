package nats

import "github.com/skiff-proxy/skiff/dataclients/nats/cfhttp"

// The instance-targeting headers (spec §11), in their canonical form.
const (
	AppInstanceHeader     = "X-Cf-App-Instance"
	ProcessInstanceHeader = "X-Cf-Process-Instance"
)

func parseAppInstance(v string) (guid, index string, ok bool) { return cfhttp.ParseAppInstance(v) }
func parseProcessInstance(v string) (guid, index string, ok bool) {
	return cfhttp.ParseProcessInstance(v)
}
