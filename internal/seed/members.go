package seed

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// association simulates the members of the Latino educators' association
// (ALAS-Utah, founded September 2015: docs/calibration.md) inside a world:
// who joins, and the events of their careers and membership.
type association struct {
	w       *world
	rng     *rand.Rand
	state   string
	founded time.Time // no member joins before
	cutoff  time.Time // no event after (the data are loaded the next day)
	// joins is how many people join in a school year (0 before founding).
	joins func(year int) int
	// latinoShare of new members are Latino (the rest are allies).
	latinoShare float64
	members     []member
	latino      []int32 // people ever hired who are Latino, to draw members from
}

type member struct {
	id       string
	person   int32
	lea      int32 // LEA at the member's latest event
	joined   time.Time
	left     *time.Time
	mentored bool
}

// pdTopics name the professional development members complete.
var pdTopics = []string{
	"Culturally responsive leadership", "Leading English learner programs", "Data-driven instruction",
	"Dual language immersion", "Instructional coaching", "School law and policy", "Family and community engagement",
	"Aspiring principals academy",
}

func newAssociation(w *world, rng *rand.Rand, state string, founded, cutoff time.Time, joins func(int) int, latinoShare float64) *association {
	return &association{w: w, rng: rng, state: state, founded: founded, cutoff: cutoff, joins: joins, latinoShare: latinoShare}
}

func (a *association) active(m int32) bool { return m >= 0 && a.members[m].left == nil }

// onHire notes Latino hires, the people most members are drawn from.
func (a *association) onHire(i int32) {
	if isLatino(a.w.people[i].prof) {
		a.latino = append(a.latino, i)
	}
}

// onExit: a member who leaves the profession (at the end of the school year
// before y) leaves the association too.
func (a *association) onExit(i int32, y int) {
	p := &a.w.people[i]
	if !a.active(p.member) {
		return
	}
	d, ok := a.dateIn(date(y, 6, 10), date(y, 7, 31))
	if !ok {
		d = a.cutoff
	}
	a.leave(p.member, d, p.role, p.lea, "left the profession")
}

// onPromoted writes a promoted event for a member (posts start in July).
func (a *association) onPromoted(i int32, y int, was int8, wasLEA int32) {
	p := &a.w.people[i]
	if !a.active(p.member) {
		return
	}
	if d, ok := a.dateIn(date(y, 7, 1), date(y, 8, 15)); ok {
		detail := "from " + roleCodes[was]
		if wasLEA != p.lea {
			detail += " in another LEA"
		}
		a.event(p.member, d, "promoted", p.role, p.lea, detail)
	}
}

// onMoved writes a moved event for a member who took the same post elsewhere.
func (a *association) onMoved(i int32, y int, fromLEA int32) {
	p := &a.w.people[i]
	if !a.active(p.member) {
		return
	}
	detail := "to another school in the district"
	if fromLEA != p.lea {
		detail = "to another LEA"
	}
	if d, ok := a.dateIn(date(y, 7, 1), date(y, 8, 15)); ok {
		a.event(p.member, d, "moved", p.role, p.lea, detail)
	}
}

