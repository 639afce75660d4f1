package seed

import (
	"math"
	"math/rand/v2"
)

// ellRate is the share of English learners by ethnicity. Calibrated so that
// Utah's total is ≈8.8% (docs/calibration.md: English learners 8.8% in
// 2023-24) with most English learners Latino; the split itself is an estimate.
var ellRate = [numEth]float64{
	ethUnknown: 0.05, ethHispanic: 0.32, ethAIAN: 0.10, ethAsian: 0.15, ethBlack: 0.12,
	ethNHPI: 0.12, ethWhite: 0.025, ethTwoOrMore: 0.03,
}

// unknownStudentShare of non-Latino students have no ethnicity reported.
const unknownStudentShare = 0.003

// enroll shares each group's students of the year among its open schools
// (by their weights) and writes enrollment rows by ethnicity and ELL status.
func (w *world) enroll(yi, y int) {
	year := uint16(y)
	for _, g := range w.groups {
		var sum float64
		for _, si := range g.schools {
			if s := w.schools[si]; s.open <= y {
				sum += s.weight
			}
		}
		for _, si := range g.schools {
			s := w.schools[si]
			s.students = 0
			if s.open <= y && sum > 0 {
				s.students = max(10, stochRound(w.erng, float64(g.total[yi])*s.weight/sum))
			}
		}
		var mixSum float64
		for _, m := range g.mix {
			mixSum += m
		}
		shares := w.latinoShares(g, g.hisp[yi], y)
		for k, si := range g.schools {
			s := w.schools[si]
			if s.students == 0 {
				continue
			}
			h := shares[k]
			var counts [numEth]int
			counts[ethHispanic] = stochRound(w.erng, float64(s.students)*h)
			rest := s.students - counts[ethHispanic]
			counts[ethUnknown] = stochRound(w.erng, float64(rest)*unknownStudentShare)
			known := float64(rest - counts[ethUnknown])
			others := counts[ethUnknown] + counts[ethHispanic]
			for m, e := range [...]uint8{ethAIAN, ethAsian, ethBlack, ethNHPI, 255, ethTwoOrMore} {
				if e == 255 {
					continue // white takes the rest
				}
				counts[e] = stochRound(w.erng, known*g.mix[m]/mixSum)
				others += counts[e]
			}
			counts[ethWhite] = max(0, s.students-others)
			for e := range numEth {
				n := counts[e]
				if n == 0 {
					continue
				}
				ell := min(n, stochRound(w.erng, float64(n)*ellRate[e]))
				if ell > 0 {
					w.out.enroll.add(year, enrollRow{pl: s.pl, students: uint32(ell), year: year, eth: e, ell: 1})
				}
				if n-ell > 0 {
					w.out.enroll.add(year, enrollRow{pl: s.pl, students: uint32(n - ell), year: year, eth: e, ell: 0})
				}
			}
		}
	}
}

// latinoShares returns the Latino share of each school of g (by position in
// g.schools) open in year y: on the logit scale, the group's share plus the
// school's own shift plus one shift for the group, chosen so that the
// schools' size-weighted mean is the group's share exactly.
func (w *world) latinoShares(g *group, share float64, y int) []float64 {
	out := w.shares[:0]
	base := logit(share)
	var ws, ds []float64
	for _, si := range g.schools {
		s := w.schools[si]
		out = append(out, 0)
		if s.open <= y {
			ws = append(ws, s.weight)
			ds = append(ds, base+s.hispShift)
		}
	}
	c := calibrateShift(share, ws, ds)
	for k, si := range g.schools {
		if s := w.schools[si]; s.open <= y {
			out[k] = logistic(base + s.hispShift + c)
		}
	}
	w.shares = out
	return out
}

// calibrateShift finds c such that the weighted mean of logistic(x+c) is
// target (bisection; the mean grows with c).
func calibrateShift(target float64, weights, xs []float64) float64 {
	var sw float64
	for _, x := range weights {
		sw += x
	}
	if sw == 0 {
		return 0
	}
	lo, hi := -12.0, 12.0
	for range 40 {
		c := (lo + hi) / 2
		var m float64
		for i, x := range xs {
			m += weights[i] * logistic(x+c)
		}
		if m/sw < target {
			lo = c
		} else {
			hi = c
		}
	}
	return (lo + hi) / 2
}

func logit(p float64) float64 {
	p = min(max(p, 1e-4), 1-1e-4)
	return math.Log(p / (1 - p))
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// stochRound rounds x up with probability equal to its fraction, so sums of
// many rounded values stay unbiased.
func stochRound(rng *rand.Rand, x float64) int {
	if x <= 0 {
		return 0
	}
	n := int(x)
	if rng.Float64() < x-float64(n) {
		n++
	}
	return n
}
