package server

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// documentLimits refuses operations that are too deep or expand to too many
// fields, before anything else walks them. It runs before the complexity
// limit because gqlgen's complexity walk expands every fragment spread: a
// document of 25 fragments each spreading the next twice (2^24 fields) held
// a core for 2.6 s before being refused. Here each fragment is sized once
// (memoised), so the check is linear in the document.
type documentLimits struct {
	maxDepth  int
	maxFields int64
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
	m := measurer{frags: map[string]size{}, doc: oc.Doc, cap: l.maxFields + 1}
	s := m.set(oc.Operation.SelectionSet)
	if s.depth > l.maxDepth {
		return limitError(fmt.Sprintf("operation is %d levels deep, more than the limit of %d", s.depth, l.maxDepth))
	}
	if s.fields > l.maxFields {
		return limitError(fmt.Sprintf("operation expands to more than %d fields (a fragment counts each time it is spread)", l.maxFields))
	}
	return nil
}

func limitError(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "QUERY_TOO_LARGE"}}
}

type size struct {
	fields int64
	depth  int
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
		case *ast.InlineFragment:
			s = m.set(x.SelectionSet)
		case *ast.FragmentSpread:
			s = m.fragment(x.Name)
		}
		out.fields = min(out.fields+s.fields, m.cap)
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
	}
	m.frags[name] = s
	return s
}
