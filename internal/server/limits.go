package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/ids"
)

// documentLimits refuses operations that are too deep, expand to too many
// fields, aliases or directives, or ask for a page larger than a list
// serves, before anything else walks them. It runs before the complexity
// limit because gqlgen's complexity walk expands every fragment spread: a
// document of 25 fragments each spreading the next twice (2^24 fields) held
// a core for 2.6 s before being refused. Here each fragment is sized once
// (memoised), so the check is linear in the document.
type documentLimits struct {
	maxDepth      int
	maxFields     int64
	maxAliases    int64
	maxDirectives int64
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = documentLimits{}

func (documentLimits) ExtensionName() string { return "DocumentLimits" }

func (documentLimits) Validate(graphql.ExecutableSchema) error { return nil }

func (l documentLimits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	m := measurer{frags: map[string]size{}, doc: oc.Doc, cap: max(l.maxFields, l.maxAliases, l.maxDirectives) + 1}
	s := m.set(oc.Operation.SelectionSet)
	s.directives += int64(len(oc.Operation.Directives))
	for _, v := range oc.Operation.VariableDefinitions {
		s.directives += int64(len(v.Directives))
	}
	switch {
	case s.depth > l.maxDepth:
		return limitError(fmt.Sprintf("operation is %d levels deep, more than the limit of %d", s.depth, l.maxDepth))
	case s.fields > l.maxFields:
		return limitError(fmt.Sprintf("operation expands to more than %d fields (a fragment counts each time it is spread)", l.maxFields))
	case s.aliases > l.maxAliases:
		return limitError(fmt.Sprintf("operation has more than %d aliased fields (a fragment counts each time it is spread); "+
			"split it into several requests", l.maxAliases))
	case s.directives > l.maxDirectives:
		return limitError(fmt.Sprintf("operation uses more than %d directives (a fragment counts each time it is spread)", l.maxDirectives))
	}
	return pageSizes(oc)
}

func limitError(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "QUERY_TOO_LARGE"}}
}

type size struct {
	fields, aliases, directives int64
	depth                       int
}

type measurer struct {
	frags map[string]size
	doc   *ast.QueryDocument
	cap   int64 // counts saturate here: no overflow whatever the nesting
}

func (m *measurer) set(set ast.SelectionSet) size {
	var out size
	for _, sel := range set {
		var s size
		switch x := sel.(type) {
		case *ast.Field:
			s = m.set(x.SelectionSet)
			s.fields++
			s.depth++
			if x.Alias != "" && x.Alias != x.Name {
				s.aliases++
			}
			s.directives += int64(len(x.Directives))
		case *ast.InlineFragment:
			s = m.set(x.SelectionSet)
			s.directives += int64(len(x.Directives))
		case *ast.FragmentSpread:
			s = m.fragment(x.Name)
			s.directives += int64(len(x.Directives))
		}
		out.fields = min(out.fields+s.fields, m.cap)
		out.aliases = min(out.aliases+s.aliases, m.cap)
		out.directives = min(out.directives+s.directives, m.cap)
		out.depth = max(out.depth, s.depth)
	}
	return out
}

func (m *measurer) fragment(name string) size {
	if s, ok := m.frags[name]; ok {
		return s
	}
	m.frags[name] = size{} // a cycle (refused by validation anyway) ends here
	var s size
	if def := m.doc.Fragments.ForName(name); def != nil {
		s = m.set(def.SelectionSet)
		s.directives = min(s.directives+int64(len(def.Directives)), m.cap)
	}
	m.frags[name] = s
	return s
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
