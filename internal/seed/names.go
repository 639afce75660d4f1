package seed

import (
	"math/rand/v2"
	"strconv"
)

// Made-up names of schools, charter LEAs and (national) districts, built
// from common landscape words. Any likeness to a real school is chance; the
// rows are flagged synthetic.

var nameFirst = []string{"Aspen", "Bear", "Bonneville", "Canyon", "Cedar", "Cherry", "Copper", "Cottonwood",
	"Desert", "Eagle", "Elk", "Falcon", "Fox", "Golden", "Granite", "Hawk", "Hidden", "Juniper", "Lake", "Maple",
	"Meadow", "Mesa", "Mountain", "Oak", "Pioneer", "Pine", "Quail", "Red Rock", "River", "Sage", "Sand",
	"Silver", "Spring", "Stone", "Summit", "Sun", "Sunset", "Timber", "Valley", "Willow", "Wild Rose", "Wolf"}

var nameSecond = []string{"Ridge", "Hollow", "Meadows", "Creek", "Canyon", "View", "Crest", "Valley", "Point",
	"Park", "Grove", "Springs", "Hills", "Field", "Bluff", "Brook", "Heights", "Trail", "Vista", "Peak"}

// namer hands out names unique within one LEA (or one state, for districts).
type namer struct {
	rng  *rand.Rand
	used map[string]bool // membership only; never iterated
}

func newNamer(rng *rand.Rand) *namer { return &namer{rng: rng, used: map[string]bool{}} }

func (n *namer) base() string {
	for range 8 {
		s := nameFirst[n.rng.IntN(len(nameFirst))] + " " + nameSecond[n.rng.IntN(len(nameSecond))]
		if !n.used[s] {
			n.used[s] = true
			return s
		}
	}
	for k := 2; ; k++ {
		s := nameFirst[n.rng.IntN(len(nameFirst))] + " " + nameSecond[n.rng.IntN(len(nameSecond))] + " " + strconv.Itoa(k)
		if !n.used[s] {
			n.used[s] = true
			return s
		}
	}
}

// school names a school of a level.
func (n *namer) school(level string) string {
	b := n.base()
	switch level {
	case "elementary":
		return b + " Elementary"
	case "middle":
		if n.rng.IntN(3) == 0 {
			return b + " Junior High"
		}
		return b + " Middle School"
	case "high":
		return b + " High School"
	}
	return b + []string{" Academy", " Online School", " Learning Center", " Alternative High School"}[n.rng.IntN(4)]
}

var charterSuffixes = []string{"Academy", "Charter School", "Preparatory Academy", "Leadership Academy",
	"STEM Academy", "Arts Academy", "Montessori", "Classical Academy", "Community School", "Early College High School"}

// charter names a charter LEA.
func (n *namer) charter() string {
	return n.base() + " " + charterSuffixes[n.rng.IntN(len(charterSuffixes))]
}

var placeFirst = []string{"Ash", "Bell", "Brook", "Cedar", "Clay", "Deer", "Elm", "Fair", "Glen", "Green", "Hart",
	"Hill", "Lake", "Lin", "Mill", "Oak", "Pine", "Red", "Rock", "Rose", "Spring", "Stone", "Sum", "West", "Wood",
	"Alder", "Birch", "Cole", "Dun", "Fern"}

var placeSecond = []string{"ville", "ton", "field", "wood", "dale", "port", "view", "brook", "ford", "land", "burg",
	"mont", "haven", "water", "crest", "ridge", "more", "by"}

var districtForms = []string{"%s School District", "%s Public Schools", "%s County Schools",
	"%s Unified School District", "%s Community Schools", "%s Consolidated School District"}

// town makes up a town name.
func (n *namer) town() string {
	for range 8 {
		s := placeFirst[n.rng.IntN(len(placeFirst))] + placeSecond[n.rng.IntN(len(placeSecond))]
		if !n.used[s] {
			n.used[s] = true
			return s
		}
	}
	return placeFirst[n.rng.IntN(len(placeFirst))] + placeSecond[n.rng.IntN(len(placeSecond))] + " Valley"
}
