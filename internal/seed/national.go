package seed

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/camino-edu/camino/internal/warehouse"
)

// The national profile: every state and DC, school years 2016–2025, at
// scale F ≈13,000·F LEAs, ≈100,000·F schools and ≈4,000,000·F staff a year
// (docs/calibration.md: ≈13,000 regular districts, ≈99,000 public schools,
// ≈3.8 million teachers, ≈90,000 principals).
//
// It streams: each district is a world of its own, simulated over all years
// and written before the next is built, so memory holds one district (plus
// the chunks in flight) whatever F. People therefore move and are promoted
// within their district only; the state agencies hire from outside. There
// are no members or goals (the association is Utah's).
const (
	natFirstYear = 2016
	natLastYear  = 2025
	natLEAs      = 13_000
	natSchools   = 100_000
	// natStateLeaders is the state agencies' leaders at scale 1, shared by
	// students (estimate); every state has at least one.
	natStateLeaders = 2_000
	// natMaxSchools keeps school ids inside the district's 9xxxx range.
	natMaxSchools = 9_999
)

var nationalTables = []string{warehouse.TableStates, warehouse.TableDistricts, warehouse.TableSchools,
	warehouse.TableEnrollment, warehouse.TableStaffAssignments}

// natStaffMix: non-Latino public school teachers nationally (NTPS 2020-21:
// White 79%, Black 6.1%, Asian 2.4%, two or more 1.9%, American Indian
// 0.4%, Pacific Islander 0.2%), as shares of non-Latino teachers.
var natStaffMix = raceMix{0.0045, 0.027, 0.067, 0.0022, 0.873, 0.021}

// natPlan is one LEA of a state before it is built.
type natPlan struct {
	charter  bool
	schools  int
	students float64
	hisp     float64 // Latino share of students in 2023
	locale   string
}

// generateNational writes the national data set at scale.
func generateNational(out *writer, seed int64, scale float64) error {
	years := yearRange(natFirstYear, natLastYear)
	keys := newKeyer(seed, profileNational)
	rng := newRNG(seed, streamNational, 0)
	for _, st := range natStates {
		out.states.add(stateRow{code: st.code, fips: st.fips, name: st.name})
	}
	// LEAs go to states by their number of LEAs; schools by their number of
	// schools among the states that got an LEA (at a tiny scale most get
	// none), at least one per LEA.
	leaW := make([]float64, len(natStates))
	var totalStudents float64
	for i, st := range natStates {
		leaW[i] = float64(st.regular + st.charter)
		totalStudents += st.studentsK
	}
	nLEA := apportion(int(math.Round(natLEAs*scale)), leaW)
	schW := make([]float64, len(natStates))
	for i, st := range natStates {
		if nLEA[i] > 0 {
			schW[i] = st.schoolsH
		}
	}
	nSch := apportion(int(math.Round(natSchools*scale)), schW)
	world := uint64(0)
	for i := range natStates {
		st := &natStates[i]
		nSch[i] = max(nSch[i], nLEA[i])
		plans := planState(rng, st, nLEA[i], nSch[i])
		for k := range plans {
			if err := out.stopped(); err != nil {
				return err
			}
			world++
			// Districts with more Latino students have more Latino staff.
			p := nationalParams(st, scale, totalStudents, plans[k].hisp/(st.hisp/100))
			if err := nationalDistrict(out, seed, keys, world, st, p, k, &plans[k], years); err != nil {
				return err
			}
		}
		world++
		w := newWorld(nationalParams(st, scale, totalStudents, 1), seed, world, years, keys, world<<32, out)
		agency := &lea{id: natLEAID(st.fips, -1), name: st.name + " Department of Education", typ: "state_agency",
			locale: "city", synthetic: 1}
		agency.pl = newPlace(st.code, agency.id, "")
		w.addLEA(agency)
		out.districts.add(districtRow{id: agency.id, state: st.code, name: agency.name, typ: agency.typ,
			locale: agency.locale, synthetic: 1})
		if err := w.run(); err != nil {
			return err
		}
	}
	return out.stopped()
}

