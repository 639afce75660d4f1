package seed

// The career simulation shared by the profiles. Each school year:
//
//  1. enrollment: every group's students are shared among its open schools
//     and split by ethnicity and English learner status (enroll.go);
//  2. posts: each school's teaching, teacher-leader, assistant-principal and
//     principal posts follow its students; each district's office follows
//     the district's size; the state agency has a fixed number;
//  3. turnover (not in the first year): each person stays, leaves or moves
//     with the rates of the role (params.roles); posts a school no longer
//     needs send their holders looking for a post elsewhere;
//  4. vacancies are filled from the top of the ladder down, so a promotion
//     opens the post below it before that rank is filled: first people moving
//     to the same post, then a promotion from the ranks below (candidates
//     drawn in a small tournament that weighs association members up), else
//     an external hire;
//  5. the association's year (Utah: joins, conferences, mentorships...);
//  6. every placed person writes one row (two half-time rows for a teacher
//     leader who also teaches).

// run simulates every year of the world and writes its rows.
func (w *world) run() error {
	for yi, y := range w.years {
		if err := w.out.stopped(); err != nil {
			return err
		}
		w.enroll(yi, y)
		w.setPosts(y)
		if yi > 0 {
			w.turnover(y)
		}
		w.fill(y, yi == 0)
		if w.assoc != nil {
			w.assoc.year(y)
		}
		w.emit(yi, y)
	}
	return nil
}

// setPosts sets this year's posts of every school and LEA.
func (w *world) setPosts(y int) {
	for _, l := range w.leas {
		l.students = 0
		l.cap = [numRoles]int{}
	}
	for _, s := range w.schools {
		s.cap = [rolePrincipal + 1]int{}
		if s.open > y {
			continue
		}
		w.leas[s.lea].students += s.students
		teaching := max(2, int(float64(s.students)/w.p.ratio+0.5))
		tl := int(float64(teaching)*w.p.tlShare + 0.5)
		s.cap[roleTeacher] = teaching - tl
		s.cap[roleTeacherLeader] = tl
		s.cap[roleAP] = apPosts(s.level, s.students)
		s.cap[rolePrincipal] = 1
	}
	for _, l := range w.leas {
		switch l.typ {
		case "regular":
			if l.open > y {
				continue
			}
			l.cap[roleDistrictLeader] = 1 + int(float64(l.students)/w.p.dlPer+0.5)
			l.cap[roleAsstSuper] = asstSuperPosts(l.students)
			l.cap[roleSuper] = 1
		case "state_agency":
			l.cap[roleState] = w.p.stateLeaders
		}
		// Charter LEAs have no office posts: the director is the principal of
		// the first school (see place).
	}
}

// apPosts: assistant principals by school level and size (an estimate:
// secondary schools have one per ≈550–750 students, large elementary
// schools one).
func apPosts(level string, students int) int {
	switch level {
	case "elementary":
		switch {
		case students >= 1100:
			return 2
		case students >= 650:
			return 1
		}
	case "middle":
		if students >= 450 {
			return max(1, students/750)
		}
	case "high":
		if students >= 350 {
			return max(1, int(float64(students)/550+0.5))
		}
	default:
		if students >= 600 {
			return 1
		}
	}
	return 0
}

// asstSuperPosts: assistant superintendents only in large districts.
func asstSuperPosts(students int) int {
	switch {
	case students >= 70_000:
		return 4
	case students >= 40_000:
		return 3
	case students >= 20_000:
		return 2
	case students >= 10_000:
		return 1
	}
	return 0
}

// turnover applies a year of exits and moves, then trims posts that closed.
func (w *world) turnover(y int) {
	for i := range w.people {
		p := &w.people[i]
		if p.role < 0 {
			continue
		}
		rp := &w.p.roles[p.role]
		exit := rp.exit
		if w.assoc != nil && w.assoc.active(p.member) {
			exit *= 0.75 // members stay a little longer (estimate)
		}
		u := w.rng.Float64()
		switch {
		case u < exit:
			w.exit(int32(i), y)
		case u < exit+rp.move:
			w.toMovers(int32(i), w.rng.Float64() < rp.moveCross)
		}
	}
	for _, s := range w.schools {
		for r := range s.pool {
			for len(s.pool[r]) > s.cap[r] {
				w.toMovers(s.pool[r][w.rng.IntN(len(s.pool[r]))], false)
			}
		}
	}
	for _, l := range w.leas {
		for r := roleDistrictLeader; r < numRoles; r++ {
			for len(l.pool[r]) > l.cap[r] {
				w.toMovers(l.pool[r][w.rng.IntN(len(l.pool[r]))], false)
			}
		}
	}
}

