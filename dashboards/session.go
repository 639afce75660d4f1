package dashboards

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// sessionCookie holds a random session token (HttpOnly, SameSite=Strict).
// The key itself stays on the server, so every page re-checks it: a
// revoked or expired key stops working within the authenticator's TTL.
const sessionCookie = "camino_session"

// maxSessions bounds the store; past it, expired sessions are swept and,
// if still full, the oldest go.
const maxSessions = 10000

type session struct {
	key     string
	expires time.Time
}

// sessions are in memory: a restart signs everyone out (the key is never
// written anywhere).
type sessions struct {
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[[32]byte]session
}

func newSessions(ttl time.Duration) *sessions {
	return &sessions{ttl: ttl, now: time.Now, m: map[[32]byte]session{}}
}

// create stores key under a new random token and returns the token.
func (s *sessions) create(key string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= maxSessions {
		var oldest [32]byte
		var at time.Time
		for h, x := range s.m {
			if !now.Before(x.expires) {
				delete(s.m, h)
			} else if at.IsZero() || x.expires.Before(at) {
				oldest, at = h, x.expires
			}
		}
		if len(s.m) >= maxSessions {
			delete(s.m, oldest)
		}
	}
	s.m[sha256.Sum256([]byte(token))] = session{key: key, expires: now.Add(s.ttl)}
	return token, nil
}

// key returns the API key of the request's session, if any.
func (s *sessions) key(r *http.Request) (string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || len(c.Value) != 43 {
		return "", false
	}
	h := sha256.Sum256([]byte(c.Value))
	s.mu.Lock()
	defer s.mu.Unlock()
	x, ok := s.m[h]
	if !ok {
		return "", false
	}
	if !s.now().Before(x.expires) {
		delete(s.m, h)
		return "", false
	}
	return x.key, true
}

// end forgets the request's session.
func (s *sessions) end(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.m, sha256.Sum256([]byte(c.Value)))
		s.mu.Unlock()
	}
}

// logoutToken is the request's session's CSRF token for the sign-out form:
// derived from the session's cookie, which another site cannot read, so a
// sign-out posted from elsewhere cannot carry it. Empty without a session
// cookie.
func logoutToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	h := sha256.Sum256([]byte("camino logout\x00" + c.Value))
	return base64.RawURLEncoding.EncodeToString(h[:18])
}

// validLogout reports whether r carries its session's sign-out token.
func validLogout(r *http.Request) bool {
	want := logoutToken(r)
	got := r.PostFormValue("csrf")
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// setCookie writes the session cookie (an empty token clears it).
func setCookie(w http.ResponseWriter, r *http.Request, token string, ttl time.Duration) {
	c := &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"}
	if token == "" {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(ttl / time.Second)
	}
	http.SetCookie(w, c)
}
