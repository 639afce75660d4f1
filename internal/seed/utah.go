package seed

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/camino-edu/camino/internal/warehouse"
)

// The Utah profile: school years 2014–2025 (2014-15 to 2025-26).
//
// Calibration (docs/calibration.md unless marked as an estimate):
//   - 41 districts by their real names; 113 charter LEAs; ≈1,052 schools in
//     2023-24; charter LEAs ≈12% of students (79,823 in 2023).
//   - Students: 672,662 in 2023 (Hispanic 19.6%), 667,789 in 2024, 656,310 in
//     2025 (Hispanic ≈21.7%); ≈16% Hispanic in 2015. Largest districts and
//     their 2023 enrollment: Alpine 84,710 … Salt Lake City 18,966 (≈39%
//     Hispanic); Hispanic students: Alpine 13,234, Nebo 6,096.
//   - Teachers ≈27,000–28,700; Latino teachers ≈2.1% in 2015, 5.6% in 2020-21
//     (NTPS); Latino principals ≈2% in 2015.
//   - Principals stay 76.5%, move school 8.4%, leave the role 13.6% a year.
//   - The association was founded in September 2015.
const (
	utahFirstYear = 2014
	utahLastYear  = 2025
	utahState     = "UT"
	utahFIPS      = "49"
	utahAgencyID  = "4990000" // made up: the state agency's real NCES id is not known here
)

var utahTables = []string{warehouse.TableStates, warehouse.TableDistricts, warehouse.TableSchools,
	warehouse.TableEnrollment, warehouse.TableStaffAssignments, warehouse.TableMembers,
	warehouse.TableMemberEvents, warehouse.TableGoals}

// utahDistrict is one of Utah's 41 school districts.
type utahDistrict struct {
	name     string
	id       string  // real NCES LEA id where known (docs/calibration.md), else made up
	students int     // October 2023; the ten largest from docs/calibration.md, the rest rounded estimates
	hisp     float64 // Hispanic share of students 2023; Alpine, Nebo, Salt Lake City from the facts, the rest estimates
	growth   float64 // yearly enrollment trend (estimate)
	schools  int     // schools in 2023-24 (estimate, ≈ real counts)
	locale   string
	mix      *raceMix // non-Latino students when unlike the state's
}

// utahMix: non-Latino students of Utah in 2023 (White 71.4%, multiracial
// 25,668, Asian 10,874, Pacific Islander 10,531, Black 8,757, American Indian
// 6,025 of 672,662), as shares of non-Latino students.
var utahMix = raceMix{0.011, 0.020, 0.016, 0.0195, 0.886, 0.047}

