package warehouse

import (
	"context"
	"time"
)

// APIKey is a stored key: never its secret, only the secret's hash.
type APIKey struct {
	ID         string
	Name       string
	Role       string // board, partner, analyst, admin
	Districts  []string
	SecretHash string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	RevokedAt  *time.Time
	// Public keys read suppressed output only, whatever their role.
	Public bool
}

const keysCols = "key_id, name, toString(role), districts, secret_hash, created_at, expires_at, revoked_at, public"

// SaveKey writes a key (a new version of it when it exists).
func (d *DB) SaveKey(ctx context.Context, k APIKey) error {
	return d.exec(ctx, "keys.save", "INSERT INTO "+d.table("api_keys")+
		" (key_id, name, role, districts, secret_hash, created_at, expires_at, revoked_at, public, version) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?",
		k.ID, k.Name, k.Role, k.Districts, k.SecretHash, k.CreatedAt.UTC(), utcPtr(k.ExpiresAt), utcPtr(k.RevokedAt),
		boolByte(k.Public), uint64(time.Now().UnixNano()))
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Key returns the key with this id, or ok=false.
func (d *DB) Key(ctx context.Context, id string) (APIKey, bool, error) {
	keys, err := d.keys(ctx, "keys.get", "WHERE key_id = ?", id)
	if err != nil || len(keys) == 0 {
		return APIKey{}, false, err
	}
	return keys[0], true, nil
}

// Keys lists every key, newest first.
func (d *DB) Keys(ctx context.Context) ([]APIKey, error) {
	return d.keys(ctx, "keys.list", "ORDER BY created_at DESC, key_id")
}

func (d *DB) keys(ctx context.Context, name, tail string, args ...any) ([]APIKey, error) {
	rows, err := d.query(ctx, name, "SELECT "+keysCols+" FROM "+d.table("api_keys")+" FINAL "+tail, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		var public uint8
		if err := rows.Scan(&k.ID, &k.Name, &k.Role, &k.Districts, &k.SecretHash, &k.CreatedAt, &k.ExpiresAt, &k.RevokedAt, &public); err != nil {
			return nil, err
		}
		k.Public = public == 1
		out = append(out, k)
	}
	return out, rows.Err()
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
