package access

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

func TestMain(m *testing.M) { whtest.Main(m) }

func store(t *testing.T) *warehouse.DB {
	t.Helper()
	db := whtest.NewDB(t)
	_, err := db.Insert(context.Background(), warehouse.TableDistricts, func(add warehouse.AppendFunc) error {
		return add("4900870", "UT", "Salt Lake City", "regular", "city", uint8(0))
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestCreateAuthenticateRevoke(t *testing.T) {
	ctx := context.Background()
	db := store(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	nk, err := Create(ctx, db, CreateOptions{Role: RolePartner, Districts: []string{"4900870", "4900870"}, Name: "SLC partner"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(nk.Secret, "cmn_"+nk.Key.ID+"_") || len(nk.Secret) != 4+12+1+43 {
		t.Fatalf("secret %q has the wrong shape", nk.Secret)
	}
	// Only a hash is stored: the secret appears nowhere in the table.
	var stored string
	if err := db.Conn().QueryRow(ctx, "SELECT concat(key_id, name, toString(role), arrayStringConcat(districts), secret_hash) FROM "+
		db.Database()+".api_keys").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, nk.Secret[17:]) {
		t.Fatal("the secret is stored")
	}
	p, err := Authenticate(ctx, db, nk.Secret, now)
	if err != nil || p.Role != RolePartner || len(p.Districts) != 1 || p.Districts[0] != "4900870" || p.KeyID != nk.Key.ID {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	// Wrong secret for a real id, unknown id, garbage: the same error.
	wrong := nk.Secret[:len(nk.Secret)-1] + map[bool]string{true: "A", false: "B"}[nk.Secret[len(nk.Secret)-1] != 'A']
	for _, k := range []string{wrong, "cmn_000000000000_" + strings.Repeat("A", 43), "", "Bearer x", strings.Repeat("x", 100000)} {
		if _, err := Authenticate(ctx, db, k, now); apperr.CodeOf(err) != apperr.Unauthenticated || err.Error() != errUnauthenticated.Error() {
			t.Errorf("key %.30q: err = %v", k, err)
		}
	}
	if err := Revoke(ctx, db, nk.Key.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := Authenticate(ctx, db, nk.Secret, now.Add(time.Second)); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("revoked key: %v", err)
	}
	keys, err := db.Keys(ctx)
	if err != nil || len(keys) != 1 || keys[0].RevokedAt == nil {
		t.Fatalf("keys after revoke = %+v, %v", keys, err)
	}
}

func TestExpiredKeysAreRefused(t *testing.T) {
	ctx := context.Background()
	db := store(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	exp := now.Add(time.Hour)
	nk, err := Create(ctx, db, CreateOptions{Role: RoleAnalyst, ExpiresAt: &exp}, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Authenticate(ctx, db, nk.Secret, now.Add(59*time.Minute)); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	if _, err := Authenticate(ctx, db, nk.Secret, now.Add(time.Hour)); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("at expiry: %v", err)
	}
}

func TestCreateRefusesBadOptions(t *testing.T) {
	ctx := context.Background()
	db := store(t)
	now := time.Now()
	past := now.Add(-time.Hour)
	cases := map[string]struct {
		o    CreateOptions
		want string
	}{
		"unknown role":           {CreateOptions{Role: "root"}, "role"},
		"partner without":        {CreateOptions{Role: RolePartner}, "at least one district"},
		"board with district":    {CreateOptions{Role: RoleBoard, Districts: []string{"4900870"}}, "only partner keys"},
		"malformed district":     {CreateOptions{Role: RolePartner, Districts: []string{"49'; DROP"}}, "7-digit"},
		"district not in the dw": {CreateOptions{Role: RolePartner, Districts: []string{"4999998"}}, "not in the warehouse"},
		"expired already":        {CreateOptions{Role: RoleAdmin, ExpiresAt: &past}, "not in the future"},
		"multi-line name":        {CreateOptions{Role: RoleAdmin, Name: "a\nb"}, "one line"},
		"oversized name":         {CreateOptions{Role: RoleAdmin, Name: strings.Repeat("n", 101)}, "100 characters"},
		"too many districts":     {CreateOptions{Role: RolePartner, Districts: make([]string, 101)}, "at most 100"},
	}
	for name, c := range cases {
		_, err := Create(ctx, db, c.o, now)
		if apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want invalid mentioning %q", name, err, c.want)
		}
	}
	if keys, _ := db.Keys(ctx); len(keys) != 0 {
		t.Fatalf("refused keys were stored: %+v", keys)
	}
	if err := Revoke(ctx, db, "nope", now); apperr.CodeOf(err) != apperr.Invalid {
		t.Fatalf("revoke malformed id: %v", err)
	}
	if err := Revoke(ctx, db, "0123456789ab", now); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("revoke unknown id: %v", err)
	}
}

// TestAuthenticatorRemembersForAWhile: a checked key is remembered for the
// TTL (no warehouse lookup per request), never past its expiry, and a
// revoked key stops working once the TTL has run; a wrong secret for a good
// id is never taken from the memory of the right one.
func TestAuthenticatorRemembersForAWhile(t *testing.T) {
	ctx := context.Background()
	db := store(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	exp := now.Add(5 * time.Second)
	short, err := Create(ctx, db, CreateOptions{Role: RoleBoard, ExpiresAt: &exp}, now)
	if err != nil {
		t.Fatal(err)
	}
	nk, err := Create(ctx, db, CreateOptions{Role: RolePartner, Districts: []string{"4900870"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	clock := now
	a := &Authenticator{Store: db, TTL: 10 * time.Second, Now: func() time.Time { return clock }}
	p, err := a.Authenticate(ctx, nk.Secret)
	if err != nil || p.Role != RolePartner || len(p.States) != 1 || p.States[0] != "UT" {
		t.Fatalf("partner: %+v %v", p, err)
	}
	if _, err := a.Authenticate(ctx, short.Secret); err != nil {
		t.Fatal(err)
	}
	if err := Revoke(ctx, db, nk.Key.ID, now); err != nil {
		t.Fatal(err)
	}
	before := db.QueriesSent()
	clock = now.Add(4 * time.Second)
	if _, err := a.Authenticate(ctx, nk.Secret); err != nil {
		t.Fatalf("within the TTL the remembered key still works: %v", err)
	}
	if db.QueriesSent() != before {
		t.Fatal("a remembered key cost a warehouse lookup")
	}
	wrong := nk.Secret[:len(nk.Secret)-2] + "xx"
	if _, err := a.Authenticate(ctx, wrong); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("wrong secret: %v", err)
	}
	clock = now.Add(6 * time.Second)
	if _, err := a.Authenticate(ctx, short.Secret); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("a key past its expiry was remembered: %v", err)
	}
	clock = now.Add(11 * time.Second)
	if _, err := a.Authenticate(ctx, nk.Secret); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Fatalf("a revoked key works past the TTL: %v", err)
	}
}
