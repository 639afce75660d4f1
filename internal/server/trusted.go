package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/apperr"
)

// LoadTrustedDocuments reads the operation documents of dir: every
// *.graphql file is one document, registered under the SHA-256 (lower-case
// hex) of its exact bytes, as a client sends it in
// extensions.persistedQuery.sha256Hash. A directory without any is an
// error: it would lock every board and partner key out.
func LoadTrustedDocuments(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.graphql"))
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, err, "trusted documents: cannot list "+dir)
	}
	if len(files) == 0 {
		if _, err := os.Stat(dir); err != nil {
			return nil, apperr.Wrap(apperr.Invalid, err, "trusted documents: cannot read "+dir)
		}
		return nil, apperr.Errorf(apperr.Invalid, "trusted documents: no *.graphql file in %s", dir)
	}
	sort.Strings(files)
	docs := make(map[string]string, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, apperr.Wrap(apperr.Invalid, err, "trusted documents: cannot read "+f)
		}
		docs[documentHash(string(b))] = string(b)
	}
	return docs, nil
}

// documentHash is the SHA-256 of a document's text, lower-case hex: the
// hash of automatic persisted queries.
func documentHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// trustedDocuments is the gqlgen extension of the trusted-documents mode:
// board and partner keys run only registered documents, sent as text or as
// the hash of a registered one alone; analyst and admin keys run anything.
// Any key may run a registered document by its hash alone.
//
// It runs before automatic persisted queries, so that a document some
// analyst put in that cache (a bandwidth feature, open to every key) is
// not thereby trusted.
type trustedDocuments struct {
	docs map[string]string // hash → text
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = trustedDocuments{}

// newTrustedDocuments registers docs under the hash of their text,
// whatever key they came with (a key that is not that hash is reported).
func newTrustedDocuments(docs map[string]string, warn func(msg string, args ...any)) trustedDocuments {
	t := trustedDocuments{docs: make(map[string]string, len(docs))}
	for k, q := range docs {
		h := documentHash(q)
		if k != h {
			warn("trusted document registered under its own hash, not the key it was given", "given", k, "hash", h)
		}
		t.docs[h] = q
	}
	return t
}

func (trustedDocuments) ExtensionName() string                   { return "TrustedDocuments" }
func (trustedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

func (t trustedDocuments) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash, _ := persistedHash(p.Extensions)
	if p.Query == "" && hash != "" {
		if q, ok := t.docs[hash]; ok {
			p.Query = q // automatic persisted queries then checks hash and text agree
			return nil
		}
	}
	if pr, ok := access.PrincipalFrom(ctx); ok && (pr.Role == access.RoleAnalyst || pr.Role == access.RoleAdmin) {
		return nil
	} else if !ok {
		return nil // no principal: unauthenticated mode (authenticated refuses any other request first)
	}
	if p.Query != "" {
		if _, ok := t.docs[documentHash(p.Query)]; ok {
			return nil
		}
		return notTrusted("this key may run only the server's registered operations, and this document is not one of them " +
			"(it must be byte for byte a registered document; ask an analyst or admin to register it)")
	}
	if hash == "" {
		return nil // no document at all: gqlgen refuses it
	}
	return notTrusted("no registered operation has this hash (extensions.persistedQuery.sha256Hash); " +
		"this key may run only the server's registered operations")
}

func notTrusted(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "PERSISTED_QUERY_NOT_ALLOWED"}}
}

// persistedHash returns extensions.persistedQuery.sha256Hash, when sent.
func persistedHash(ext map[string]any) (string, bool) {
	pq, ok := ext["persistedQuery"].(map[string]any)
	if !ok {
		return "", false
	}
	h, ok := pq["sha256Hash"].(string)
	return h, ok && h != ""
}
