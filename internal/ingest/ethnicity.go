package ingest

import (
	"strings"
)

// The seven federal reporting categories plus unknown, as in the Enum8
// columns of staff_assignments and enrollment.
const (
	EthUnknown   = "unknown"
	EthHispanic  = "hispanic_latino"
	EthAIAN      = "american_indian_alaska_native"
	EthAsian     = "asian"
	EthBlack     = "black"
	EthNHPI      = "native_hawaiian_pacific_islander"
	EthWhite     = "white"
	EthTwoOrMore = "two_or_more"
	// RaceMENA is the 2024 standard's Middle Eastern or North African: kept
	// in race_answers, counted as white in the 1997 categories.
	RaceMENA = "middle_eastern_north_african"
)

// raceSet is a set of race answers, one bit per race of raceCodes.
type raceSet uint8

// raceCodes are the race answers in the order race_answers lists them.
var raceCodes = [...]string{EthAIAN, EthAsian, EthBlack, RaceMENA, EthNHPI, EthWhite}

const raceMENA raceSet = 1 << 3

// category1997 is the 1997 reporting category of each race bit: MENA was
// part of White under the 1997 standard, and still is in our columns.
var category1997 = [len(raceCodes)]string{EthAIAN, EthAsian, EthBlack, EthWhite, EthNHPI, EthWhite}

// raceSlices[s] is the race_answers of set s, built once and shared: callers
// must not modify a row's RaceAnswers.
var raceSlices [1 << len(raceCodes)][]string

func init() {
	for s := range raceSlices {
		out := []string{}
		for i, c := range raceCodes {
			if s&(1<<i) != 0 {
				out = append(out, c)
			}
		}
		raceSlices[s] = out
	}
}

// answer kinds a value of a race or ethnicity list can be.
const (
	ansNone     = iota // an explicit "unknown" / "declined": no answer
	ansRace            // one of raceCodes
	ansHispanic        // Hispanic or Latino (a value of the 2024 combined question)
	ansTwoOrMore
)

type answer struct {
	kind int
	race raceSet
}

// answerAliases maps normalised (normTitle) spellings to answers: our codes,
// the federal labels and common short forms.
var answerAliases = map[string]answer{}

func init() {
	add := func(a answer, names ...string) {
		for _, n := range names {
			answerAliases[normTitle(n)] = a
		}
	}
	for i, c := range raceCodes {
		add(answer{ansRace, 1 << i}, c)
	}
	add(answer{ansRace, 1 << 0}, "American Indian or Alaska Native", "American Indian", "Alaska Native", "AIAN",
		"Native American")
	add(answer{ansRace, 1 << 2}, "Black or African American", "African American")
	add(answer{ansRace, 1 << 3}, "Middle Eastern or North African", "MENA")
	add(answer{ansRace, 1 << 4}, "Native Hawaiian or Other Pacific Islander", "Native Hawaiian or Pacific Islander",
		"Pacific Islander", "Native Hawaiian", "NHPI")
	add(answer{ansHispanic, 0}, EthHispanic, "Hispanic or Latino", "Hispanic", "Latino", "Latina", "Latinx", "Latine")
	add(answer{ansTwoOrMore, 0}, EthTwoOrMore, "Two or More Races", "Multiracial")
	add(answer{ansNone, 0}, "unknown", "declined", "declined to state", "not reported", "prefer not to say")
}

// parseAnswers reads a ';'-separated list. combined says the 2024 combined
// question (Hispanic or Latino is one of its values). It returns the races,
// whether Hispanic or Latino was chosen, whether anything was answered, and
// a reason when a value is not accepted.
func parseAnswers(s string, combined bool) (races raceSet, hispanic, answered bool, reason string) {
	if s == "" {
		return 0, false, false, ""
	}
	for part := range strings.SplitSeq(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, ok := answerAliases[normTitle(part)]
		switch {
		case !ok:
			r := "unknown value " + quoteClip(part) + ": use " + strings.Join(raceCodes[:], ", ")
			if combined {
				r += ", " + EthHispanic
			}
			if strings.ContainsAny(part, ",|/") {
				r += " (separate several values with ';')"
			}
			return 0, false, false, r
		case a.kind == ansTwoOrMore:
			return 0, false, false, "two_or_more is a derived category: list each race, separated by ';'"
		case a.kind == ansHispanic && !combined:
			return 0, false, false, "Hispanic or Latino is answered in the hispanic_latino column, not among the races"
		case a.kind == ansHispanic:
			hispanic, answered = true, true
		case a.kind == ansRace:
			races |= a.race
			answered = true
		}
	}
	return races, hispanic, answered, ""
}