// natLEAID makes a recognisably synthetic LEA id: the state's FIPS code and
// 90000 for the state agency, 90001… for its LEAs (wrapping to 80000… past
// 9,999 LEAs, which only the largest states reach at scale > 8).
func natLEAID(fips string, k int) string {
	n := 90001 + k
	if n > 99999 {
		n = 80000 + (n - 100000)
	}
	return fmt.Sprintf("%s%05d", fips, n)
}

// planState divides a state's LEAs and schools into districts: charter
// LEAs of 1–3 schools, regular districts sized by a heavy-tailed (Pareto)
// draw, so a few are large and most are small.
func planState(rng *rand.Rand, st *natState, nLEA, nSch int) []natPlan {
	if nLEA == 0 {
		return nil
	}
	nCharter := int(math.Round(float64(nLEA) * float64(st.charter) / float64(st.regular+st.charter)))
	if st.regular > 0 {
		nCharter = min(nCharter, nLEA-1)
	}
	plans := make([]natPlan, nLEA)
	left := nSch
	for k := nLEA - nCharter; k < nLEA; k++ {
		n := 1 + pickWeighted(rng, []float64{0.75, 0.18, 0.07})
		n = max(1, min(n, left-(nLEA-nCharter)-(nLEA-1-k)))
		plans[k] = natPlan{charter: true, schools: n}
		left -= n
	}
	nReg := nLEA - nCharter
	weights := make([]float64, nReg)
	for k := range weights {
		weights[k] = min(2000, math.Pow(1-rng.Float64(), -1/1.16))
	}
	extra := apportion(max(0, left-nReg), weights)
	for k := range nReg {
		plans[k] = natPlan{schools: min(natMaxSchools, 1+extra[k])}
	}
	avg := st.studentsK * 1000 / (st.schoolsH * 100) // students per school
	students := make([]float64, nLEA)
	shifts := make([]float64, nLEA)
	base := logit(st.hisp / 100)
	for k := range plans {
		pl := &plans[k]
		size := avg * math.Exp(0.2*rng.NormFloat64())
		if pl.charter {
			size *= 0.7
		}
		pl.students = float64(pl.schools) * size
		pl.locale = natLocale(rng, pl.schools, pl.charter)
		students[k] = pl.students
		shifts[k] = base + 1.0*rng.NormFloat64()
	}
	// Districts differ widely (logit scale); one shift for the state keeps
	// its student-weighted share.
	c := calibrateShift(st.hisp/100, students, shifts)
	for k := range plans {
		plans[k].hisp = logistic(shifts[k] + c)
	}
	return plans
}

func natLocale(rng *rand.Rand, schools int, charter bool) string {
	switch {
	case charter:
		return []string{"city", "city", "suburb", "town"}[rng.IntN(4)]
	case schools >= 40:
		return []string{"city", "suburb"}[rng.IntN(2)]
	case schools >= 10:
		return []string{"suburb", "town", "city"}[rng.IntN(3)]
	}
	return []string{"rural", "rural", "town"}[rng.IntN(3)]
}