var utahDistricts = []utahDistrict{
	{"Alpine", "", 84710, 0.156, 0.018, 92, "suburb", nil},
	{"Beaver", "", 1650, 0.15, 0.005, 5, "rural", nil},
	{"Box Elder", "", 12000, 0.13, 0.005, 25, "town", nil},
	{"Cache", "", 19794, 0.14, 0.010, 26, "suburb", nil},
	{"Canyons", "", 32733, 0.19, -0.005, 50, "suburb", nil},
	{"Carbon", "", 3300, 0.18, -0.005, 10, "town", nil},
	{"Daggett", "", 170, 0.05, 0, 3, "rural", nil},
	{"Davis", "", 70703, 0.14, 0.002, 92, "suburb", nil},
	{"Duchesne", "", 5000, 0.08, -0.005, 14, "rural", &raceMix{0.05, 0.005, 0.005, 0.005, 0.89, 0.045}},
	{"Emery", "", 2100, 0.08, -0.010, 9, "rural", nil},
	{"Garfield", "", 900, 0.07, -0.005, 8, "rural", nil},
	{"Grand", "", 1400, 0.22, 0, 4, "town", &raceMix{0.06, 0.01, 0.01, 0.005, 0.87, 0.045}},
	{"Granite", "4900360", 58312, 0.37, -0.013, 85, "suburb", &raceMix{0.012, 0.035, 0.035, 0.045, 0.81, 0.063}},
	{"Iron", "", 10500, 0.14, 0.015, 18, "town", nil},
	{"Jordan", "", 57436, 0.17, 0.010, 66, "suburb", nil},
	{"Juab", "", 2800, 0.06, 0.010, 6, "rural", nil},
	{"Kane", "", 1300, 0.07, 0.005, 7, "rural", nil},
	{"Logan City", "", 5500, 0.33, -0.008, 10, "city", nil},
	{"Millard", "", 3000, 0.19, 0, 10, "rural", nil},
	{"Morgan", "", 3400, 0.04, 0.020, 5, "rural", nil},
	{"Murray", "", 6000, 0.22, -0.005, 12, "suburb", nil},
	{"Nebo", "", 43672, 0.14, 0.020, 50, "suburb", nil},
	{"North Sanpete", "", 2500, 0.15, 0, 7, "rural", nil},
	{"North Summit", "", 1000, 0.15, 0.005, 4, "rural", nil},
	{"Ogden City", "", 10600, 0.50, -0.015, 22, "city", &raceMix{0.01, 0.015, 0.035, 0.01, 0.87, 0.06}},
	{"Park City", "", 4500, 0.24, -0.008, 8, "town", nil},
	{"Piute", "", 300, 0.06, 0, 3, "rural", nil},
	{"Provo City", "", 13500, 0.33, -0.008, 23, "city", &raceMix{0.01, 0.03, 0.012, 0.04, 0.86, 0.048}},
	{"Rich", "", 500, 0.05, 0.005, 4, "rural", nil},
	{"Salt Lake City", "4900870", 18966, 0.39, -0.023, 37, "city", &raceMix{0.015, 0.05, 0.05, 0.06, 0.76, 0.065}},
	{"San Juan", "", 2800, 0.06, -0.005, 12, "rural", &raceMix{0.50, 0.005, 0.005, 0.005, 0.47, 0.015}},
	{"Sevier", "", 4600, 0.08, 0, 12, "town", nil},
	{"South Sanpete", "", 3300, 0.12, 0.005, 8, "rural", nil},
	{"South Summit", "", 1800, 0.14, 0.015, 5, "rural", nil},
	{"Tintic", "", 250, 0.05, 0, 4, "rural", nil},
	{"Tooele", "", 18000, 0.19, 0.015, 29, "suburb", nil},
	{"Uintah", "", 6700, 0.11, 0, 12, "town", &raceMix{0.08, 0.005, 0.005, 0.005, 0.86, 0.045}},
	{"Wasatch", "", 7800, 0.18, 0.030, 12, "town", nil},
	{"Washington", "", 36753, 0.17, 0.020, 53, "city", nil},
	{"Wayne", "", 450, 0.05, 0, 4, "rural", nil},
	{"Weber", "", 32103, 0.17, 0.005, 46, "suburb", nil},
}

// Utah's charter sector: 113 LEAs with 79,823 students in 2023 (facts);
// its Hispanic share and growth are estimates.
const (
	utahCharterLEAs     = 113
	utahCharterStudents = 79823
	utahCharterHisp     = 0.19
	utahCharterGrowth   = 0.03
)

// utahStudents: statewide October enrollment by school year. 2023–2025 from
// docs/calibration.md; earlier years are rounded estimates of USBE's series.
var utahStudents = map[int]float64{
	2014: 622000, 2015: 634000, 2016: 644000, 2017: 652000, 2018: 659000, 2019: 666000,
	2020: 665000, 2021: 667000, 2022: 674000, 2023: 672662, 2024: 667789, 2025: 656310,
}

// utahHispanic: statewide Hispanic share of students. 2015 ≈16% and 2023
// 19.6% (facts), 2025 142,284 of 656,310 (facts; partly a reporting change);
// the years between are interpolated.
var utahHispanic = map[int]float64{
	2014: 0.158, 2015: 0.162, 2016: 0.166, 2017: 0.170, 2018: 0.175, 2019: 0.179,
	2020: 0.183, 2021: 0.187, 2022: 0.192, 2023: 0.196, 2024: 0.203, 2025: 0.2168,
}

