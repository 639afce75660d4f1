package seed

import "math/rand/v2"

// A world is the set of LEAs whose people the career simulation follows
// together: the whole of Utah (so people move and are promoted across
// districts), or, in the national profile, one district at a time (so it
// streams) and one state agency.
type world struct {
	p       *params
	rng     *rand.Rand // careers
	erng    *rand.Rand // enrollment
	years   []int
	leas    []*lea
	schools []*school
	groups  []*group
	people  []person

	pool   [numRoles]pool    // everyone placed, by role
	movers [numRoles][]int32 // people moving to another LEA, by role

	keys    keyer
	keyBase uint64 // staff keys are keys.key(keyBase + person index + 1)
	out     *writer
	assoc   *association // nil when the profile has no members
	cnt     [numRoles]roleCount
	stats   []yearStats // by year index
	slots   []int32     // scratch: vacancies of one role
	shares  []float64   // scratch: Latino shares of a group's schools
}

// lea is a district, a charter LEA or the state agency.
type lea struct {
	id, name, typ, locale string
	synthetic             uint8
	pl                    *place // school_id ''
	open                  int    // first school year it operates
	schools               []int32
	students              int // this year
	cap                   [numRoles]int
	pool                  [numRoles]pool    // people placed at the LEA's schools and office, by role
	movers                [numRoles][]int32 // people moving within the LEA, by role
}

func (l *lea) charter() bool { return l.typ == "charter" }

// school is one school; its posts are the school roles.
type school struct {
	id, name, level string
	lea             int32
	pl              *place
	open            int  // first school year it enrols students
	director        bool // a charter LEA's first school: its principal is the LEA's director
	title1          bool
	weight          float64 // relative size among the schools of its group
	hispShift       float64 // the school's Latino share against its group's, on the logit scale
	students        int     // this year
	cap             [rolePrincipal + 1]int
	pool            [rolePrincipal + 1]pool
}

// group is a set of schools sharing an enrollment total and a Latino share
// per year: a district, or Utah's charter sector.
type group struct {
	schools []int32
	total   []int     // students by year index
	hisp    []float64 // Latino share of students by year index
	mix     raceMix   // how the non-Latino students divide
}

// person is one educator followed across years.
type person struct {
	key    uint64
	lea    int32
	school int32 // -1 for district and state posts
	member int32 // index into the association's members, -1 for none
	pos    [3]int32
	prev   int32 // the school (or LEA, for district posts) a mover left
	since  int16 // school year the person took the current post
	title  uint16
	role   int8 // -1 once gone
	prof   uint8
	gender uint8
	flags  uint8
}

const (
	flagDual     = 1 << iota // a teacher leader who also teaches (two half-time rows)
	flagUnplaced             // a mover between posts
	flagCred                 // holds an administrative credential (members' credential_earned)
)

// pool is a set of person indices with O(1) add and remove (person.pos
// holds each member's position; the pool level says which slot of pos).
type pool []int32

type roleCount struct{ placed, known, latino int }

type yearStats struct {
	leaders, latinoLeaders                  [numTiers]int
	teachers, knownTeachers, latinoTeachers int
}

// params are a profile's rates.
type params struct {
	roles [numRoles]roleParams
	// ratio is students per teaching post (teachers and teacher leaders).
	ratio float64
	// tlShare is the share of teaching posts held by teacher leaders.
	tlShare float64
	// dlPer is students per district leader post (beyond the first).
	dlPer float64
	// stateLeaders is the state agency's leader posts.
	stateLeaders int
	// staffMix divides non-Latino staff among the races.
	staffMix raceMix
	// teacherTarget is the Latino share of known teachers the hiring of a
	// year steers toward (the public figures are for the stock of teachers).
	teacherTarget func(year int) float64
	// latino is the Latino share of known external hires into a leader role
	// (initial: of the first year's incumbents).
	latino func(role int8, year int, initial bool) float64
	// memberBoost and credBoost weigh members (and credentialed members) when
	// a promotion picks among candidates.
	memberBoost, credBoost float64
}

