package auth

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// htpasswd is an htpasswd file, read again when it changes (checked at
// most once per checkEvery).
type htpasswd struct {
	path string

	users     atomic.Pointer[htpasswdData]
	nextCheck atomic.Int64 // unix nanoseconds
	reload    sync.Mutex
	now       func() time.Time
}

type htpasswdData struct {
	users   map[string]string // user → hash
	modTime time.Time
	size    int64
}

const checkEvery = time.Second

func openHtpasswd(path string) (*htpasswd, error) {
	h := &htpasswd{path: path, now: time.Now}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	d, err := readHtpasswd(path, fi)
	if err != nil {
		return nil, err
	}
	h.users.Store(d)
	h.nextCheck.Store(h.now().Add(checkEvery).UnixNano())
	return h, nil
}

func readHtpasswd(path string, fi os.FileInfo) (*htpasswdData, error) {
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &htpasswdData{users: parseHtpasswd(b), modTime: fi.ModTime(), size: fi.Size()}, nil
}

// parseHtpasswd reads "user:hash" lines; blank lines and lines starting
// with '#' are skipped, and fields after the hash are ignored.
func parseHtpasswd(b []byte) map[string]string {
	users := map[string]string{}
	for line := range bytes.Lines(b) {
		s := strings.TrimRight(string(line), "\r\n")
		if s == "" || s[0] == '#' {
			continue
		}
		user, rest, ok := strings.Cut(s, ":")
		if !ok {
			continue
		}
		hash, _, _ := strings.Cut(strings.TrimLeft(rest, " \t"), ":")
		users[user] = hash
	}
	return users
}

// lookup returns the hash of user, reading the file again first when it
// changed. A file that became unreadable keeps its last content; the
// error is returned for logging.
func (h *htpasswd) lookup(user string) (string, error) {
	var err error
	now := h.now().UnixNano()
	if next := h.nextCheck.Load(); now >= next && h.nextCheck.CompareAndSwap(next, now+int64(checkEvery)) {
		err = h.refresh()
	}
	return h.users.Load().users[user], err
}

func (h *htpasswd) refresh() error {
	h.reload.Lock()
	defer h.reload.Unlock()
	fi, err := os.Stat(h.path)
	if err != nil {
		return err
	}
	old := h.users.Load()
	if fi.ModTime().Equal(old.modTime) && fi.Size() == old.size {
		return nil
	}
	d, err := readHtpasswd(h.path, fi)
	if err != nil {
		return err
	}
	h.users.Store(d)
	return nil
}

// checkPassword reports whether password matches hash: bcrypt ($2a$,
// $2b$, $2x$, $2y$), SHA-1 ({SHA}) or MD5 crypt ($apr1$, $1$), the
// formats skipper accepts. Plain text and DES crypt never match.
func checkPassword(password, hash string) bool {
	switch {
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"),
		strings.HasPrefix(hash, "$2x$"), strings.HasPrefix(hash, "$2y$"):
		// x/crypto/bcrypt reads every minor version the same way, as
		// skipper does: right for 7-bit passwords.
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	case strings.HasPrefix(hash, "{SHA}"):
		sum := sha1.Sum([]byte(password))
		want := base64.StdEncoding.EncodeToString(sum[:])
		return subtle.ConstantTimeCompare([]byte(hash[len("{SHA}"):]), []byte(want)) == 1
	case strings.HasPrefix(hash, "$apr1$"), strings.HasPrefix(hash, "$1$"):
		magic := hash[:strings.IndexByte(hash[1:], '$')+2]
		salt, _, ok := strings.Cut(hash[len(magic):], "$")
		if !ok {
			return false
		}
		return subtle.ConstantTimeCompare([]byte(hash), md5Crypt([]byte(password), []byte(salt), magic)) == 1
	}
	return false
}
