package server

import (
	"fmt"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// The document-limit pass: every document is measured before gqlparser's
// validator sees it, in time and memory linear in its text, and refused
// past the limits. The validator is not linear: its overlapping-fields rule
// compares every pair of fields that share a response name at one place
// (4,000 copies of `me { role }` held a core for 8 s, 3,000 `district(id:
// …)` fields without aliases made 4.5 million errors), and several rules
// look names up in lists. What this pass bounds, it bounds so that
// validation of any document it lets through stays in milliseconds:
//
//   - tokens, bracket nesting and the length of names, by the lexer before
//     anything is parsed (the parser's memory is proportional to tokens,
//     its stack to nesting; the validator's suggestions for an unknown
//     name cost its length times the schema's names);
//   - operations, fragment definitions, variables of an operation,
//     arguments of a field or directive, on the parsed document;
//   - fields, selections, aliases, directives and depth after fragments are
//     expanded, each fragment sized once (memoised) so that a fragment
//     spread twice in each of 40 levels costs 40 steps, not 2^40;
//   - the times one response name is selected at one place of the merged
//     response (after fragments and inline fragments are expanded): the
//     validator's pairwise comparisons are the sum of its square.
//
// Counting covers the whole document (every operation, and fragments no
// operation spreads), since validation covers all of it.
type docLimits struct {
	tokens, depth, operations, fragments, repeats int
	fields, aliases, directives                   int64
}

// Fixed bounds that no reasonable document comes near, so not settings.
const (
	maxNesting         = 64  // brackets of any kind, one inside another
	maxName            = 128 // bytes of a name (validation measures names against the schema's)
	maxArguments       = 25  // of one field or directive
	maxVariables       = 100 // of one operation
	maxSpreadsAtPlace  = 50  // fragment spreads merged at one place
	selectionsPerField = 2   // selections (fields and fragments) allowed per field of the limit
)

// measureDocument refuses query when it is past a limit, or returns nil.
// A document that does not parse is let through: gqlgen parses it again
// (within the token limit, so cheaply) and reports the syntax error.
func measureDocument(query string, l docLimits) *gqlerror.Error {
	if err := measureTokens(query, l); err != nil {
		return err
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, l.tokens)
	if err != nil || doc == nil {
		return nil
	}
	return measureAST(doc, l)
}

// measureTokens counts the tokens (comments too: the parser keeps them)
// and the nesting of brackets, stopping at the first past a limit.
func measureTokens(query string, l docLimits) *gqlerror.Error {
	lx := lexer.New(&ast.Source{Input: query})
	n, nest := 0, 0
	for {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return nil
		}
		if n++; n > l.tokens {
			return limitError(fmt.Sprintf("document has more than %d tokens (names, values, punctuation and comments); send a smaller one or split it", l.tokens))
		}
		switch tok.Kind {
		case lexer.Name:
			if len(tok.Value) > maxName {
				return limitError(fmt.Sprintf("document has a name of more than %d bytes", maxName))
			}
		case lexer.BraceL, lexer.BracketL, lexer.ParenL:
			if nest++; nest > maxNesting {
				return limitError(fmt.Sprintf("document nests brackets more than %d deep", maxNesting))
			}
		case lexer.BraceR, lexer.BracketR, lexer.ParenR:
			nest = max(nest-1, 0)
		}
	}
}

