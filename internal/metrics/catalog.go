package metrics

import "slices"

// Units say how to read a measure's value.
const (
	UnitCount  = "count"  // people, schools or members
	UnitShare  = "share"  // a fraction between 0 and 1
	UnitRatio  = "ratio"  // a quotient of two shares or counts; 1 is parity
	UnitPoints = "points" // a difference of two shares in percentage points
	UnitYears  = "years"
)

// Dimension is something a measure can be cut by.
type Dimension struct {
	Name        string
	Description string
	// Ordered dimensions accept range filters (Min, Max).
	Ordered bool
	// Values lists the possible values when they are a fixed set.
	Values []string
}

// The dimensions, in catalog order.
const (
	DimSchoolYear  = "school_year"
	DimState       = "state"
	DimDistrict    = "district"
	DimSchool      = "school"
	DimSchoolLevel = "school_level"
	DimLeaType     = "lea_type"
	DimLocale      = "locale"
	DimRole        = "role"
	DimTier        = "tier"
	DimEthnicity   = "ethnicity"
	DimGender      = "gender"
	DimMember      = "member"
	DimNextRole    = "next_role"
)

// Ethnicities are the federal reporting categories (and unknown).
var Ethnicities = []string{"hispanic_latino", "american_indian_alaska_native", "asian", "black",
	"native_hawaiian_pacific_islander", "white", "two_or_more", "unknown"}

var dimensions = []Dimension{
	{Name: DimSchoolYear, Ordered: true, Description: "School year, named by its fall year (2023 is 2023-24)."},
	{Name: DimState, Description: "State, by two-letter postal code."},
	{Name: DimDistrict, Description: "District (LEA), by its 7-character NCES id; the district of a person's post, " +
		"or of a school."},
	{Name: DimSchool, Description: "School, by its 12-character NCES id; empty for district and state office posts."},
	{Name: DimSchoolLevel, Description: "School level; 'none' for district and state office posts.",
		Values: []string{"elementary", "middle", "high", "other", "none"}},
	{Name: DimLeaType, Description: "District type.", Values: []string{"regular", "charter", "state_agency", "other"}},
	{Name: DimLocale, Description: "District locale (NCES urban-centric).", Values: []string{"city", "suburb", "town", "rural"}},
	{Name: DimRole, Ordered: true, Description: "A person's highest post that year, on the pipeline ladder (ordered by rank): " +
		"teacher, teacher_leader, assistant_principal, principal, district_leader, assistant_superintendent, " +
		"superintendent, state_leader."},
	{Name: DimTier, Description: "Where a post counts: school, district or state.", Values: []string{"school", "district", "state"}},
	{Name: DimEthnicity, Description: "Federal reporting category (Hispanic/Latino of any race first), or unknown.",
		Values: Ethnicities},
	{Name: DimGender, Description: "Gender as reported by the district.", Values: []string{"female", "male", "nonbinary", "unknown"}},
	{Name: DimMember, Description: "Whether the person was a member of the association during the school year: yes or no.",
		Values: []string{"yes", "no"}},
	{Name: DimNextRole, Description: "The person's highest post in school year t+1, on the same ladder as role; 'none' when the " +
		"person is not in the data in t+1 (left, or moved out of the state). Only years t that have a year t+1 in the " +
		"warehouse count: cut or filtered by it, a query reads the years t from `from` to `to` up to the year before " +
		"the last year with data. Rows order by rank, 'none' last."},
}

// Measure is one figure Camino computes.
type Measure struct {
	Name        string
	Unit        string
	Description string // what it counts, with its formula in words
	// Dimensions it may be cut by. It may be filtered on any dimension one
	// of its sources has (a tier filter on representation_index applies to
	// the leaders).
	Dimensions []string
	// Requires are dimensions the query must include.
	Requires []string
	// Stock measures are headcounts at one moment: over several school
	// years they need school_year as a dimension.
	Stock bool
	// Span measures compare the first and last year of the query (cagr):
	// they cannot be cut by school_year and need From < To.
	Span bool

	expr    string   // SQL over base columns; nan where undefined
	bases   []string // base aggregates expr reads
	unknown [2]string
}

