// Package model holds the GraphQL types: hand-written ones here (bound by
// gqlgen's autobind) and generated enums and inputs in models_gen.go.
package model

// State is a state as the API shows it.
type State struct {
	Code string `json:"code"`
	Fips string `json:"fips"`
	Name string `json:"name"`
}

// District is an LEA as the API shows it; relations resolve through loaders.
type District struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Type      LeaType `json:"type"`
	Locale    Locale  `json:"locale"`
	Synthetic bool    `json:"synthetic"`
	StateCode string  `json:"-"`
}

// School is a school as the API shows it; relations resolve through loaders.
type School struct {
	ID        string      `json:"id"`
	Name      string      `json:"name"`
	Level     SchoolLevel `json:"level"`
	Charter   bool        `json:"charter"`
	Title1    bool        `json:"title1"`
	Synthetic bool        `json:"synthetic"`
	LeaID     string      `json:"-"`
	StateCode string      `json:"-"`
}

// DistrictConnection is a page of districts; TotalCount resolves lazily
// from the filter it keeps.
type DistrictConnection struct {
	Edges    []DistrictEdge `json:"edges"`
	Nodes    []District     `json:"nodes"`
	PageInfo PageInfo       `json:"pageInfo"`
	// Count runs only when totalCount is asked for.
	Count func() (int, error) `json:"-"`
}

// SchoolConnection is a page of schools.
type SchoolConnection struct {
	Edges    []SchoolEdge        `json:"edges"`
	Nodes    []School            `json:"nodes"`
	PageInfo PageInfo            `json:"pageInfo"`
	Count    func() (int, error) `json:"-"`
}
