package headersha256

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/textproto"

	"github.com/skiff-proxy/skiff/filters/specargs"
	"github.com/skiff-proxy/skiff/routing"
)

// Name of the predicate.
const Name = "HeaderSHA256"

type spec struct{}

// New returns the HeaderSHA256 spec.
func New() routing.PredicateSpec { return spec{} }

func (spec) Name() string { return Name }

func (spec) Create(a []any) (routing.Predicate, error) {
	args := specargs.Predicate(Name, a)
	if err := args.Count(2, -1); err != nil {
		return nil, err
	}
	name, err := args.NonEmptyString(0, "header name")
	if err != nil {
		return nil, err
	}
	p := &predicate{name: textproto.CanonicalMIMEHeaderKey(name)}
	for i := 1; i < len(a); i++ {
		s, err := args.String(i, "digest")
		if err != nil {
			return nil, err
		}
		var h [sha256.Size]byte
		if len(s) != hex.EncodedLen(sha256.Size) {
			return nil, args.Errorf("argument %d (%q) is not a hex-encoded SHA-256 digest", i+1, s)
		}
		if _, err := hex.Decode(h[:], []byte(s)); err != nil {
			return nil, args.Errorf("argument %d (%q) is not a hex-encoded SHA-256 digest", i+1, s)
		}
		p.hashes = append(p.hashes, h)
	}
	return p, nil
}

type predicate struct {
	name   string
	hashes [][sha256.Size]byte
}

// Match hashes the header's first value; the comparison takes the same time
// whichever digest matches, as the value may be a secret.
func (p *predicate) Match(r *http.Request) bool {
	v := r.Header[p.name]
	if len(v) == 0 {
		return false
	}
	h := sha256.Sum256([]byte(v[0]))
	ok := 0
	for i := range p.hashes {
		ok |= subtle.ConstantTimeCompare(h[:], p.hashes[i][:])
	}
	return ok == 1
}