// utahJoins: association members joining per school year (≈600 by 2025;
// an estimate, founding year strongest, 2020 the pandemic year).
var utahJoins = map[int]int{2015: 70, 2016: 55, 2017: 55, 2018: 55, 2019: 55, 2020: 40, 2021: 50,
	2022: 55, 2023: 60, 2024: 60, 2025: 45}

func utahParams() *params {
	teacher := func(y int) float64 {
		// Latino teachers: ≈2.1% in 2015 (facts: "only 2 percent"), 5.6% in
		// 2020-21 by NTPS, which seems high for the trend; steer from 2.3% in
		// 2014 to 5.3% in 2025.
		return lerp(float64(y), utahFirstYear, 0.023, utahLastYear, 0.053)
	}
	// Latino leaders are rarer than Latino teachers: the first incumbents and
	// the external hires are a fraction of the teacher share (estimates; 2015
	// facts: ≈2% of teachers and principals), the hires' share rising 4% a
	// year relative as the association recruits. The state agency hires
	// more Latino leaders from outside than districts do (estimate).
	initFactor := [numRoles]float64{1, 1, 0.9, 0.7, 0.8, 0.5, 0.4, 1.2}
	hireFactor := [numRoles]float64{1, 1, 0.9, 0.7, 0.8, 0.5, 0.4, 2}
	p := &params{
		ratio: 22.8, tlShare: 0.035, dlPer: 2000, stateLeaders: 30,
		// Utah's staff are whiter than its students (estimate).
		staffMix:      raceMix{0.008, 0.013, 0.007, 0.008, 0.949, 0.015},
		teacherTarget: teacher,
		latino: func(r int8, y int, initial bool) float64 {
			if initial {
				return teacher(utahFirstYear) * initFactor[r]
			}
			return teacher(y) * hireFactor[r] * (1 + 0.04*float64(y-utahFirstYear))
		},
		memberBoost: 4, credBoost: 1.5,
	}
	p.roles = [numRoles]roleParams{
		roleTeacher: {exit: 0.08, move: 0.05, moveCross: 0.3, female: 0.75, tenure: 20},
		roleTeacherLeader: {exit: 0.05, move: 0.02, moveCross: 0.2, internal: 1, internalCharter: 1,
			from: []int8{roleTeacher}, fromWeight: []float64{1}, minYears: 3, latinoBias: 1, female: 0.72, tenure: 8},
		roleAP: {exit: 0.06, move: 0.06, moveCross: 0.2, internal: 0.88, internalCharter: 0.6, sameLEA: 0.8,
			from: []int8{roleTeacher, roleTeacherLeader}, fromWeight: []float64{0.6, 0.4}, minYears: 4,
			latinoBias: 1, female: 0.5, tenure: 6},
		// Principals: 76.5% stay, 8.4% move, 13.6% leave the role — here ≈10.5%
		// leave the schools and ≈3% are promoted to the district office.
		rolePrincipal: {exit: 0.105, move: 0.084, moveCross: 0.15, internal: 0.85, internalCharter: 0.5, sameLEA: 0.75,
			from: []int8{roleAP, roleTeacherLeader}, fromWeight: []float64{0.9, 0.1}, minYears: 2,
			latinoBias: 0.95, female: 0.45, tenure: 8},
		roleDistrictLeader: {exit: 0.09, move: 0.02, moveCross: 0.5, internal: 0.85, sameLEA: 0.85,
			from: []int8{rolePrincipal, roleAP, roleTeacherLeader}, fromWeight: []float64{0.5, 0.3, 0.2}, minYears: 3,
			latinoBias: 0.9, female: 0.5, tenure: 8},
		roleAsstSuper: {exit: 0.12, move: 0.02, moveCross: 0.5, internal: 0.8, sameLEA: 0.8,
			from: []int8{roleDistrictLeader, rolePrincipal}, fromWeight: []float64{0.7, 0.3}, minYears: 3,
			latinoBias: 0.8, female: 0.4, tenure: 5},
		roleSuper: {exit: 0.14, move: 0.03, moveCross: 1, internal: 0.7, sameLEA: 0.5,
			from: []int8{roleAsstSuper, roleDistrictLeader, rolePrincipal}, fromWeight: []float64{0.6, 0.3, 0.1},
			minYears: 2, latinoBias: 0.7, female: 0.15, tenure: 6},
		roleState: {exit: 0.12, internal: 0.5,
			from: []int8{roleDistrictLeader, roleAsstSuper, roleSuper}, fromWeight: []float64{0.6, 0.25, 0.15},
			minYears: 3, latinoBias: 1, female: 0.5, tenure: 6},
	}
	return p
}

