package seed

import "math/rand/v2"

// The role ladder of the roles table (migration 0001); the index is the rank.
const (
	roleTeacher int8 = iota
	roleTeacherLeader
	roleAP
	rolePrincipal
	roleDistrictLeader
	roleAsstSuper
	roleSuper
	roleState
	numRoles
)

var roleCodes = [numRoles]string{"teacher", "teacher_leader", "assistant_principal", "principal",
	"district_leader", "assistant_superintendent", "superintendent", "state_leader"}

// schoolRole reports whether r is a post at a school (the others sit at a
// district or the state agency, with school_id ”).
func schoolRole(r int8) bool { return r <= rolePrincipal }

// Tiers where a leader counts (roles.tier).
const (
	tierSchool = iota
	tierDistrict
	tierState
	numTiers
)

func tierOf(r int8) int {
	switch {
	case r == roleState:
		return tierState
	case r >= roleDistrictLeader:
		return tierDistrict
	}
	return tierSchool
}

// Federal reporting categories, in the order of the Enum8 columns.
const (
	ethUnknown uint8 = iota
	ethHispanic
	ethAIAN
	ethAsian
	ethBlack
	ethNHPI
	ethWhite
	ethTwoOrMore
	numEth
)

var ethCodes = [numEth]string{"unknown", "hispanic_latino", "american_indian_alaska_native", "asian", "black",
	"native_hawaiian_pacific_islander", "white", "two_or_more"}

var genderCodes = [4]string{"unknown", "female", "male", "nonbinary"}

const (
	genderUnknown uint8 = iota
	genderFemale
	genderMale
	genderNonbinary
)

// ethProfile is one consistent set of raw answers and the category derived
// from them (Hispanic of any race first, then one race, then two or more).
type ethProfile struct {
	eth  uint8
	hisp string   // hispanic_answer
	race []string // race_answers (shared, never modified)
}

// ethProfiles are the answer sets people are drawn from; staff rows keep an
// index into it. Races are listed in the order internal/ingest stores them
// (american_indian_alaska_native, asian, black, middle_eastern_north_african,
// native_hawaiian_pacific_islander, white), so an export loads back equal.
var ethProfiles = []ethProfile{
	{ethUnknown, "unknown", []string{}},
	{ethHispanic, "yes", []string{"white"}},
	{ethHispanic, "yes", []string{}}, // answered the Hispanic question only
	{ethHispanic, "yes", []string{"american_indian_alaska_native"}},
	{ethHispanic, "yes", []string{"american_indian_alaska_native", "white"}},
	{ethHispanic, "yes", []string{"black"}},
	{ethAIAN, "no", []string{"american_indian_alaska_native"}},
	{ethAsian, "no", []string{"asian"}},
	{ethBlack, "no", []string{"black"}},
	{ethNHPI, "no", []string{"native_hawaiian_pacific_islander"}},
	{ethWhite, "no", []string{"white"}},
	{ethTwoOrMore, "no", []string{"asian", "white"}},
	{ethTwoOrMore, "no", []string{"black", "white"}},
	{ethTwoOrMore, "no", []string{"american_indian_alaska_native", "white"}},
	{ethTwoOrMore, "no", []string{"native_hawaiian_pacific_islander", "white"}},
}

const (
	profUnknown  = 0
	profLatino0  = 1 // first Latino profile
	profLatinoN  = 6 // one past the last
	profAIAN     = 6
	profTwoFirst = 11
)

// latinoProfileWeights: how Latino people answer the race question (most
// say white or give no race; estimate).
var latinoProfileWeights = [5]float64{0.55, 0.27, 0.07, 0.07, 0.04}

func isLatino(prof uint8) bool { return prof >= profLatino0 && prof < profLatinoN }

// raceMix is how non-Latino people divide among the races, in the order
// AIAN, Asian, Black, NHPI, White, two or more.
type raceMix [6]float64