// AllowsDimension reports whether the measure can be cut by dim.
func (m Measure) AllowsDimension(dim string) bool { return slices.Contains(m.Dimensions, dim) }

// HasUnknownShare reports whether the measure is a share computed over
// people of known ethnicity, so a result carries the unknown share beside it.
func (m Measure) HasUnknownShare() bool { return m.unknown[0] != "" }

// Catalog returns every measure, in catalog order.
func Catalog() []Measure { return slices.Clone(measures) }

// Dimensions returns every dimension, in catalog order.
func Dimensions() []Dimension { return slices.Clone(dimensions) }

// LookupMeasure finds a measure by name.
func LookupMeasure(name string) (Measure, bool) {
	i := slices.IndexFunc(measures, func(m Measure) bool { return m.Name == name })
	if i < 0 {
		return Measure{}, false
	}
	return measures[i], true
}

// LookupDimension finds a dimension by name.
func LookupDimension(name string) (Dimension, bool) {
	i := slices.IndexFunc(dimensions, func(d Dimension) bool { return d.Name == name })
	if i < 0 {
		return Dimension{}, false
	}
	return dimensions[i], true
}

// Dimension sets of the measures, by the data they come from.
var (
	placeDims   = []string{DimSchoolYear, DimState, DimDistrict, DimSchool, DimSchoolLevel, DimLeaType, DimLocale}
	staffDims   = append(slices.Clone(placeDims), DimRole, DimTier, DimEthnicity, DimGender, DimMember)
	memberDims  = []string{DimSchoolYear, DimState, DimDistrict, DimLeaType, DimLocale}
	withoutDims = func(set []string, drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(set), func(d string) bool { return slices.Contains(drop, d) })
	}
	// Latino shares and ratios cut by ethnicity would be 0 or 1.
	staffShareDims = withoutDims(staffDims, DimEthnicity)
	reprDims       = slices.Clone(placeDims)
	studentDims    = append(slices.Clone(placeDims), DimEthnicity)
	spellDims      = withoutDims(staffDims, DimSchoolYear)
	// Flows of people from year t to t+1 cut by where they went.
	moverDims = append(slices.Clone(staffDims), DimNextRole)
)

// CAGRDescription is the one definition of the compound annual growth rate:
// the catalog's (and so docs/metrics.md's), and the schema's (Growth.cagr
// says the same words; a test holds them together).
const CAGRDescription = "Compound annual growth of Latino leaders from the first school year to the last = " +
	"(Latino leaders in the last ÷ Latino leaders in the first)^(1 ÷ (last − first)) − 1: 1 → 4 over 2 years is 1.0 " +
	"(+100% a year), 4 → 1 over 2 years is −0.5, 3 → 0 is −1 (every one gone). Undefined (null) when the first year has " +
	"no Latino leaders (there is no rate from nothing), when either year has nobody in the cut (no data), and for a " +
	"single year (first = last)."

// share is num ÷ den, undefined when den is 0.
func share(num, den string) string {
	return "if((" + den + ") = 0, nan, (" + num + ") / (" + den + "))"
}