// toMovers unplaces person i to look for the same post elsewhere: in another
// LEA (cross) or its own.
func (w *world) toMovers(i int32, cross bool) {
	p := &w.people[i]
	r := p.role
	if schoolRole(r) {
		p.prev = p.school
	} else {
		p.prev = p.lea
	}
	w.unplace(i)
	if cross && len(w.leas) > 1 {
		w.movers[r] = append(w.movers[r], i)
	} else {
		l := w.leas[p.lea]
		l.movers[r] = append(l.movers[r], i)
	}
}

// exit removes person i from the workforce.
func (w *world) exit(i int32, y int) {
	p := &w.people[i]
	if p.flags&flagUnplaced == 0 {
		w.unplace(i)
	}
	if w.assoc != nil {
		w.assoc.onExit(i, y)
	}
	p.role = -1
}

// fill fills every vacancy, top of the ladder first. In the first year all
// posts go to incumbents with some years in post already.
func (w *world) fill(y int, first bool) {
	for r := numRoles - 1; r >= 0; r-- {
		slots := w.vacancies(r)
		w.rng.Shuffle(len(slots), func(a, b int) { slots[a], slots[b] = slots[b], slots[a] })
		teacherShare := -1.0
		if r == roleTeacher && !first {
			teacherShare = w.teacherHireShare(y, len(slots))
		}
		for _, u := range slots {
			if first {
				w.hire(r, u, y, true, -1)
				continue
			}
			if w.placeMover(r, u, y) || w.promote(r, u, y) {
				continue
			}
			w.hire(r, u, y, false, teacherShare)
		}
		// Movers who found no post leave.
		for _, i := range w.movers[r] {
			w.exit(i, y)
		}
		w.movers[r] = w.movers[r][:0]
		for _, l := range w.leas {
			for _, i := range l.movers[r] {
				w.exit(i, y)
			}
			l.movers[r] = l.movers[r][:0]
		}
	}
}

// vacancies lists the open posts of role r, one entry per post (a school
// index for school roles, an LEA index for the others).
func (w *world) vacancies(r int8) []int32 {
	slots := w.slots[:0]
	if schoolRole(r) {
		for si, s := range w.schools {
			for range s.cap[r] - len(s.pool[r]) {
				slots = append(slots, int32(si))
			}
		}
	} else {
		for li, l := range w.leas {
			for range l.cap[r] - len(l.pool[r]) {
				slots = append(slots, int32(li))
			}
		}
	}
	w.slots = slots
	return slots
}

// placeMover fills post r at unit with someone moving from the same post
// elsewhere (in the LEA first), never back to the post they left.
func (w *world) placeMover(r int8, unit int32, y int) bool {
	l := w.unitLEA(r, unit)
	list := &w.leas[l].movers[r]
	if len(*list) == 0 {
		list = &w.movers[r]
	}
	if len(*list) == 0 {
		return false
	}
	for range 3 {
		j := w.rng.IntN(len(*list))
		i := (*list)[j]
		if w.people[i].prev == unit {
			continue
		}
		(*list)[j] = (*list)[len(*list)-1]
		*list = (*list)[:len(*list)-1]
		fromLEA := w.people[i].lea
		w.place(i, r, unit)
		w.people[i].since = int16(y)
		if w.assoc != nil {
			w.assoc.onMoved(i, y, fromLEA)
		}
		return true
	}
	return false
}

// promote fills post r at unit by promoting someone from the ranks below.
func (w *world) promote(r int8, unit int32, y int) bool {
	rp := &w.p.roles[r]
	l := w.unitLEA(r, unit)
	internal := rp.internal
	if w.leas[l].charter() {
		internal = rp.internalCharter
	}
	if len(rp.from) == 0 || w.rng.Float64() >= internal {
		return false
	}
	from := rp.from[pickWeighted(w.rng, rp.fromWeight)]
	var c int32 = -1
	switch {
	case r == roleTeacherLeader:
		c = w.tournament(w.schools[unit].pool[from], y, rp)
	default:
		if w.rng.Float64() < rp.sameLEA {
			c = w.tournament(w.leas[l].pool[from], y, rp)
		}
		if c < 0 {
			c = w.tournament(w.pool[from], y, rp)
		}
	}
	if c < 0 {
		return false
	}
	p := &w.people[c]
	was, wasLEA := p.role, p.lea
	w.unplace(c)
	w.place(c, r, unit)
	p.since = int16(y)
	if w.assoc != nil {
		w.assoc.onPromoted(c, y, was, wasLEA)
	}
	return true
}