// roleParams are the yearly transitions of one role.
type roleParams struct {
	exit      float64 // leaves the workforce (or the state's public schools)
	move      float64 // moves to the same post elsewhere
	moveCross float64 // share of moves that leave the LEA
	// internal is the chance a vacancy is filled by promoting someone from
	// the roles in from (when a candidate exists); the rest are external hires.
	internal, internalCharter float64
	sameLEA                   float64 // chance the promotion looks in the same LEA first
	from                      []int8
	fromWeight                []float64
	minYears                  int     // years in post before a promotion
	latinoBias                float64 // weight of a Latino candidate (1 = none)
	female                    float64 // female share of hires
	tenure                    int     // first year's incumbents have 0..tenure years in post
}

// newWorld returns an empty world; sub tells its random streams apart from
// other worlds' of the same seed.
func newWorld(p *params, seed int64, sub uint64, years []int, keys keyer, keyBase uint64, out *writer) *world {
	return &world{p: p, rng: newRNG(seed, streamCareers, sub), erng: newRNG(seed, streamEnrollment, sub),
		years: years, keys: keys, keyBase: keyBase, out: out, stats: make([]yearStats, len(years))}
}

func (w *world) addLEA(l *lea) int32 {
	w.leas = append(w.leas, l)
	return int32(len(w.leas) - 1)
}

func (w *world) addSchool(s *school) int32 {
	i := int32(len(w.schools))
	w.schools = append(w.schools, s)
	l := w.leas[s.lea]
	l.schools = append(l.schools, i)
	return i
}

// unitLEA is the LEA of a post: a school index for school roles, an LEA
// index otherwise.
func (w *world) unitLEA(r int8, unit int32) int32 {
	if schoolRole(r) {
		return w.schools[unit].lea
	}
	return unit
}

func (pl *pool) add(people []person, i int32, level int) {
	people[i].pos[level] = int32(len(*pl))
	*pl = append(*pl, i)
}

func (pl *pool) remove(people []person, i int32, level int) {
	at := people[i].pos[level]
	last := (*pl)[len(*pl)-1]
	(*pl)[at] = last
	people[last].pos[level] = at
	*pl = (*pl)[:len(*pl)-1]
	people[i].pos[level] = -1
}

// place puts person i in post r at unit (school or LEA index).
func (w *world) place(i int32, r int8, unit int32) {
	p := &w.people[i]
	p.role, p.flags = r, p.flags&^(flagUnplaced|flagDual)
	if schoolRole(r) {
		s := w.schools[unit]
		p.school, p.lea = unit, s.lea
		s.pool[r].add(w.people, i, 0)
		if s.director && r == rolePrincipal {
			p.title = directorTitles[w.rng.IntN(len(directorTitles))]
		} else {
			p.title = roleTitles[r][w.rng.IntN(len(roleTitles[r]))]
		}
	} else {
		p.school, p.lea = -1, unit
		p.title = roleTitles[r][w.rng.IntN(len(roleTitles[r]))]
	}
	if r == roleTeacherLeader && w.rng.Float64() < 0.5 {
		p.flags |= flagDual
	}
	w.leas[p.lea].pool[r].add(w.people, i, 1)
	w.pool[r].add(w.people, i, 2)
	c := &w.cnt[r]
	c.placed++
	if p.prof != profUnknown {
		c.known++
	}
	if isLatino(p.prof) {
		c.latino++
	}
}

// unplace takes person i out of its post (role stays: what it was).
func (w *world) unplace(i int32) {
	p := &w.people[i]
	r := p.role
	if schoolRole(r) {
		w.schools[p.school].pool[r].remove(w.people, i, 0)
	}
	w.leas[p.lea].pool[r].remove(w.people, i, 1)
	w.pool[r].remove(w.people, i, 2)
	c := &w.cnt[r]
	c.placed--
	if p.prof != profUnknown {
		c.known--
	}
	if isLatino(p.prof) {
		c.latino--
	}
	p.flags |= flagUnplaced
}
