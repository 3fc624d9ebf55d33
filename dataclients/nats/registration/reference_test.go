package registration

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
)

// referenceDecode is the second way to decode a payload, against which
// Decode is held (FuzzDecode, TestDecodeMatchesReference): encoding/json
// into a struct with gorouter's field types, which is the definition of
// §3.1, then the checks of §3.1 rule 5 and §3.2 written out again. Only
// options need code of their own, because §3.4 makes them lenient; even
// there, which option a key names is left to encoding/json.
func referenceDecode(payload []byte) (Message, []string, error) {
	var r struct {
		Host                    string            `json:"host"`
		Port                    uint16            `json:"port"`
		TLSPort                 uint16            `json:"tls_port"`
		Protocol                string            `json:"protocol"`
		URIs                    []string          `json:"uris"`
		Tags                    map[string]string `json:"tags"`
		App                     string            `json:"app"`
		PrivateInstanceID       string            `json:"private_instance_id"`
		PrivateInstanceIndex    string            `json:"private_instance_index"`
		StaleThresholdInSeconds int               `json:"stale_threshold_in_seconds"`
		IsolationSegment        string            `json:"isolation_segment"`
		ServerCertDomainSAN     string            `json:"server_cert_domain_san"`
		RouteServiceURL         string            `json:"route_service_url"`
		EndpointUpdatedAtNs     int64             `json:"endpoint_updated_at_ns"`
		AvailabilityZone        string            `json:"availability_zone"`
		Options                 referenceOptions  `json:"options"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		return Message{}, nil, err
	}
	m := Message{
		Host:                    r.Host,
		Port:                    r.Port,
		TLSPort:                 r.TLSPort,
		Protocol:                r.Protocol,
		URIs:                    r.URIs,
		Tags:                    r.Tags,
		App:                     r.App,
		PrivateInstanceID:       r.PrivateInstanceID,
		PrivateInstanceIndex:    r.PrivateInstanceIndex,
		StaleThresholdInSeconds: r.StaleThresholdInSeconds,
		IsolationSegment:        r.IsolationSegment,
		ServerCertDomainSAN:     r.ServerCertDomainSAN,
		RouteServiceURL:         r.RouteServiceURL,
		EndpointUpdatedAtNs:     r.EndpointUpdatedAtNs,
		AvailabilityZone:        r.AvailabilityZone,
		Options: Options{
			LoadBalancing: r.Options.loadBalancing,
			HashHeader:    r.Options.hashHeader,
			HashBalance:   r.Options.hashBalance,
		},
	}
	if m.Options.LoadBalancing == "" {
		m.Options.LoadBalancing = r.Options.lbAlgo
	}
	if len(m.RouteServiceURL) > 0 && (len(m.RouteServiceURL) < 5 || m.RouteServiceURL[:5] != "https") {
		return Message{}, nil, errors.New("route_service_url")
	}
	if len(m.Host) == 0 && len(m.URIs) != 0 {
		return Message{}, nil, errors.New("host")
	}
	return m, r.Options.errs, nil
}

// referenceOptions decodes options as gorouter's options struct would,
// except that a value it cannot use is listed in errs instead of failing
// the message (§3.4). encoding/json calls UnmarshalJSON for every
// "options" key, null included, on the same value.
type referenceOptions struct {
	loadBalancing, lbAlgo, hashHeader string
	hashBalance                       float64
	errs                              []string // the fields of the options ignored
}

func (o *referenceOptions) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil // null leaves a struct as it is
	}
	if b[0] != '{' {
		o.errs = append(o.errs, "options")
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return err
		}
		// Which option the key names: the key alone decoded into a
		// struct of the option names, so encoding/json does the
		// matching.
		key, err := json.Marshal(tok.(string))
		if err != nil {
			return err
		}
		var which struct {
			LoadBalancing json.RawMessage `json:"loadbalancing"`
			LBAlgo        json.RawMessage `json:"lb_algo"`
			HashHeader    json.RawMessage `json:"hash_header"`
			HashBalance   json.RawMessage `json:"hash_balance"`
		}
		if err := json.Unmarshal([]byte(`{`+string(key)+`:0}`), &which); err != nil {
			return err
		}
		switch {
		case which.LoadBalancing != nil:
			o.str(&o.loadBalancing, value, "options.loadbalancing")
		case which.LBAlgo != nil:
			o.str(&o.lbAlgo, value, "options.lb_algo")
		case which.HashHeader != nil:
			o.str(&o.hashHeader, value, "options.hash_header")
		case which.HashBalance != nil:
			o.balance(value)
		}
	}
	return nil
}

func (o *referenceOptions) str(dst *string, value json.RawMessage, name string) {
	if err := json.Unmarshal(value, dst); err != nil {
		o.errs = append(o.errs, name)
	}
}

// balance takes a number or a string holding one: json.Number accepts
// exactly those (and leaves null alone).
func (o *referenceOptions) balance(value json.RawMessage) {
	var n json.Number
	if err := json.Unmarshal(value, &n); err != nil {
		o.errs = append(o.errs, "options.hash_balance")
		return
	}
	if n == "" {
		return // null
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || f < 0 {
		o.errs = append(o.errs, "options.hash_balance")
		return
	}
	if f == 0 {
		f = 0 // -0
	}
	o.hashBalance = f
}

// optionFields lists the Field of each option error.
func optionFields(errs []error) []string {
	var fields []string
	for _, err := range errs {
		var de *DecodeError
		if !errors.As(err, &de) {
			fields = append(fields, "not a *DecodeError: "+err.Error())
			continue
		}
		fields = append(fields, de.Field)
	}
	return fields
}

// errorClass names how encoding/json refused a payload.
func referenceClass(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return "accepted"
	case errors.As(err, &syntax):
		return "syntax"
	case errors.As(err, &typ):
		return "type"
	case strings.Contains(err.Error(), "json:"):
		return "other json: " + err.Error()
	}
	return "value"
}