func measureAST(doc *ast.QueryDocument, l docLimits) *gqlerror.Error {
	if n := len(doc.Operations); n > l.operations {
		return limitError(fmt.Sprintf("document has %d operations, more than the limit of %d; send the ones you run (operationName picks one)", n, l.operations))
	}
	if n := len(doc.Fragments); n > l.fragments {
		return limitError(fmt.Sprintf("document defines %d fragments, more than the limit of %d", n, l.fragments))
	}
	frags := make(map[string]*ast.FragmentDefinition, len(doc.Fragments))
	for _, f := range doc.Fragments {
		if _, ok := frags[f.Name]; !ok {
			frags[f.Name] = f
		}
	}
	for _, op := range doc.Operations {
		if n := len(op.VariableDefinitions); n > maxVariables {
			return limitError(fmt.Sprintf("operation %s declares %d variables, more than the limit of %d", opName(op), n, maxVariables))
		}
		if err := arguments(op.Directives); err != nil {
			return err
		}
		for _, v := range op.VariableDefinitions {
			if err := arguments(v.Directives); err != nil {
				return err
			}
		}
		if err := literalArguments(op.SelectionSet); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := arguments(f.Directives); err != nil {
			return err
		}
		if err := literalArguments(f.SelectionSet); err != nil {
			return err
		}
	}

	// Sizes after expansion: every operation, then fragments none spreads.
	cap := max(l.fields*selectionsPerField, l.aliases, l.directives) + 1
	m := measurer{frags: frags, sizes: map[string]size{}, cap: cap, maxRepeats: l.repeats}
	var total size
	add := func(s size) {
		total.fields = min(total.fields+s.fields, cap)
		total.selections = min(total.selections+s.selections, cap)
		total.aliases = min(total.aliases+s.aliases, cap)
		total.directives = min(total.directives+s.directives, cap)
		total.depth = max(total.depth, s.depth)
	}
	for _, op := range doc.Operations {
		s := m.set(op.SelectionSet)
		s.directives += int64(len(op.Directives))
		for _, v := range op.VariableDefinitions {
			s.directives += int64(len(v.Directives))
		}
		add(s)
	}
	var unreached []*ast.FragmentDefinition
	for _, f := range doc.Fragments {
		if _, ok := m.sizes[f.Name]; !ok && frags[f.Name] == f {
			unreached = append(unreached, f)
		}
	}
	for _, f := range unreached {
		add(m.fragment(f.Name))
	}
	switch {
	case m.cycle != "":
		return limitError(fmt.Sprintf("fragment %s spreads itself (directly or through other fragments)", clip(m.cycle)))
	case total.depth > l.depth:
		return limitError(fmt.Sprintf("operation is %d levels deep, more than the limit of %d", total.depth, l.depth))
	case total.fields > l.fields:
		return limitError(fmt.Sprintf("document expands to more than %d fields (a fragment counts each time it is spread)", l.fields))
	case total.selections > l.fields*selectionsPerField:
		return limitError(fmt.Sprintf("document expands to more than %d selections of fields and fragments (a fragment counts each time it is spread)",
			l.fields*selectionsPerField))
	case total.aliases > l.aliases:
		return limitError(fmt.Sprintf("document has more than %d aliased fields (a fragment counts each time it is spread); "+
			"split it into several requests", l.aliases))
	case total.directives > l.directives:
		return limitError(fmt.Sprintf("document uses more than %d directives (a fragment counts each time it is spread)", l.directives))
	}

	// The merged response of each root: within the limits above, the
	// expansion is at most fields × 2 selections.
	for _, op := range doc.Operations {
		if err := m.merge(op.SelectionSet, &place{}); err != nil {
			return err
		}
	}
	for _, f := range unreached {
		if err := m.merge(f.SelectionSet, &place{}); err != nil {
			return err
		}
	}
	return nil
}

func opName(op *ast.OperationDefinition) string {
	if op.Name == "" {
		return "(anonymous)"
	}
	return clip(op.Name)
}

// clip shortens a name the client sent before it goes into a message.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && s[i]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		i--
	}
	return s[:i] + "…"
}

func arguments(dirs ast.DirectiveList) *gqlerror.Error {
	for _, d := range dirs {
		if n := len(d.Arguments); n > maxArguments {
			return limitError(fmt.Sprintf("directive @%s has %d arguments, more than the limit of %d", clip(d.Name), n, maxArguments))
		}
	}
	return nil
}

