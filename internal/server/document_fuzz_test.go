package server

import (
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/camino-edu/camino/graph"
)

// FuzzDocumentLimits feeds arbitrary documents to the document-limit pass
// and, when it lets one through, to gqlparser's validator with camino's
// schema. Whatever the input: no panic, a refusal is QUERY_TOO_LARGE with a
// short message, and neither the pass nor the validation of what it lets
// through takes long (a bound only a quadratic blow-up reaches, generous
// for a loaded machine).
//
//	go test -run='^$' -fuzz=FuzzDocumentLimits -fuzztime=60s ./internal/server/
func FuzzDocumentLimits(f *testing.F) {
	for _, seed := range []string{
		`{ me { role } }`,
		`{ me { role } me { role } me { role } }`,
		`query Q($n: Int) { state(code: "UT") { districts(first: $n) { nodes { id ...D } } } } fragment D on District { name id }`,
		`{ me { ...A } } fragment A on Me { ...B ...B } fragment B on Me { role }`,
		`{ me { ...A } } fragment A on Me { ...A }`,
		`{ district(id: "1") { id } district(id: "2") { id } }`,
		`query A { me { role } } query B { me { role } } mutation { __typename }`,
		`{ me(a: [[[1]]], b: {c: {d: $x}}) @include(if: true) { ... on Me { role } } }`,
		"# comment\n{ a: me { b: role } }",
		`{ states { code districts { nodes { schools { nodes { id } } } } } }`,
	} {
		f.Add(seed)
	}
	schema := graph.NewSchema(&graph.Resolver{}).Schema()
	lim := docLimits{tokens: 20000, depth: 15, operations: 20, fragments: 100, repeats: 10, fields: 5000, aliases: 100, directives: 50}
	const bound = 2 * time.Second
	f.Fuzz(func(t *testing.T, query string) {
		start := time.Now()
		err := measureDocument(query, lim)
		if d := time.Since(start); d > bound {
			t.Fatalf("measuring took %s", d)
		}
		if err != nil {
			if err.Extensions["code"] != "QUERY_TOO_LARGE" || len(err.Message) > 300 || strings.Contains(err.Message, "\n") {
				t.Fatalf("refusal %+v", err)
			}
			return
		}
		doc, perr := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, lim.tokens)
		if perr != nil {
			return
		}
		start = time.Now()
		_ = validator.Validate(schema, doc)
		if d := time.Since(start); d > bound {
			t.Fatalf("validating what the limits let through took %s", d)
		}
	})
}
