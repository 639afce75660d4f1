package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/config"
	"github.com/camino-edu/camino/internal/warehouse"
)

// listFlag collects a repeated flag (--district A --district B).
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func keysCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, "Usage: camino keys create|list|revoke [flags]\n\n  create --role board|partner|analyst|admin [--district LEA_ID ...] [--name NAME] [--expires 2027-06-30] [--public]\n  list\n  revoke KEY_ID")
			return nil
		}
		return apperr.Errorf(apperr.Invalid, "want 'keys create', 'keys list' or 'keys revoke KEY_ID'")
	}
	action := args[0]
	var cfg config.Config
	fs := e.flags("keys "+action, "keys "+action+" [flags]", &cfg)
	role := fs.String("role", "", "create: "+strings.Join(access.Roles, ", "))
	var districts listFlag
	fs.Var(&districts, "district", "create: a district (LEA id) a partner key may read; repeat for several")
	name := fs.String("name", "", "create: who or what the key is for")
	expires := fs.String("expires", "", "create: last day the key works (YYYY-MM-DD, UTC) or an RFC 3339 time")
	public := fs.Bool("public", false, "create: a key for published output (an embed, a public page): everything it reads is small-cell suppressed, whatever its role")
	if err := e.parse(fs, &cfg, args[1:]); err != nil {
		return err
	}
	now := time.Now()
	var exp *time.Time
	if *expires != "" {
		t, err := time.Parse(time.RFC3339, *expires)
		if err != nil {
			d, derr := time.Parse("2006-01-02", *expires)
			if derr != nil {
				return apperr.Errorf(apperr.Invalid, "--expires %q: want YYYY-MM-DD or an RFC 3339 time", *expires)
			}
			t = d.Add(24 * time.Hour) // through the end of that day
		}
		exp = &t
	}
	log := e.logger(&cfg)
	db, closeDB, err := e.openWriter(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer closeDB()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	switch action {
	case "create":
		nk, err := access.Create(ctx, db, access.CreateOptions{Role: *role, Districts: districts, Name: *name, ExpiresAt: exp, Public: *public}, now)
		if err != nil {
			return err
		}
		kind := nk.Key.Role
		if nk.Key.Public {
			kind = "public " + kind
		}
		fmt.Fprintf(e.stdout, "created %s key %s\n\n  %s\n\nThis is the only time the key is shown: store it now. Revoke it with `camino keys revoke %s`.\n",
			kind, nk.Key.ID, nk.Secret, nk.Key.ID)
	case "list":
		keys, err := db.Keys(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "KEY ID\tROLE\tPUBLIC\tDISTRICTS\tNAME\tCREATED\tEXPIRES\tSTATUS")
		for _, k := range keys {
			status, expiry := "active", "never"
			if k.ExpiresAt != nil {
				expiry = k.ExpiresAt.UTC().Format(time.RFC3339)
				if !now.Before(*k.ExpiresAt) {
					status = "expired"
				}
			}
			if k.RevokedAt != nil {
				status = "revoked " + k.RevokedAt.UTC().Format(time.RFC3339)
			}
			pub := "no"
			if k.Public {
				pub = "yes"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, pub, strings.Join(k.Districts, ","), k.Name,
				k.CreatedAt.UTC().Format(time.RFC3339), expiry, status)
		}
		return w.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			return apperr.Errorf(apperr.Invalid, "want 'keys revoke KEY_ID'")
		}
		if err := access.Revoke(ctx, db, fs.Arg(0), now); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", fs.Arg(0))
	}
	return nil
}

// bootstrapAdminKey creates an admin key when none is active and writes it
// to path (readable by its owner only); with an active admin key it only
// says where the key is.
func bootstrapAdminKey(ctx context.Context, e *env, db *warehouse.DB, path string) error {
	keys, err := db.Keys(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, k := range keys {
		if k.Role == access.RoleAdmin && k.RevokedAt == nil && (k.ExpiresAt == nil || now.Before(*k.ExpiresAt)) {
			if _, err := os.Stat(path); err == nil {
				fmt.Fprintf(e.stdout, "An admin key is in %s (send it as Authorization: Bearer <key>).\n", path)
			}
			return nil
		}
	}
	nk, err := access.Create(ctx, db, access.CreateOptions{Role: access.RoleAdmin, Name: "first admin key (serve --admin-key-file)"}, now)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return apperr.Wrap(apperr.Invalid, err, "--admin-key-file: cannot create its directory")
	}
	if err := os.WriteFile(path, []byte(nk.Secret+"\n"), 0o600); err != nil {
		_ = access.Revoke(ctx, db, nk.Key.ID, now)
		return apperr.Wrap(apperr.Invalid, err, "--admin-key-file: cannot write "+path)
	}
	fmt.Fprintf(e.stdout, "Created admin key %s; it is in %s (send it as Authorization: Bearer <key>).\n", nk.Key.ID, path)
	return nil
}