func quoteClip(s string) string { return `"` + clipValue([]byte(s)) + `"` }

// parseHispanic reads the hispanic_latino column of the two-question form:
// yes/no codes or the federal labels, compared like titles.
func parseHispanic(s string) (answer string, ok bool) {
	switch normTitle(s) {
	case "y", "yes", "true", "1", "hispanic", "latino", "hispanic or latino", "hispanic latino":
		return "yes", true
	case "n", "no", "false", "0", "not hispanic or latino", "not hispanic":
		return "no", true
	case "", "u", "unknown", "declined", "declined to state", "not reported", "prefer not to say":
		return "unknown", true
	}
	return "", false
}

// derive1997 returns the reporting category of the two-question standard:
// Hispanic or Latino of any race first; otherwise the one race, or
// two_or_more; unknown when the Hispanic question was not answered (yes or
// no), or when it was answered no and no race was given. MENA counts as
// white.
func derive1997(hispanicAnswer string, races raceSet) string {
	switch hispanicAnswer {
	case "yes":
		return EthHispanic
	case "no":
	default:
		return EthUnknown
	}
	// Distinct categories: MENA and white are both white.
	cat, n := "", 0
	for i := range raceCodes {
		if races&(1<<i) == 0 {
			continue
		}
		switch c := category1997[i]; {
		case n == 0:
			cat, n = c, 1
		case c != cat:
			n = 2
		}
	}
	switch n {
	case 0:
		return EthUnknown
	case 1:
		return cat
	}
	return EthTwoOrMore
}

// ethnicity holds one person's raw answers and the derived category.
type ethnicity struct {
	hispanic string // yes|no|unknown
	races    raceSet
	category string
}

// from1997 derives from the two-question columns.
func from1997(hispanicCol, raceCol string) (ethnicity, string, string) {
	h, ok := parseHispanic(hispanicCol)
	if !ok {
		return ethnicity{}, "hispanic_latino", "hispanic_latino must be Y (Hispanic or Latino), N (Not Hispanic or Latino) or blank (unknown)"
	}
	races, _, _, why := parseAnswers(raceCol, false)
	if why != "" {
		return ethnicity{}, "race", why
	}
	return ethnicity{h, races, derive1997(h, races)}, "", ""
}

// from2024 derives from the combined question: Hispanic or Latino chosen →
// hispanic_latino (hispanic answer yes); any other answer → hispanic answer
// no and the races as under 1997 (a MENA-only answer is white); nothing
// answered → unknown.
func from2024(col string) (ethnicity, string, string) {
	races, hisp, answered, why := parseAnswers(col, true)
	if why != "" {
		return ethnicity{}, "ethnicity_2024", why
	}
	h := "unknown"
	switch {
	case hisp:
		h = "yes"
	case answered:
		h = "no"
	}
	return ethnicity{h, races, derive1997(h, races)}, "", ""
}

// enrollmentCategory reads an enrollment file's ethnicity value.
func enrollmentCategory(s string) (string, string) {
	a, ok := answerAliases[normTitle(s)]
	switch {
	case s == "":
		return "", "ethnicity is required (one of the seven categories, or unknown)"
	case !ok:
		return "", "unknown value: use " + EthHispanic + ", " + EthAIAN + ", " + EthAsian + ", " + EthBlack + ", " +
			EthNHPI + ", " + EthWhite + ", " + EthTwoOrMore + " or " + EthUnknown
	case a.kind == ansNone:
		return EthUnknown, ""
	case a.kind == ansHispanic:
		return EthHispanic, ""
	case a.kind == ansTwoOrMore:
		return EthTwoOrMore, ""
	case a.race == raceMENA:
		return "", "enrollment counts use the 1997 categories: add middle_eastern_north_african counts into white"
	}
	for i := range raceCodes {
		if a.race == 1<<i {
			return category1997[i], ""
		}
	}
	return "", "unknown value"
}