// generateUtah writes the Utah data set.
func generateUtah(out *writer, seed int64) error {
	years := yearRange(utahFirstYear, utahLastYear)
	w := newWorld(utahParams(), seed, 0, years, newKeyer(seed, profileUtah), 0, out)
	geo := newRNG(seed, streamGeography, 0)
	out.states.add(stateRow{code: utahState, fips: utahFIPS, name: "Utah"})
	buildUtah(w, geo, years)
	for _, l := range w.leas {
		out.districts.add(districtRow{id: l.id, state: utahState, name: l.name, typ: l.typ, locale: l.locale, synthetic: l.synthetic})
	}
	for _, s := range w.schools {
		out.schools.add(schoolRow{id: s.id, lea: w.leas[s.lea].id, state: utahState, name: s.name, level: s.level,
			charter: b2u(w.leas[s.lea].charter()), title1: b2u(s.title1), synthetic: 1})
	}
	cutoff := loadedAt.AddDate(0, 0, -1)
	w.assoc = newAssociation(w, newRNG(seed, streamMembers, 0), utahState, date(2015, 9, 15), cutoff,
		func(y int) int { return utahJoins[y] }, 0.85)
	if err := w.run(); err != nil {
		return err
	}
	w.assoc.finish()
	utahGoals(w)
	return out.stopped()
}

