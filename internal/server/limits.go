package server

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/ids"
)

// documentLimits measures every document before gqlgen validates it
// (document.go) and, once validated, refuses a page larger than a list
// serves. It runs after the trusted-documents and persisted-query
// extensions have put the document's text in place, and before the
// complexity limit: gqlgen's complexity walk expands every fragment spread
// (a document of 25 fragments each spreading the next twice, 2^24 fields,
// held a core for 2.6 s there).
type documentLimits struct {
	limits docLimits
	// cache holds the documents gqlgen has parsed and validated, all of
	// which passed here: found there, a document is not measured again.
	cache graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = documentLimits{}

func (documentLimits) ExtensionName() string { return "DocumentLimits" }

func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (l documentLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	if l.cache != nil {
		if _, ok := l.cache.Get(ctx, p.Query); ok {
			return nil
		}
	}
	return measureDocument(p.Query, l.limits)
}

func (l documentLimits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	return pageSizes(oc)
}

func limitError(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "QUERY_TOO_LARGE"}}
}

// pageSizes refuses a `first` argument outside 0 to ids.MaxFirst anywhere
// in the operation, with the message the list's resolver would give, but
// before any resolver runs: a nested list's parents would otherwise have
// queried the warehouse already. Each fragment is checked once.
func pageSizes(oc *graphql.OperationContext) *gqlerror.Error {
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) *gqlerror.Error
	walk = func(set ast.SelectionSet) *gqlerror.Error {
		for _, sel := range set {
			switch x := sel.(type) {
			case *ast.Field:
				if err := firstArgument(x, oc.Variables); err != nil {
					return err
				}
				if err := walk(x.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := walk(x.SelectionSet); err != nil {
					return err
				}
			case *ast.FragmentSpread:
				if seen[x.Name] {
					continue
				}
				seen[x.Name] = true
				if def := oc.Doc.Fragments.ForName(x.Name); def != nil {
					if err := walk(def.SelectionSet); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	return walk(oc.Operation.SelectionSet)
}

// firstArgument checks the field's `first` argument, when it has one.
func firstArgument(f *ast.Field, vars map[string]any) *gqlerror.Error {
	arg := f.Arguments.ForName("first")
	if arg == nil || f.Definition == nil || f.Definition.Arguments.ForName("first") == nil {
		return nil
	}
	v, err := arg.Value.Value(vars)
	if err != nil || v == nil {
		return nil // a null first is the default page; anything else was refused by validation
	}
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case float64:
		n = int64(x)
	case json.Number:
		if n, err = strconv.ParseInt(string(x), 10, 64); err != nil {
			n = -1
		}
	default:
		return nil // the resolver checks what this cannot read
	}
	if n >= 0 && n <= ids.MaxFirst {
		return nil
	}
	i := int(max(min(n, 1<<31), -1<<31))
	_, aerr := ids.First("first", &i, 0)
	e := gqlerror.ErrorPosf(arg.Position, "%s: %s", f.Alias, apperr.MessageOf(aerr))
	e.Extensions = map[string]any{"code": string(apperr.Invalid)}
	return e
}

// variableLimit refuses an operation whose variables are larger than max
// bytes of JSON, before they are coerced, parsed into or walked by
// anything else. (The body limit bounds the whole request; this bounds
// the part a resolver may receive as one argument.)
type variableLimit struct{ max int64 }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = variableLimit{}

func (variableLimit) ExtensionName() string                   { return "VariableLimit" }
func (variableLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l variableLimit) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if len(p.Variables) == 0 {
		return nil
	}
	if n := jsonSize(p.Variables, l.max+1); n > l.max {
		return limitError(fmt.Sprintf("variables are larger than %d bytes of JSON; send less or split the request", l.max))
	}
	return nil
}

// jsonSize is the length of v's compact JSON encoding (strings counted
// unescaped), counting no further than stop: a value decoded from a
// request body, measured without encoding it again.
func jsonSize(v any, stop int64) int64 {
	var n int64
	var walk func(any)
	walk = func(v any) {
		if n >= stop {
			return
		}
		switch x := v.(type) {
		case nil:
			n += 4
		case bool:
			n += 5
		case string:
			n += int64(len(x)) + 2
		case json.Number:
			n += int64(len(x))
		case float64, int64, int:
			n += int64(len(fmt.Sprint(x)))
		case map[string]any:
			n += 2
			for k, e := range x {
				n += int64(len(k)) + 4 // quotes, colon, comma
				walk(e)
				if n >= stop {
					return
				}
			}
		case []any:
			n += 2
			for _, e := range x {
				n++ // comma
				walk(e)
				if n >= stop {
					return
				}
			}
		default:
			b, _ := json.Marshal(x)
			n += int64(len(b))
		}
	}
	walk(v)
	return n
}

// capErrors keeps the first max errors of a response and adds one saying
// how many more there were: a response's size never grows with the
// errors a document can produce.
func capErrors(errs gqlerror.List, max int) gqlerror.List {
	if max <= 0 || len(errs) <= max {
		return errs
	}
	dropped := len(errs) - max
	out := append(errs[:max:max], &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors left out (a response carries at most %d); fix these and send it again", dropped, max),
		Extensions: map[string]any{"code": "TOO_MANY_ERRORS", "dropped": dropped},
	})
	return out
}

// maxMessageBytes bounds an error message that may quote the document
// (a name, a value): a client never gets its input back at length.
const maxMessageBytes = 300

func clipMessage(s string) string {
	if len(s) <= maxMessageBytes {
		return s
	}
	i := maxMessageBytes
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// limitResponse bounds the bytes of each response of next at max: a
// response that would be larger is replaced, before any of it is sent, by
// an error saying so (gqlgen writes a response in one piece; should a
// handler write in several and cross the bound midway, the connection is
// cut, as a response cannot be taken back).
func limitResponse(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bw := &boundedWriter{ResponseWriter: w, max: max}
		next.ServeHTTP(bw, r)
		bw.flushHeader()
	})
}

type boundedWriter struct {
	http.ResponseWriter
	max, n int64
	status int // held until the first write, so that a refusal can set its own
	sent   bool
}

func (b *boundedWriter) WriteHeader(code int) {
	if !b.sent && b.status == 0 {
		b.status = code
	}
}

func (b *boundedWriter) flushHeader() {
	if !b.sent {
		b.sent = true
		if b.status != 0 {
			b.ResponseWriter.WriteHeader(b.status)
		}
	}
}

func (b *boundedWriter) Write(p []byte) (int, error) {
	if b.n+int64(len(p)) > b.max {
		if b.n > 0 {
			panic(http.ErrAbortHandler)
		}
		b.sent = true
		writeGraphQLError(b.ResponseWriter, cmp.Or(b.status, http.StatusOK), "RESPONSE_TOO_LARGE",
			fmt.Sprintf("the response would be %d bytes, more than the limit of %d; ask for fewer fields or smaller pages (first)", len(p), b.max))
		b.n = b.max
		return len(p), nil
	}
	b.flushHeader()
	b.n += int64(len(p))
	return b.ResponseWriter.Write(p)
}

func (b *boundedWriter) Unwrap() http.ResponseWriter { return b.ResponseWriter }