// tournament draws up to six candidates from pl, keeps those with enough
// years in post, and picks one with probability proportional to its weight.
func (w *world) tournament(pl pool, y int, rp *roleParams) int32 {
	if len(pl) == 0 {
		return -1
	}
	var cands [6]int32
	var weights [6]float64
	m := 0
	for range len(cands) {
		i := pl[w.rng.IntN(len(pl))]
		p := &w.people[i]
		if int(p.since) > y-rp.minYears {
			continue
		}
		wt := 1.0
		if isLatino(p.prof) {
			wt *= rp.latinoBias
		}
		if w.assoc != nil && w.assoc.active(p.member) {
			wt *= w.p.memberBoost
			if p.flags&flagCred != 0 {
				wt *= w.p.credBoost
			}
		}
		cands[m], weights[m] = i, wt
		m++
	}
	if m == 0 {
		return -1
	}
	return cands[pickWeighted(w.rng, weights[:m])]
}

// hire fills post r at unit with a new person. latinoShare < 0 means the
// role's own share for the year.
func (w *world) hire(r int8, unit int32, y int, first bool, latinoShare float64) {
	rp := &w.p.roles[r]
	if latinoShare < 0 {
		latinoShare = w.p.latino(r, y, first)
	}
	i := int32(len(w.people))
	w.people = append(w.people, person{
		key:    w.keys.key(w.keyBase + uint64(i) + 1),
		member: -1,
		pos:    [3]int32{-1, -1, -1},
		prof:   drawStaffProfile(w.rng, latinoShare, &w.p.staffMix),
		gender: drawGender(w.rng, rp.female),
	})
	w.place(i, r, unit)
	since := y
	if first {
		since -= w.rng.IntN(rp.tenure + 1)
	}
	w.people[i].since = int16(since)
	if w.assoc != nil {
		w.assoc.onHire(i)
	}
}

// teacherHireShare steers the Latino share of this year's teacher hires so
// that the known teachers reach params.teacherTarget(y): the public figures
// are for the stock of teachers, and promotions draw Latino teachers
// (members especially) out of it faster than others.
func (w *world) teacherHireShare(y int, vacancies int) float64 {
	target := w.p.teacherTarget(y)
	movers, moversLatino := 0, 0
	count := func(list []int32) {
		for _, i := range list {
			movers++
			if isLatino(w.people[i].prof) {
				moversLatino++
			}
		}
	}
	count(w.movers[roleTeacher])
	for _, l := range w.leas {
		count(l.movers[roleTeacher])
	}
	c := w.cnt[roleTeacher]
	hires := float64(vacancies - movers)
	if hires < 1 {
		return target
	}
	posts := float64(c.placed + vacancies)
	need := target*posts*(1-unknownStaffShare) - float64(c.latino+moversLatino)
	share := need / (hires * (1 - unknownStaffShare))
	return min(max(share, 0.25*target), min(0.95, 2*target+0.1))
}

// emit writes the year's staff rows and counts the year's statistics.
func (w *world) emit(yi, y int) {
	st := &w.stats[yi]
	year := uint16(y)
	for i := range w.people {
		p := &w.people[i]
		if p.role < 0 {
			continue
		}
		var pl *place
		if schoolRole(p.role) {
			pl = w.schools[p.school].pl
		} else {
			pl = w.leas[p.lea].pl
		}
		fte := float32(1)
		if p.role == roleTeacher {
			fte = teacherFTE(p.key)
		}
		if p.flags&flagDual != 0 {
			w.out.staff.add(year, staffRow{pl: pl, key: p.key, fte: 0.5, year: year, title: roleTitles[roleTeacher][0],
				role: roleTeacher, prof: p.prof, gender: p.gender})
			fte = 0.5
		}
		w.out.staff.add(year, staffRow{pl: pl, key: p.key, fte: fte, year: year, title: p.title,
			role: p.role, prof: p.prof, gender: p.gender})
		switch {
		case p.role >= roleAP:
			t := tierOf(p.role)
			st.leaders[t]++
			if isLatino(p.prof) {
				st.latinoLeaders[t]++
			}
		case p.role == roleTeacher:
			st.teachers++
			if p.prof != profUnknown {
				st.knownTeachers++
			}
			if isLatino(p.prof) {
				st.latinoTeachers++
			}
		}
	}
}

// teacherFTE: most teachers are full time; about 6% half and 4% three
// quarters (estimate), stable for the person.
func teacherFTE(key uint64) float32 {
	switch v := (key >> 40) % 100; {
	case v < 6:
		return 0.5
	case v < 10:
		return 0.75
	}
	return 1
}