// buildUtah makes the LEAs, schools and enrollment groups.
func buildUtah(w *world, rng *rand.Rand, years []int) {
	agency := &lea{id: utahAgencyID, name: "Utah State Board of Education", typ: "state_agency", locale: "city", synthetic: 1}
	agency.pl = newPlace(utahState, agency.id, "")
	w.addLEA(agency)

	// Enrollment by district and year: the 2023 figure moved by the
	// district's trend, then scaled so the state matches utahStudents.
	raw := make([][]float64, len(utahDistricts)+1) // last: the charter sector
	for yi, y := range years {
		var sum float64
		for d, u := range utahDistricts {
			if raw[d] == nil {
				raw[d] = make([]float64, len(years))
			}
			raw[d][yi] = float64(u.students) * math.Pow(1+u.growth, float64(y-2023))
			sum += raw[d][yi]
		}
		c := len(utahDistricts)
		if raw[c] == nil {
			raw[c] = make([]float64, len(years))
		}
		raw[c][yi] = utahCharterStudents * math.Pow(1+utahCharterGrowth, float64(y-2023))
		sum += raw[c][yi]
		for d := range raw {
			raw[d][yi] *= utahStudents[y] / sum
		}
	}
	// Hispanic shares: each district's 2023 share scaled by one factor a year
	// so the state matches utahHispanic.
	hisp := make([]float64, len(raw))
	for d, u := range utahDistricts {
		hisp[d] = u.hisp
	}
	hisp[len(utahDistricts)] = utahCharterHisp
	groups := make([]*group, len(raw))
	for d := range raw {
		groups[d] = &group{total: make([]int, len(years)), hisp: make([]float64, len(years)), mix: utahMix}
		if d < len(utahDistricts) && utahDistricts[d].mix != nil {
			groups[d].mix = *utahDistricts[d].mix
		}
	}
	for yi, y := range years {
		var latino float64
		for d := range raw {
			latino += raw[d][yi] * hisp[d]
		}
		k := utahHispanic[y] * utahStudents[y] / latino
		for d := range raw {
			groups[d].total[yi] = int(raw[d][yi] + 0.5)
			groups[d].hisp[yi] = min(0.95, hisp[d]*k)
		}
	}

	for d, u := range utahDistricts {
		id, synthetic := u.id, uint8(0)
		if id == "" {
			id, synthetic = fmt.Sprintf("49901%02d", d+1), 1
		}
		l := &lea{id: id, name: u.name + " School District", typ: "regular", locale: u.locale, synthetic: synthetic}
		l.pl = newPlace(utahState, id, "")
		li := w.addLEA(l)
		g := groups[d]
		w.groups = append(w.groups, g)
		names := newNamer(rng)
		levels := districtLevels(rng, u.schools)
		opens := openYears(rng, levels, u.growth)
		for k, level := range levels {
			addUtahSchool(w, rng, g, li, k, level, opens[k], names, 0.8, false)
		}
		// Growing districts keep opening elementary schools after 2023.
		for k := range int(float64(u.schools)*u.growth*1.2 + 0.3) {
			addUtahSchool(w, rng, g, li, len(levels)+k, "elementary", 2024+k%2, names, 0.8, false)
		}
	}

	// Charter LEAs: 1–3 schools each (90×1, 19×2, 4×3 = 140 schools, an
	// estimate that brings the state to ≈1,052). 85 opened by 2014, the
	// others one by one until 2023.
	g := groups[len(utahDistricts)]
	w.groups = append(w.groups, g)
	sizes := make([]int, 0, utahCharterLEAs)
	for k := range utahCharterLEAs {
		switch {
		case k < 90:
			sizes = append(sizes, 1)
		case k < 109:
			sizes = append(sizes, 2)
		default:
			sizes = append(sizes, 3)
		}
	}
	rng.Shuffle(len(sizes), func(a, b int) { sizes[a], sizes[b] = sizes[b], sizes[a] })
	charterNames := newNamer(rng)
	for k, n := range sizes {
		open := 2014
		if k >= 85 {
			open = 2015 + (k-85)*9/(utahCharterLEAs-85)
		}
		id := fmt.Sprintf("4992%03d", k+1)
		l := &lea{id: id, name: charterNames.charter(), typ: "charter", open: open, synthetic: 1,
			locale: []string{"suburb", "suburb", "suburb", "city", "city", "town", "rural"}[rng.IntN(7)]}
		l.pl = newPlace(utahState, id, "")
		li := w.addLEA(l)
		names := newNamer(rng)
		for j, level := range charterLevels(rng, n) {
			s := addUtahSchool(w, rng, g, li, j, level, open, names, 1.0, j == 0)
			if n == 1 {
				s.name = l.name
			}
		}
	}
	setTitles1(w, rng, 2023-utahFirstYear, 2023)
}

// addUtahSchool adds school number k of LEA li to group g.
func addUtahSchool(w *world, rng *rand.Rand, g *group, li int32, k int, level string, open int, names *namer, spread float64, director bool) *school {
	l := w.leas[li]
	id := fmt.Sprintf("%s9%04d", l.id, k+1)
	s := &school{id: id, name: names.school(level), level: level, lea: li, open: open, director: director,
		weight: levelWeight[level] * math.Exp(0.25*rng.NormFloat64()), hispShift: spread * rng.NormFloat64()}
	s.pl = newPlace(utahState, l.id, id)
	si := w.addSchool(s)
	g.schools = append(g.schools, si)
	return s
}

// levelWeight: relative school size by level (estimate: elementary ≈550,
// middle ≈1,000, high ≈1,400 students).
var levelWeight = map[string]float64{"elementary": 1, "middle": 1.8, "high": 2.6, "other": 0.35}