// The catalog. A leader is a person whose highest post of the school year
// is a leader post (assistant principal or above, or a state agency
// leader); every headcount counts each person once, at that post. Shares
// are over people of known ethnicity; the unknown share goes beside them.
var measures = []Measure{
	{Name: "leaders", Unit: UnitCount, Stock: true, Dimensions: staffDims,
		Description: "Leaders: people whose highest post of the school year is assistant principal or above " +
			"(or a state agency leader), each counted once.",
		expr: "b_leaders", bases: []string{"leaders"}},
	{Name: "latino_leaders", Unit: UnitCount, Stock: true, Dimensions: staffDims,
		Description: "Latino leaders: leaders whose ethnicity is Hispanic/Latino.",
		expr:        "b_latino_leaders", bases: []string{"latino_leaders"}},
	{Name: "latino_leader_share", Unit: UnitShare, Stock: true, Dimensions: staffShareDims,
		Description: "Latino leader share = Latino leaders ÷ leaders of known ethnicity. Cut or filter by tier for " +
			"the school, district or state level.",
		expr: share("b_latino_leaders", "b_known_leaders"), bases: []string{"latino_leaders", "known_leaders", "leaders"},
		unknown: [2]string{"leaders", "known_leaders"}},
	{Name: "staff", Unit: UnitCount, Stock: true, Dimensions: staffDims,
		Description: "Staff: people with any post on the ladder, each counted once at their highest post; cut by " +
			"role for the headcount of each rank.",
		expr: "b_staff", bases: []string{"staff"}},
	{Name: "latino_staff", Unit: UnitCount, Stock: true, Dimensions: staffDims,
		Description: "Latino staff: staff whose ethnicity is Hispanic/Latino.",
		expr:        "b_latino_staff", bases: []string{"latino_staff"}},
	{Name: "latino_staff_share", Unit: UnitShare, Stock: true, Dimensions: staffShareDims,
		Description: "Latino staff share = Latino staff ÷ staff of known ethnicity; by role, the Latino share of each rank.",
		expr:        share("b_latino_staff", "b_known_staff"), bases: []string{"latino_staff", "known_staff", "staff"},
		unknown: [2]string{"staff", "known_staff"}},
	{Name: "teachers", Unit: UnitCount, Stock: true, Dimensions: staffDims,
		Description: "Teachers: people whose highest post of the school year is teacher.",
		expr:        "b_teachers", bases: []string{"teachers"}},
	{Name: "latino_teachers", Unit: UnitCount, Stock: true, Dimensions: staffDims,
		Description: "Latino teachers: teachers whose ethnicity is Hispanic/Latino.",
		expr:        "b_latino_teachers", bases: []string{"latino_teachers"}},
	{Name: "latino_teacher_share", Unit: UnitShare, Stock: true, Dimensions: staffShareDims,
		Description: "Latino teacher share = Latino teachers ÷ teachers of known ethnicity.",
		expr:        share("b_latino_teachers", "b_known_teachers"), bases: []string{"latino_teachers", "known_teachers", "teachers"},
		unknown: [2]string{"teachers", "known_teachers"}},
	{Name: "students", Unit: UnitCount, Stock: true, Dimensions: studentDims,
		Description: "Students enrolled (fall count).",
		expr:        "b_students", bases: []string{"students"}},
	{Name: "latino_students", Unit: UnitCount, Stock: true, Dimensions: studentDims,
		Description: "Hispanic/Latino students enrolled.",
		expr:        "b_latino_students", bases: []string{"latino_students"}},
	{Name: "latino_student_share", Unit: UnitShare, Stock: true, Dimensions: placeDims,
		Description: "Latino student share = Latino students ÷ students of known ethnicity.",
		expr:        share("b_latino_students", "b_known_students"), bases: []string{"latino_students", "known_students", "students"},
		unknown: [2]string{"students", "known_students"}},
	{Name: "representation_index", Unit: UnitRatio, Stock: true, Dimensions: reprDims,
		Description: "Representation index = Latino leader share ÷ Latino student share; 1 is parity, below 1 " +
			"under-representation. Filters on tier, role or gender apply to the leaders only.",
		expr: "if(b_known_leaders = 0 OR b_known_students = 0 OR b_latino_students = 0, nan, " +
			"(b_latino_leaders / b_known_leaders) / (b_latino_students / b_known_students))",
		bases: []string{"latino_leaders", "known_leaders", "latino_students", "known_students"}},
	{Name: "representation_gap", Unit: UnitPoints, Stock: true, Dimensions: reprDims,
		Description: "Representation gap = (Latino student share − Latino leader share) × 100, in percentage points; " +
			"positive when Latino leaders are under-represented.",
		expr: "if(b_known_leaders = 0 OR b_known_students = 0, nan, " +
			"(b_latino_students / b_known_students - b_latino_leaders / b_known_leaders) * 100)",
		bases: []string{"latino_leaders", "known_leaders", "latino_students", "known_students"}},
	{Name: "pipeline_parity", Unit: UnitRatio, Stock: true, Dimensions: staffShareDims, Requires: []string{DimRole},
		Description: "Pipeline parity of a rank = Latino share of the rank ÷ Latino share of the rank below it " +
			"(assistant principals ÷ teacher leaders, principals ÷ assistant principals, …); 1 means Latino people " +
			"move up as often as others. Undefined for teachers. Needs the role dimension.",
		expr: "if(b_known_staff = 0 OR b_below_known = 0 OR b_below_latino = 0, nan, " +
			"(b_latino_staff / b_known_staff) / (b_below_latino / b_below_known))",
		bases: []string{"latino_staff", "known_staff", "below_latino", "below_known"}},
	{Name: "schools_with_latino_leader", Unit: UnitCount, Stock: true, Dimensions: placeDims,
		Description: "Schools with at least one Latino leader in a school post (assistant principal or principal).",
		expr:        "b_schools_with_latino_leader", bases: []string{"schools_with_latino_leader"}},
	{Name: "schools_with_latino_leader_share", Unit: UnitShare, Stock: true, Dimensions: placeDims,
		Description: "Schools with a Latino school leader ÷ schools with any staff reported.",
		expr:        share("b_schools_with_latino_leader", "b_schools"), bases: []string{"schools_with_latino_leader", "schools"}},
	{Name: "latino_students_per_latino_leader", Unit: UnitRatio, Stock: true, Dimensions: reprDims,
		Description: "Latino students ÷ Latino leaders.",
		expr:        share("b_latino_students", "b_latino_leaders"), bases: []string{"latino_students", "latino_leaders"}},
	{Name: "yoy_growth", Unit: UnitShare, Dimensions: staffShareDims, Requires: []string{DimSchoolYear},
		Description: "Year-on-year growth of Latino leaders = Latino leaders in the year ÷ Latino leaders the year " +
			"before − 1; undefined for a year with nobody in the cut. Needs the school_year dimension.",
		// A year with nobody in the cut (no data yet) has no growth, not −100%.
		expr:  "if(b_prev_latino_leaders = 0 OR b_staff = 0, nan, b_latino_leaders / b_prev_latino_leaders - 1)",
		bases: []string{"latino_leaders", "prev_latino_leaders", "staff"}},
	{Name: "cagr", Unit: UnitShare, Span: true, Dimensions: withoutDims(staffShareDims, DimSchoolYear),
		Description: CAGRDescription,
		expr: "if(b_latino_leaders_from = 0 OR b_staff_from = 0 OR b_staff_to = 0, nan, " +
			"pow(b_latino_leaders_to / b_latino_leaders_from, {inv_span}) - 1)",
		bases: []string{"latino_leaders_from", "latino_leaders_to", "staff_from", "staff_to"}},
	{Name: "promotion_rate", Unit: UnitShare, Dimensions: staffDims,
		Description: "Promotion rate = people at a rank in year t whose highest post in t+1 is of a higher rank ÷ " +
			"people at that rank in t (those who leave count as not promoted; the top rank is left out). Years t run from `from` to `to`, " +
			"up to the year before the last year with data; pooled when school_year is not a dimension. A person " +
			"is followed within their state (across districts where the staff ids are statewide).",
		expr: share("b_promoted", "b_cohort"), bases: []string{"promoted", "cohort"}},
	{Name: "promotion_rate_ratio", Unit: UnitRatio, Dimensions: staffShareDims,
		Description: "Promotion rate of Latino people ÷ promotion rate of people of another known ethnicity.",
		expr: "if(b_latino_cohort = 0 OR b_other_cohort = 0 OR b_other_promoted = 0, nan, " +
			"(b_latino_promoted / b_latino_cohort) / (b_other_promoted / b_other_cohort))",
		bases: []string{"latino_promoted", "latino_cohort", "other_promoted", "other_cohort"}},
	{Name: "median_years_to_promotion", Unit: UnitYears, Dimensions: spellDims, Requires: []string{DimRole},
		Description: "Median years from a first year as teacher to a first year as assistant principal or above " +
			"(role teacher), or from a first year as assistant principal to principal or above (role " +
			"assistant_principal); Kaplan-Meier, so people not (yet) promoted count as censored at their last year, " +
			"not dropped. Spells starting from `from` to `to`, after the first year with data (earlier starts are " +
			"unknown); undefined when fewer than half are ever promoted. Other roles: undefined.",
		expr: "if(b_spells = 0, nan, b_spell_median)", bases: []string{"spells", "spell_median"}},
	{Name: "retention_rate", Unit: UnitShare, Dimensions: staffDims,
		Description: "Retention rate = leaders in year t who are leaders in t+1 ÷ leaders in t.",
		expr:        share("b_retained", "b_leaders_cohort"), bases: []string{"retained", "leaders_cohort"}},
	{Name: "new_leader_share", Unit: UnitShare, Dimensions: staffShareDims,
		Description: "Latino share of new leaders = Latino people new to a leader post (not a leader the year " +
			"before) ÷ new leaders of known ethnicity. Undefined in the first year with data.",
		expr:    share("b_new_latino_leaders", "b_new_known_leaders"),
		bases:   []string{"new_latino_leaders", "new_known_leaders", "new_leaders"},
		unknown: [2]string{"new_leaders", "new_known_leaders"}},
	{Name: "movers", Unit: UnitCount, Dimensions: moverDims,
		Description: "Movers: people in year t whose year t+1 is in the warehouse, counted once per person and year, at " +
			"their highest post in t; cut by role and next_role for the flows between ranks (role in t → highest post in " +
			"t+1, or none when the person is no longer in the data). Years t run from `from` to `to`, up to the year " +
			"before the last year with data; pooled when school_year is not a dimension; undefined for a year with no " +
			"year t+1. A person is followed within their state (across districts where the staff ids are statewide).",
		// A cell holds people; none of them has a year t+1 only where no
		// year of the cell has one (the last year with data): undefined,
		// as promotion_rate is there, not 0.
		expr: "if(b_movers = 0, nan, b_movers)", bases: []string{"movers"}},
	{Name: "members", Unit: UnitCount, Stock: true, Dimensions: memberDims,
		Description: "Members of the association on the last day of the school year (June 30).",
		expr:        "b_members", bases: []string{"members"}},
	{Name: "new_members", Unit: UnitCount, Dimensions: memberDims,
		Description: "Members who joined during the school year (July 1 to June 30).",
		expr:        "b_new_members", bases: []string{"new_members"}},
	{Name: "member_promotion_rate", Unit: UnitShare, Dimensions: withoutDims(staffDims, DimMember),
		Description: "Promotion rate (as promotion_rate) of people who were members in year t.",
		expr:        share("b_member_promoted", "b_member_cohort"), bases: []string{"member_promoted", "member_cohort"}},
	{Name: "member_promotion_gap", Unit: UnitPoints, Dimensions: withoutDims(staffDims, DimMember, DimEthnicity),
		Description: "Members' promotion rate − the rate of Latino non-members of the same rank, weighted by the " +
			"members' ranks, in percentage points (members at ranks with no Latino non-member peers are left out).",
		expr:  "if(b_peer_member_cohort = 0, nan, (b_peer_member_promoted - b_peer_expected) / b_peer_member_cohort * 100)",
		bases: []string{"peer_member_cohort", "peer_member_promoted", "peer_expected"}},
	{Name: "conference_attendance", Unit: UnitCount, Dimensions: memberDims,
		Description: "Members who attended at least one association conference during the school year.",
		expr:        "b_conference_members", bases: []string{"conference_members"}},
	{Name: "unknown_ethnicity_share", Unit: UnitShare, Stock: true, Dimensions: staffShareDims,
		Description: "Data completeness: leaders whose ethnicity is unknown ÷ leaders.",
		expr:        share("b_leaders - b_known_leaders", "b_leaders"), bases: []string{"leaders", "known_leaders"}},
}