// unknownStaffShare is the share of staff with no ethnicity on file (the
// brief: 3–5%; data completeness is a measure of its own).
const unknownStaffShare = 0.04

// drawStaffProfile draws a person's answers: unknown, Latino with
// probability pLatino among the known, else a race from mix.
func drawStaffProfile(rng *rand.Rand, pLatino float64, mix *raceMix) uint8 {
	if rng.Float64() < unknownStaffShare {
		return profUnknown
	}
	if rng.Float64() < pLatino {
		return profLatino0 + uint8(pickWeighted(rng, latinoProfileWeights[:]))
	}
	return raceProfile(rng, pickWeighted(rng, mix[:]))
}

// raceProfile maps a raceMix index to a non-Latino profile.
func raceProfile(rng *rand.Rand, i int) uint8 {
	if i == 5 {
		return profTwoFirst + uint8(rng.IntN(4))
	}
	return profAIAN + uint8(i)
}

// pickWeighted returns an index drawn with probability proportional to w.
func pickWeighted(rng *rand.Rand, w []float64) int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	u := rng.Float64() * sum
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

// drawGender draws a gender with the given female share; 0.5% nonbinary and
// 0.5% unknown.
func drawGender(rng *rand.Rand, female float64) uint8 {
	u := rng.Float64()
	switch {
	case u < 0.005:
		return genderNonbinary
	case u < 0.01:
		return genderUnknown
	case u < 0.01+female*0.99:
		return genderFemale
	}
	return genderMale
}

// titles are the job titles written to staff_assignments.title: each maps to
// one role of the ladder (the title → role table of the loaders must know
// them). roleTitles indexes them by role.
var (
	titles     []string
	roleTitles [numRoles][]uint16
	// Charter LEAs have no superintendent: their director is counted as the
	// principal of the LEA's first school.
	directorTitles []uint16
)

func init() {
	add := func(ts ...string) []uint16 {
		var out []uint16
		for _, t := range ts {
			out = append(out, uint16(len(titles)))
			titles = append(titles, t)
		}
		return out
	}
	roleTitles[roleTeacher] = add("Teacher", "Elementary Teacher", "Kindergarten Teacher", "Mathematics Teacher",
		"English Language Arts Teacher", "Science Teacher", "Social Studies Teacher", "Special Education Teacher",
		"English Learner Teacher", "Dual Language Immersion Teacher", "Music Teacher", "Physical Education Teacher",
		"CTE Teacher", "Art Teacher")
	roleTitles[roleTeacherLeader] = add("Instructional Coach", "Teacher Leader", "Literacy Coach", "Math Coach",
		"Department Chair")
	roleTitles[roleAP] = add("Assistant Principal", "Asst. Principal", "Vice Principal")
	roleTitles[rolePrincipal] = add("Principal")
	roleTitles[roleDistrictLeader] = add("Director of Curriculum", "Director of Human Resources",
		"Director of Special Education", "Director of Student Services", "Director of Elementary Education",
		"Director of Secondary Education", "Director of Assessment", "Coordinator of Equity and Access",
		"Director of Educational Technology", "Director of Federal Programs", "Business Administrator",
		"Coordinator of English Learner Services")
	roleTitles[roleAsstSuper] = add("Assistant Superintendent", "Associate Superintendent", "Deputy Superintendent")
	roleTitles[roleSuper] = add("Superintendent")
	roleTitles[roleState] = add("State Director of Teaching and Learning", "State Assistant Superintendent",
		"State Coordinator of Educator Licensing", "State Director of Special Education",
		"State Director of School Improvement", "State Coordinator of Title I", "State Board Executive")
	directorTitles = add("Director", "Executive Director")
}

// lerp interpolates linearly between (x0, y0) and (x1, y1), clamped outside.
func lerp(x float64, x0, y0, x1, y1 float64) float64 {
	if x <= x0 {
		return y0
	}
	if x >= x1 {
		return y1
	}
	return y0 + (y1-y0)*(x-x0)/(x1-x0)
}