// districtLevels: ≈60% elementary, 14% middle, 18% high, 7% other (estimate),
// at least one elementary and one high school.
func districtLevels(rng *rand.Rand, n int) []string {
	high := max(1, int(0.18*float64(n)+0.5))
	middle, other := 0, 0
	if n >= 4 {
		middle = int(0.14*float64(n) + 0.5)
	}
	if n >= 6 {
		other = int(0.07*float64(n) + 0.5)
	}
	elem := max(1, n-high-middle-other)
	var out []string
	for _, c := range []struct {
		level string
		n     int
	}{{"elementary", elem}, {"middle", middle}, {"high", high}, {"other", other}} {
		for range c.n {
			out = append(out, c.level)
		}
	}
	out = out[:n]
	rng.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
	return out
}

// charterLevels: a one-school charter is elementary 40%, middle 8%, high
// 22%, K-12 or online ("other") 30% (estimate); bigger ones have an
// elementary and secondary campuses.
func charterLevels(rng *rand.Rand, n int) []string {
	if n == 1 {
		return []string{[]string{"elementary", "middle", "high", "other"}[pickWeighted(rng, []float64{0.4, 0.08, 0.22, 0.3})]}
	}
	return []string{"elementary", "high", "middle"}[:n]
}

// openYears: in a growing district the schools beyond what 2014 needed
// (elementary ones first) opened between 2015 and 2023.
func openYears(rng *rand.Rand, levels []string, growth float64) []int {
	opens := make([]int, len(levels))
	for k := range opens {
		opens[k] = utahFirstYear
	}
	if growth <= 0.005 {
		return opens
	}
	n2014 := int(float64(len(levels))/math.Pow(1+growth, 9) + 0.5)
	late := len(levels) - n2014
	for k := len(levels) - 1; k >= 0 && late > 0; k-- {
		if levels[k] == "elementary" || late > k {
			opens[k] = 2015 + rng.IntN(9)
			late--
		}
	}
	return opens
}

// setTitles1 flags the Title I schools of every group by their Latino
// share in year y (index yi).
func setTitles1(w *world, rng *rand.Rand, yi, y int) {
	for _, g := range w.groups {
		for k, h := range w.latinoShares(g, g.hisp[yi], y) {
			setTitle1(rng, w.schools[g.schools[k]], h)
		}
	}
}

// setTitle1 flags Title I schools, more likely the more Latino (a proxy for
// poverty; ≈30% of schools, estimate).
func setTitle1(rng *rand.Rand, s *school, latinoShare float64) {
	slope := 1.2
	if s.level == "elementary" {
		slope = 2.2
	}
	p := min(0.95, max(0.02, slope*latinoShare-0.15))
	s.title1 = rng.Float64() < p
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func yearRange(first, last int) []int {
	out := make([]int, 0, last-first+1)
	for y := first; y <= last; y++ {
		out = append(out, y)
	}
	return out
}

// utahGoals writes the board's goals, their baselines measured in the data
// just generated (school year 2015) and ambitious 2030 targets in the spirit
// of "Latino principals in Utah: 180 by 2030".
func utahGoals(w *world) {
	st := w.stats[2015-utahFirstYear]
	members := 0
	end2015 := date(2016, 6, 30) // the members measure counts members on June 30
	for _, m := range w.assoc.members {
		if !m.joined.After(end2015) && (m.left == nil || m.left.After(end2015)) {
			members++
		}
	}
	goals := []goalRow{
		{id: "goal-school-leaders", title: "Latino school leaders in Utah", measure: "latino_leaders", tier: "school",
			baselineValue: float64(st.latinoLeaders[tierSchool]), targetValue: 180},
		{id: "goal-district-leaders", title: "Latino district leaders in Utah", measure: "latino_leaders", tier: "district",
			baselineValue: float64(st.latinoLeaders[tierDistrict]), targetValue: 40},
		{id: "goal-state-leaders", title: "Latino state leaders in Utah", measure: "latino_leaders", tier: "state",
			baselineValue: float64(st.latinoLeaders[tierState]), targetValue: 8},
		{id: "goal-members", title: "ALAS-Utah members", measure: "members", tier: "",
			baselineValue: float64(members), targetValue: 1500},
	}
	for _, g := range goals {
		g.scope, g.scopeID, g.baselineYear, g.targetYear = "state", utahState, 2015, 2030
		w.out.goals.add(g)
	}
}
