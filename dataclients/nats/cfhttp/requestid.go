package cfhttp

import (
	"crypto/rand"
	"strconv"
	"time"
)

const hexDigits = "0123456789abcdef"

// NewRequestID returns a random (version 4) UUID for X-Vcap-Request-Id:
// lower-case 8-4-4-4-12 hex. Unlike gorouter's generator it sets the RFC
// 4122 variant bits properly (§9.1 allows this). One 16-byte read from
// crypto/rand, formatted on the stack; the only allocation is the string.
func NewRequestID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])  // never fails since Go 1.24; it crashes the program instead
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10xx
	var s [36]byte
	j := 0
	for i, b := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j] = hexDigits[b>>4]
		s[j+1] = hexDigits[b&0x0f]
		j += 2
	}
	return string(s[:])
}

// RequestStart is the X-Request-Start value for t: Unix time in
// milliseconds, in decimal (13 digits until the year 2286).
func RequestStart(t time.Time) string {
	return strconv.FormatInt(t.UnixMilli(), 10)
}