// nationalDistrict builds, simulates and writes one LEA of a state.
func nationalDistrict(out *writer, seed int64, keys keyer, world uint64, st *natState, p *params, k int, d *natPlan, years []int) error {
	w := newWorld(p, seed, world, years, keys, world<<32, out)
	rng := newRNG(seed, streamGeography, world)
	names := newNamer(rng)
	id := natLEAID(st.fips, k)
	l := &lea{id: id, typ: "regular", locale: d.locale, synthetic: 1}
	if d.charter {
		l.typ, l.name = "charter", names.charter()
	} else {
		form := districtForms[rng.IntN(len(districtForms))]
		if st.code == "TX" {
			form = "%s Independent School District"
		}
		l.name = fmt.Sprintf(form, names.town())
	}
	l.pl = newPlace(st.code, id, "")
	li := w.addLEA(l)
	out.districts.add(districtRow{id: id, state: st.code, name: l.name, typ: l.typ, locale: l.locale, synthetic: 1})

	g := &group{total: make([]int, len(years)), hisp: make([]float64, len(years)), mix: studentMix(st)}
	trend := 0.01 * rng.NormFloat64()
	for yi, y := range years {
		g.total[yi] = int(d.students*math.Pow(1+trend, float64(y-2023)) + 0.5)
		// Latino students grow ≈1.2% a year relative (national ≈27% in 2016
		// to ≈30% in 2025; estimate).
		g.hisp[yi] = min(0.95, d.hisp*(1+0.012*float64(y-2023)))
	}
	w.groups = append(w.groups, g)
	var levels []string
	if d.charter {
		levels = charterLevels(rng, d.schools)
	} else {
		levels = districtLevels(rng, d.schools)
	}
	for j, level := range levels {
		sid := fmt.Sprintf("%s%05d", id, 90001+j)
		s := &school{id: sid, name: names.school(level), level: level, lea: li, open: years[0], director: d.charter && j == 0,
			weight: levelWeight[level] * math.Exp(0.25*rng.NormFloat64()), hispShift: 0.8 * rng.NormFloat64()}
		if d.charter && len(levels) == 1 {
			s.name = l.name
		}
		s.pl = newPlace(st.code, id, sid)
		g.schools = append(g.schools, w.addSchool(s))
	}
	setTitles1(w, rng, 2023-natFirstYear, 2023)
	for _, s := range w.schools {
		out.schools.add(schoolRow{id: s.id, lea: id, state: st.code, name: s.name, level: s.level,
			charter: b2u(d.charter), title1: b2u(s.title1), synthetic: 1})
	}
	return w.run()
}

// studentMix: how a state's non-Latino students divide (Asian share as
// given; Pacific Islanders 0.3%, Hawaii 10%; two or more 5%; estimates).
func studentMix(st *natState) raceMix {
	nhpi, two := 0.3, 5.0
	if st.code == "HI" {
		nhpi, two = 10, 20
	}
	white := max(5, 100-st.hisp-st.black-st.aian-st.asian-nhpi-two)
	return raceMix{st.aian, st.asian, st.black, nhpi, white, two}
}

// nationalParams: the Utah rates with the national principal transitions
// (stayed 79.6%, moved 5.9%, left 11.2%) and Latino shares by role against
// teachers: principals 9.3% vs teachers 9.5% (NTPS 2020-21), superintendents
// ≈3% (facts); assistant principals and district offices are estimates.
// Hires run a little above the stock they join, which lags. rel scales the
// state's Latino teacher share for a district (its Latino students against
// the state's).
func nationalParams(st *natState, scale, totalStudentsK, rel float64) *params {
	t2021, ok := natTeacherHisp[st.code]
	if !ok {
		t2021 = teacherShareOf(st.hisp / 100)
	}
	t2021 *= rel
	teacher := func(y int) float64 { return min(0.9, t2021*(1+0.025*float64(y-2021))) }
	factor := [numRoles]float64{1, 1, 1.15, 1.25, 0.75, 0.6, 0.25, 0.8}
	p := utahParams()
	p.ratio, p.dlPer = 13.2, 4000
	p.stateLeaders = max(1, int(math.Round(natStateLeaders*scale*st.studentsK/totalStudentsK)))
	// Staff are whiter than students, less so where students are not.
	sm := studentMix(st)
	var sum float64
	for _, x := range sm {
		sum += x
	}
	for k := range p.staffMix {
		p.staffMix[k] = 0.6*natStaffMix[k] + 0.4*sm[k]/sum
	}
	p.teacherTarget = teacher
	p.latino = func(r int8, y int, _ bool) float64 { return teacher(y) * factor[r] }
	p.memberBoost, p.credBoost = 1, 1
	p.roles[rolePrincipal].exit, p.roles[rolePrincipal].move = 0.085, 0.059
	for r, b := range [numRoles]float64{1, 1, 1, 0.97, 0.8, 0.65, 0.35, 0.9} {
		p.roles[r].latinoBias = b
	}
	return p
}

// apportion divides total into integers proportional to weights (largest
// remainders; ties by index), deterministic.
func apportion(total int, weights []float64) []int {
	out := make([]int, len(weights))
	var sum float64
	for _, x := range weights {
		sum += x
	}
	if sum == 0 || total <= 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, x := range weights {
		q := float64(total) * x / sum
		out[i] = int(q)
		given += out[i]
		rems[i] = rem{i, q - float64(out[i])}
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].r > rems[b].r })
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}