// year runs school year y of the association: new members, then what every
// member does during the year.
func (a *association) year(y int) {
	start, end := date(y, 8, 1), date(y+1, 7, 31)
	if end.Before(a.founded) {
		return
	}
	from := len(a.members)
	for range a.joins(y) {
		a.join(y)
	}
	conf := conferenceDate(y)
	for m := range a.members {
		mb := &a.members[m]
		if mb.left != nil {
			continue
		}
		p := &a.w.people[mb.person]
		joined := mb.joined
		if m < from && a.rng.Float64() < 0.03 {
			if d, ok := a.dateIn(start, end); ok {
				a.leave(int32(m), d, p.role, p.lea, "membership ended")
				continue
			}
		}
		// The annual conference (October): leaders go more often.
		attend := 0.55
		if p.role >= roleAP {
			attend = 0.7
		}
		if conf.After(joined) && !conf.After(a.cutoff) && a.rng.Float64() < attend {
			a.event(int32(m), conf, "conference_attended", p.role, p.lea, fmt.Sprintf("ALAS-Utah annual conference %d", y))
		}
		// Professional development: none, one or two courses a year.
		for range pickWeighted(a.rng, []float64{0.4, 0.4, 0.2}) {
			if d, ok := a.dateIn(later(joined, date(y, 9, 1)), date(y+1, 6, 15)); ok {
				a.event(int32(m), d, "pd_completed", p.role, p.lea, pdTopics[a.rng.IntN(len(pdTopics))])
			}
		}
		// Mentorship: once, started in the fall, most finish by spring.
		if !mb.mentored && a.rng.Float64() < 0.3 {
			if d, ok := a.dateIn(later(joined, date(y, 9, 15)), date(y, 11, 30)); ok {
				mb.mentored = true
				a.event(int32(m), d, "mentorship_started", p.role, p.lea, "leadership mentorship")
				if a.rng.Float64() < 0.85 {
					if d, ok := a.dateIn(date(y+1, 4, 1), date(y+1, 5, 31)); ok {
						a.event(int32(m), d, "mentorship_completed", p.role, p.lea, "leadership mentorship")
					}
				}
			}
		}
		// Teachers earn the administrative credential that opens the way to
		// assistant principal posts.
		if p.role <= roleTeacherLeader && p.flags&flagCred == 0 && a.rng.Float64() < 0.12 {
			if d, ok := a.dateIn(date(y+1, 4, 1), date(y+1, 6, 30)); ok {
				p.flags |= flagCred
				a.event(int32(m), d, "credential_earned", p.role, p.lea, "Administrative/Supervisory license")
			}
		}
	}
}

// join makes one more member in school year y: a Latino educator mostly,
// sometimes an ally, never someone already a member.
func (a *association) join(y int) {
	d, ok := a.dateIn(later(a.founded, date(y, 9, 1)), date(y+1, 5, 31))
	if !ok {
		return
	}
	people := a.w.people
	pick := func(draw func() int32) int32 {
		for range 200 {
			i := draw()
			if people[i].role >= 0 && people[i].member < 0 {
				return i
			}
		}
		return -1
	}
	i := int32(-1)
	if a.rng.Float64() < a.latinoShare && len(a.latino) > 0 {
		i = pick(func() int32 { return a.latino[a.rng.IntN(len(a.latino))] })
	}
	if i < 0 {
		i = pick(func() int32 { return int32(a.rng.IntN(len(people))) })
	}
	if i < 0 {
		return
	}
	m := int32(len(a.members))
	p := &people[i]
	p.member = m
	a.members = append(a.members, member{id: fmt.Sprintf("M%05d", m+1), person: i, lea: p.lea, joined: d})
	a.event(m, d, "joined", p.role, p.lea, "")
}

func (a *association) leave(m int32, d time.Time, role int8, l int32, detail string) {
	a.members[m].left = &d
	a.event(m, d, "left", role, l, detail)
}

func (a *association) event(m int32, d time.Time, typ string, role int8, l int32, detail string) {
	a.members[m].lea = l
	a.w.out.events.add(eventRow{member: a.members[m].id, date: d, typ: typ, role: roleCodes[role],
		lea: a.w.leas[l].id, detail: detail})
}

// finish writes the members rows (after the last year, with left_on).
func (a *association) finish() {
	for _, mb := range a.members {
		a.w.out.members.add(memberRow{id: mb.id, key: a.w.people[mb.person].key, state: a.state,
			lea: a.w.leas[mb.lea].id, joinedOn: mb.joined, leftOn: mb.left})
	}
}

// dateIn draws a day in [from, to], cut at the association's cutoff; ok is
// false when the range is empty.
func (a *association) dateIn(from, to time.Time) (time.Time, bool) {
	if to.After(a.cutoff) {
		to = a.cutoff
	}
	if from.After(to) {
		return time.Time{}, false
	}
	days := int(to.Sub(from).Hours()/24) + 1
	return from.AddDate(0, 0, a.rng.IntN(days)), true
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// conferenceDate is the second Saturday of October of year y.
func conferenceDate(y int) time.Time {
	d := date(y, 10, 1)
	off := (int(time.Saturday) - int(d.Weekday()) + 7) % 7
	return d.AddDate(0, 0, off+7)
}