// literalArguments checks every field and directive of set as written
// (fragments are checked where they are defined).
func literalArguments(set ast.SelectionSet) *gqlerror.Error {
	for _, sel := range set {
		var err *gqlerror.Error
		switch x := sel.(type) {
		case *ast.Field:
			if n := len(x.Arguments); n > maxArguments {
				return limitError(fmt.Sprintf("field %s has %d arguments, more than the limit of %d", clip(x.Name), n, maxArguments))
			}
			if err = arguments(x.Directives); err == nil {
				err = literalArguments(x.SelectionSet)
			}
		case *ast.InlineFragment:
			if err = arguments(x.Directives); err == nil {
				err = literalArguments(x.SelectionSet)
			}
		case *ast.FragmentSpread:
			err = arguments(x.Directives)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

type size struct {
	fields, selections, aliases, directives int64
	depth                                   int
}

type measurer struct {
	frags map[string]*ast.FragmentDefinition
	sizes map[string]size // memo
	busy  map[string]bool // being sized: met again, a cycle
	cap   int64           // counts saturate here: no overflow whatever the nesting
	cycle string          // a fragment found spreading itself

	maxRepeats int // of one response name at one place (merge)
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
		s.selections++
		out.fields = min(out.fields+s.fields, m.cap)
		out.selections = min(out.selections+s.selections, m.cap)
		out.aliases = min(out.aliases+s.aliases, m.cap)
		out.directives = min(out.directives+s.directives, m.cap)
		out.depth = max(out.depth, s.depth)
	}
	return out
}

func (m *measurer) fragment(name string) size {
	if s, ok := m.sizes[name]; ok {
		return s
	}
	if m.busy[name] {
		if m.cycle == "" {
			m.cycle = name
		}
		return size{}
	}
	def := m.frags[name]
	if def == nil {
		return size{} // unknown: validation says so
	}
	if m.busy == nil {
		m.busy = map[string]bool{}
	}
	m.busy[name] = true
	s := m.set(def.SelectionSet)
	s.directives = min(s.directives+int64(len(def.Directives)), m.cap)
	delete(m.busy, name)
	m.sizes[name] = s
	return s
}

// place is one place of a merged response: the response names selected
// there, each with how many fields select it.
type place struct {
	parent  *place
	name    string
	count   int
	spreads int
	names   map[string]*place
}

func (p *place) path() string {
	var parts []string
	for q := p; q != nil && q.parent != nil; q = q.parent {
		parts = append(parts, clip(q.name))
	}
	if len(parts) > 6 {
		parts = append(parts[:3], append([]string{"…"}, parts[len(parts)-3:]...)...)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".")
}

// merge expands set into the place p, refusing a response name selected
// more often than the limit at one place. Only called on documents within
// the size limits and free of fragment cycles, so it ends, within
// fields × selectionsPerField steps.
func (m *measurer) merge(set ast.SelectionSet, p *place) *gqlerror.Error {
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			key := x.Name
			if x.Alias != "" {
				key = x.Alias
			}
			c := p.names[key]
			if c == nil {
				if p.names == nil {
					p.names = map[string]*place{}
				}
				c = &place{parent: p, name: key}
				p.names[key] = c
			}
			if c.count++; c.count > m.maxRepeats {
				return limitError(fmt.Sprintf("%s is selected more than %d times at one place (after fragments are expanded); "+
					"select it once, or give each copy its own alias", c.path(), m.maxRepeats))
			}
			if err := m.merge(x.SelectionSet, c); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := m.merge(x.SelectionSet, p); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if p.spreads++; p.spreads > maxSpreadsAtPlace {
				at := "the top of an operation"
				if p.parent != nil {
					at = p.path()
				}
				return limitError(fmt.Sprintf("more than %d fragments are spread at %s (after fragments are expanded)", maxSpreadsAtPlace, at))
			}
			if def := m.frags[x.Name]; def != nil {
				if err := m.merge(def.SelectionSet, p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
