package registration

// Payloads shared by the table tests, the benchmark and the fuzz corpus.

// routeEmitterPayload is a typical route-emitter registration: a TLS
// endpoint with its plain port too, one route, the tags the emitter sets.
const routeEmitterPayload = `{"host":"10.0.16.5","port":61012,"tls_port":61014,` +
	`"uris":["myapp.apps.example.com"],"app":"6a2e5f3b-8c1d-4e7f-9a0b-1c2d3e4f5a6b",` +
	`"private_instance_id":"7f1e2d3c-4b5a-4978-8f5e-4d3c2b1a0f9e","private_instance_index":"0",` +
	`"server_cert_domain_san":"7f1e2d3c-4b5a-4978-8f5e-4d3c2b1a0f9e","route_service_url":"",` +
	`"isolation_segment":"","availability_zone":"z1","endpoint_updated_at_ns":1731580800123456789,` +
	`"protocol":"http1","stale_threshold_in_seconds":120,"options":{"loadbalancing":"round-robin"},` +
	`"tags":{"app_id":"6a2e5f3b-8c1d-4e7f-9a0b-1c2d3e4f5a6b","app_name":"myapp","component":"route-emitter",` +
	`"instance_id":"0","organization_id":"0c3a9e5d-1f2b-4c6d-8e7f-9a0b1c2d3e4f","organization_name":"my-org",` +
	`"process_id":"6a2e5f3b-8c1d-4e7f-9a0b-1c2d3e4f5a6b","process_instance_id":"7f1e2d3c-4b5a-4978-8f5e-4d3c2b1a0f9e",` +
	`"process_type":"web","source_id":"6a2e5f3b-8c1d-4e7f-9a0b-1c2d3e4f5a6b",` +
	`"space_id":"2b4d6f8a-0c1e-4a3b-9d5f-7e9a1b3c5d7f","space_name":"dev"}}`

// §18 B5, with P = 8080.
const basicPayload = `{"host":"127.0.0.1","port":8080,"uris":["app.test"],` +
	`"app":"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa","private_instance_id":"inst-1",` +
	`"private_instance_index":"2","tags":{"component":"route-emitter"}}`

// §18 B6: B5 without private_instance_id.
const noInstanceIDPayload = `{"host":"127.0.0.1","port":8080,"uris":["app.test"],` +
	`"app":"aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa",` +
	`"private_instance_index":"2","tags":{"component":"route-emitter"}}`

// withField is basicPayload with one more member, which as the last
// occurrence of its key wins (§3.1 rule 2), as §18 B7 and B8 change one
// field of an otherwise valid registration.
func withField(member string) string {
	return basicPayload[:len(basicPayload)-1] + "," + member + "}"
}
