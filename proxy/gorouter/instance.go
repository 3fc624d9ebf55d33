package gorouter

import "github.com/skiff-proxy/skiff/dataclients/nats/cfhttp"

// The instance-targeting headers (spec §11), in their canonical form.
const (
	appInstanceHeader     = cfhttp.HeaderAppInstance
	processInstanceHeader = cfhttp.HeaderProcessInstance
)
