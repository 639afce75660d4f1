package metrics_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/scope"
)

// wrow is an expected row: its dimension values joined by "|", the value
// (nil: undefined) and, for shares over known ethnicity, the unknown share.
type wrow struct {
	dims string
	v, u *float64
}

func r(dims string, v *float64) wrow     { return wrow{dims: dims, v: v} }
func ru(dims string, v, u *float64) wrow { return wrow{dims: dims, v: v, u: u} }

// fcase is one hand-counted cut of one measure.
type fcase struct {
	measure  string
	dims     []string
	from, to int
	filters  []metrics.Filter
	rows     []wrow
	// why names the case in failures.
	why string
}

var (
	ut      = []metrics.Filter{{Dimension: metrics.DimState, In: []string{"UT"}}}
	years4  = [2]int{2020, 2023}
	y2023   = [2]int{2023, 2023}
	yearDim = []string{metrics.DimSchoolYear}
)

func cut(measure, why string, yrs [2]int, filters []metrics.Filter, dims []string, rows ...wrow) fcase {
	return fcase{measure: measure, dims: dims, from: yrs[0], to: yrs[1], filters: filters, rows: rows, why: why}
}

func dims(d ...string) []string { return d }

// fixtureCases: every measure of the catalog, at least two cuts each,
// counted by hand from the person table in fixture_data_test.go. "UT 2023"
// means the state filter UT and from = to = 2023.
//
// UT 2023 people at their highest post (A: district A, B: district B):
//
//	leaders   A: 101 H P, 103 H AP, 106 H DL, 107 W SUP, 108 W AP, 109 H AP, 114 H P      → 7, Latino 5, known 7
//	          B: 201 H P, 203 H AP, 204 U P, 209 W AP, 211 H SUP                          → 5, Latino 3, known 4
//	teachers  A: 105 W, 110 W, 111 Bk, 112 W, 113 U, 115 As                               → 6, Latino 0, known 5
//	          B: 202 W, 206 H                                                             → 2, Latino 1, known 2
//	other     B: 208 H TL
//
// UT leaders by year (people, Latino, known):
//
//	2020  A: 102 W P, 104 U AP, 106 H DL, 107 W SUP, 114 H P (5, 2, 4);  B: 201 H P, 205 W AP, 210 W SUP (3, 1, 3)  → 8, 3, 7
//	2021  A: + 115 As AP (6, 2, 5);  B: 201 H P, 204 U AP, 205 W P, 210 W SUP (4, 1, 3)                             → 10, 3, 8
//	2022  A: 101 H AP, 102, 103 H AP, 104, 106, 107, 114 (7, 4, 6);  B: 201, 203 H AP, 204 U AP, 205, 211 H SUP (5, 3, 4) → 12, 7, 10
//	2023  (above)                                                                                                  → 12, 8, 11
//
// UT teachers by year (people, Latino, known):
//
//	2020  101 H, 105, 108, 113 U, 202, 203 H, 204 U                         → 7, 2, 5
//	2021  101 H, 103 H, 105, 108, 109 H, 110, 113 U, 202, 203 H, 206 H, 207, 208 H → 12, 6, 11
//	2022  108, 109 H, 110, 111, 113 U, 115, 202, 206 H, 207, 209            → 10, 2, 9
//	2023  (above)                                                           → 8, 1, 7
//
// Enrollment (Latino, known, all) — every year but 2023 for A1:
//
//	A1 100/300/320 (2023: 120/320/340)  A2 150/300/300  B1 50/200/210  B2 80/100/100  B3 30/100/100  C1 300/400/400
//	UT 2020-2022: 410/1000/1030; UT 2023: 430/1020/1050; A 2023: 270/620/640; B: 160/400/410
//
// Moves t → t+1 in UT (cohort, promoted; * = promoted):
//
//	2020 A: 101 T, 102 P, 104 AP, 105 T, 106 DL, 107 SUP, 108 T, 113 T, 114 P (9, 0)
//	     B: 201 P, 202 T, 203 T, 204 T→AP*, 205 AP→P*, 210 SUP (6, 2)                       → 15, 2
//	2021 A: 101 T→AP*, 102, 103 T→AP*, 104, 105 T→TL*, 106, 107, 108, 109, 110, 113, 114, 115 AP→T (13, 3)
//	     B: 201, 202, 203 T→AP*, 204 AP, 205 P, 206, 207, 208 T→TL*, 210 SUP→gone (9, 2)   → 22, 5
//	2022 A: 101 AP→P*, 102 P→gone, 103 AP, 104 AP→gone, 105 TL→T, 106, 107, 108 T→AP*, 109 T→AP*,
//	        110, 111, 113, 114, 115 (14, 3)
//	     B: 201, 202, 203 AP, 204 AP→P*, 205 P→gone, 206, 207 T→gone, 208 TL, 209 T→AP*, 211 (10, 2) → 24, 5
//	2023: the last year with data, no cohort.
//	(Promotion cohorts leave out the top rank, state_leader: Utah has none here.)
//
// Members during a school year (member dimension): 101 2021-, 103 2020-2021,
// 109 2022-, 110 2023-, 204 2022-, 206 2018-, 301 2020-.
func fixtureCases() []fcase {
	var (
		A, B, C, S = leaA, leaB, leaC, leaS
	)
	return []fcase{
		// leaders
		cut("leaders", "UT 2023", y2023, ut, nil, r("", num(12))),
		cut("leaders", "2023 by district, both states: C 301 AP + 302 P; S 304 + 305 SL", y2023, nil, dims("district"),
			r(A, num(7)), r(B, num(5)), r(C, num(2)), r(S, num(2))),
		cut("leaders", "UT by year", years4, ut, yearDim,
			r("2020", num(8)), r("2021", num(10)), r("2022", num(12)), r("2023", num(12))),
		// Roles with people only: no assistant superintendent or state
		// leader in Utah, so no row for them.
		cut("leaders", "UT 2023 by role: AP 103 108 109 203 209; P 101 114 201 204; DL 106; SUP 107 211", y2023, ut, dims("role"),
			r("teacher", num(0)), r("teacher_leader", num(0)), r("assistant_principal", num(5)), r("principal", num(4)),
			r("district_leader", num(1)), r("superintendent", num(2))),
		cut("leaders", "UT 2023 by member: 101, 109, 204 are members", y2023, ut, dims("member"),
			r("yes", num(3)), r("no", num(9))),

		// latino_leaders
		cut("latino_leaders", "UT 2023", y2023, ut, nil, r("", num(8))),
		cut("latino_leaders", "2023 by district: C 301; S 305", y2023, nil, dims("district"),
			r(A, num(5)), r(B, num(3)), r(C, num(1)), r(S, num(1))),
		cut("latino_leaders", "UT 2023 by ethnicity (111 black and 115 asian are teachers)", y2023, ut, dims("ethnicity"),
			r("hispanic_latino", num(8)), r("white", num(0)), r("unknown", num(0)), r("black", num(0)), r("asian", num(0))),

		// latino_leader_share = Latino ÷ known leaders; unknown = (leaders − known) ÷ leaders
		cut("latino_leader_share", "UT 2023: 8 of 11 known; 1 of 12 unknown (204)", y2023, ut, nil,
			ru("", frac(8, 11), frac(1, 12))),
		cut("latino_leader_share", "2023 by district: A 5/7; B 3/4, 204 unknown; C 1/2; S 1/2", y2023, nil, dims("district"),
			ru(A, frac(5, 7), num(0)), ru(B, frac(3, 4), frac(1, 5)), ru(C, frac(1, 2), num(0)), ru(S, frac(1, 2), num(0))),
		cut("latino_leader_share", "UT by year", years4, ut, yearDim,
			ru("2020", frac(3, 7), frac(1, 8)), ru("2021", frac(3, 8), frac(2, 10)), ru("2022", frac(7, 10), frac(2, 12)),
			ru("2023", frac(8, 11), frac(1, 12))),
		// tier school: AP and P 101 103 108 109 114 201 203 204 209 (Latino 6,
		// known 8); district: 106 H, 107 W, 211 H. No state leaders in Utah.
		cut("latino_leader_share", "UT 2023 by tier", y2023, ut, dims("tier"),
			ru("school", frac(6, 8), frac(1, 9)), ru("district", frac(2, 3), num(0))),

		// staff: everyone at their highest post
		cut("staff", "UT 2023: A 13 people, B 8", y2023, ut, nil, r("", num(21))),
		cut("staff", "UT 2023 by district", y2023, ut, dims("district"), r(A, num(13)), r(B, num(8))),
		cut("staff", "UT 2023 by role", y2023, ut, dims("role"),
			r("teacher", num(8)), r("teacher_leader", num(1)), r("assistant_principal", num(5)), r("principal", num(4)),
			r("district_leader", num(1)), r("superintendent", num(2))),

		// latino_staff: A 101 103 106 109 114; B 201 203 206 208 211 (2023)
		cut("latino_staff", "UT 2023", y2023, ut, nil, r("", num(10))),
		cut("latino_staff", "UT by year: 2020 101 106 114 201 203; 2021 + 103 109 206 208; 2022 + 211", years4, ut, yearDim,
			r("2020", num(5)), r("2021", num(9)), r("2022", num(10)), r("2023", num(10))),

		// latino_staff_share: unknown 113 and 204 of 21
		cut("latino_staff_share", "UT 2023: 10 of 19 known", y2023, ut, nil, ru("", frac(10, 19), frac(2, 21))),
		cut("latino_staff_share", "UT 2023 by role", y2023, ut, dims("role"),
			ru("teacher", frac(1, 7), frac(1, 8)), ru("teacher_leader", num(1), num(0)), ru("assistant_principal", frac(3, 5), num(0)),
			ru("principal", num(1), frac(1, 4)), ru("district_leader", num(1), num(0)), ru("superintendent", frac(1, 2), num(0))),

		// teachers (2023: 202 teaches at B1 .4 and B2 .6, counted at B2)
		cut("teachers", "UT 2023", y2023, ut, nil, r("", num(8))),
		cut("teachers", "UT 2023 by school: A1 105 111 112 113 115; A2 110; B1 206; B2 202; offices none", y2023, ut, dims("school"),
			r(schA1, num(5)), r(schA2, num(1)), r(schB1, num(1)), r(schB2, num(1)), r("", num(0))),
		cut("teachers", "UT by year", years4, ut, yearDim, r("2020", num(7)), r("2021", num(12)), r("2022", num(10)), r("2023", num(8))),

		// latino_teachers
		cut("latino_teachers", "UT 2023: 206", y2023, ut, nil, r("", num(1))),
		cut("latino_teachers", "UT by year", years4, ut, yearDim, r("2020", num(2)), r("2021", num(6)), r("2022", num(2)), r("2023", num(1))),
		cut("latino_teachers", "UT 2021 by gender: F 101 109 208; M 103 203 206; 113 unknown gender, not Latino",
			[2]int{2021, 2021}, ut, dims("gender"), r("female", num(3)), r("male", num(3)), r("unknown", num(0))),

		// latino_teacher_share
		cut("latino_teacher_share", "UT 2023: 1 of 7 known, 113 unknown of 8", y2023, ut, nil, ru("", frac(1, 7), frac(1, 8))),
		cut("latino_teacher_share", "UT 2023 by district: A 0 of 5 (113 unknown of 6); B 206 of 202, 206", y2023, ut, dims("district"),
			ru(A, num(0), frac(1, 6)), ru(B, frac(1, 2), num(0))),
		cut("latino_teacher_share", "UT by year", years4, ut, yearDim,
			ru("2020", frac(2, 5), frac(2, 7)), ru("2021", frac(6, 11), frac(1, 12)), ru("2022", frac(2, 9), frac(1, 10)),
			ru("2023", frac(1, 7), frac(1, 8))),

		// students
		cut("students", "UT 2023", y2023, ut, nil, r("", num(1050))),
		cut("students", "UT 2023 by school (B3 has students and no staff; office posts no students)", y2023, ut, dims("school"),
			r(schA1, num(340)), r(schA2, num(300)), r(schB1, num(210)), r(schB2, num(100)), r(schB3, num(100))),
		cut("students", "UT 2023 by ethnicity: W 200+150+150+20+70; U 20+10", y2023, ut, dims("ethnicity"),
			r("hispanic_latino", num(430)), r("white", num(590)), r("unknown", num(30))),
		cut("students", "UT by year", years4, ut, yearDim, r("2020", num(1030)), r("2021", num(1030)), r("2022", num(1030)), r("2023", num(1050))),

		// latino_students
		cut("latino_students", "UT 2023: A1 50+70 ELL and not", y2023, ut, nil, r("", num(430))),
		cut("latino_students", "2023 by district (the state agency S has no students)", y2023, nil, dims("district"),
			r(A, num(270)), r(B, num(160)), r(C, num(300))),
		cut("latino_students", "UT 2023 by school level: elementary A1 120 + B2 80; high A2 150 + B3 30; middle B1 50", y2023, ut,
			dims("school_level"), r("elementary", num(200)), r("high", num(180)), r("middle", num(50))),

		// latino_student_share
		cut("latino_student_share", "UT 2023", y2023, ut, nil, ru("", frac(430, 1020), frac(30, 1050))),
		cut("latino_student_share", "UT 2023 by lea_type: regular A, charter B", y2023, ut, dims("lea_type"),
			ru("regular", frac(270, 620), frac(20, 640)), ru("charter", frac(160, 400), frac(10, 410))),
		cut("latino_student_share", "UT by year", years4, ut, yearDim,
			ru("2020", frac(410, 1000), frac(30, 1030)), ru("2021", frac(410, 1000), frac(30, 1030)),
			ru("2022", frac(410, 1000), frac(30, 1030)), ru("2023", frac(430, 1020), frac(30, 1050))),

		// representation_index = leader share ÷ student share
		cut("representation_index", "UT 2023", y2023, ut, nil, r("", num((8.0/11)/(430.0/1020)))),
		cut("representation_index", "2023 by district: C (1/2)/(300/400); S has no students", y2023, nil, dims("district"),
			r(A, num((5.0/7)/(270.0/620))), r(B, num(0.75/0.4)), r(C, num(0.5/0.75)), r(S, nil)),
		// A1 leaders 101 109 (2 of 2); A2 103 108 114 (2 of 3); B1 201 203 209
		// (2 of 3); B2 only 204 (unknown); B3 no leaders; offices no students.
		cut("representation_index", "UT 2023 by school", y2023, ut, dims("school"),
			r(schA1, num(1/(120.0/320))), r(schA2, num((2.0/3)/(150.0/300))), r(schB1, num((2.0/3)/(50.0/200))),
			r(schB2, nil), r(schB3, nil), r("", nil)),

		// representation_gap = (student share − leader share) × 100
		cut("representation_gap", "2023 by district", y2023, nil, dims("district"),
			r(A, num((270.0/620-5.0/7)*100)), r(B, num((0.4-0.75)*100)), r(C, num((0.75-0.5)*100)), r(S, nil)),
		cut("representation_gap", "UT by year", years4, ut, yearDim,
			r("2020", num((0.41-3.0/7)*100)), r("2021", num((0.41-3.0/8)*100)), r("2022", num((0.41-0.7)*100)),
			r("2023", num((430.0/1020-8.0/11)*100))),

		// pipeline_parity = (Latino/known of the rank) ÷ (Latino/known of the rank below)
		// UT 2023 (Latino/known): T 1/7, TL 1/1 (208), AP 3/5, P 3/3, DL 1/1,
		// SUP 1/2. Assistant superintendent and state leader rows come from
		// the rank below (DL, SUP) and have no people: undefined.
		cut("pipeline_parity", "UT 2023 by role", y2023, ut, dims("role"),
			r("teacher", nil), r("teacher_leader", num(1/(1.0/7))), r("assistant_principal", num((3.0/5)/1)),
			r("principal", num(1/(3.0/5))), r("district_leader", num(1)), r("assistant_superintendent", nil),
			r("superintendent", nil), r("state_leader", nil)),
		// 2022: TL 105 W, 208 H (1/2); AP 101 H 103 H 104 U 203 H 204 U (3/3);
		// P 102 W 114 H 201 H 205 W (2/4).
		cut("pipeline_parity", "UT 2022-2023 by year and role, role in AP, P", [2]int{2022, 2023},
			append(slices.Clone(ut), metrics.Filter{Dimension: "role", In: []string{AP, P}}), dims("school_year", "role"),
			r("2022|assistant_principal", num(1/0.5)), r("2022|principal", num(0.5/1)),
			r("2023|assistant_principal", num(0.6)), r("2023|principal", num(1/0.6))),
		// A: P 101 114 (2/2) over AP 103 108 109 (2/3); B: P 201 204 (1/1) over AP 203 209 (1/2).
		cut("pipeline_parity", "UT 2023 principals by district", y2023,
			append(slices.Clone(ut), metrics.Filter{Dimension: "role", In: []string{P}}), dims("district", "role"),
			r(A+"|principal", num(1/(2.0/3))), r(B+"|principal", num(1/(1.0/2)))),

		// schools_with_latino_leader (schools with staff; B3 has none)
		// 2020: A1 (102 W P) no, A2 (114 H P) yes, B1 (201) yes, B2 (205 W AP) no
		// 2021: A1 (102 W P, 115 As AP) no, A2 yes, B1 yes, B2 (204 U, 205 W) no
		// 2022: A1 (101 H AP) yes, A2 yes, B1 yes, B2 no;  2023: A1, A2, B1 yes, B2 (204 U P) no
		cut("schools_with_latino_leader", "UT 2023", y2023, ut, nil, r("", num(3))),
		cut("schools_with_latino_leader", "UT by year", years4, ut, yearDim,
			r("2020", num(2)), r("2021", num(2)), r("2022", num(3)), r("2023", num(3))),
		cut("schools_with_latino_leader", "2023 by district: C1 301 H AP; S has no schools", y2023, nil, dims("district"),
			r(A, num(2)), r(B, num(1)), r(C, num(1))),

		// schools_with_latino_leader_share: of 4 UT schools with staff (A1 A2 B1 B2)
		cut("schools_with_latino_leader_share", "UT 2023", y2023, ut, nil, r("", frac(3, 4))),
		cut("schools_with_latino_leader_share", "UT 2023 by district", y2023, ut, dims("district"), r(A, num(1)), r(B, frac(1, 2))),
		cut("schools_with_latino_leader_share", "UT by year", years4, ut, yearDim,
			r("2020", frac(2, 4)), r("2021", frac(2, 4)), r("2022", frac(3, 4)), r("2023", frac(3, 4))),

		// latino_students_per_latino_leader
		cut("latino_students_per_latino_leader", "UT 2023", y2023, ut, nil, r("", frac(430, 8))),
		// S, the state agency, enrolls no students: with no enrollment data
		// the ratio is undefined, not 0.
		cut("latino_students_per_latino_leader", "2023 by district: S no enrollment, 1 Latino leader", y2023, nil, dims("district"),
			r(A, frac(270, 5)), r(B, frac(160, 3)), r(C, num(300)), r(S, nil)),
		cut("latino_students_per_latino_leader", "UT by year", years4, ut, yearDim,
			r("2020", frac(410, 3)), r("2021", frac(410, 3)), r("2022", frac(410, 7)), r("2023", frac(430, 8))),

		// yoy_growth of Latino leaders: UT 3, 3, 7, 8; A 2, 2, 4, 5; B 1, 1, 3, 3
		cut("yoy_growth", "UT by year: none before 2020", years4, ut, yearDim,
			r("2020", nil), r("2021", num(0)), r("2022", num(7.0/3-1)), r("2023", num(8.0/7-1))),
		cut("yoy_growth", "UT by district and year", years4, ut, dims("district", "school_year"),
			r(A+"|2020", nil), r(A+"|2021", num(0)), r(A+"|2022", num(1)), r(A+"|2023", num(0.25)),
			r(B+"|2020", nil), r(B+"|2021", num(0)), r(B+"|2022", num(2)), r(B+"|2023", num(0))),

		// cagr of Latino leaders
		cut("cagr", "UT 2020-2023: 3 → 8", years4, ut, nil, r("", num(math.Pow(8.0/3, 1.0/3)-1))),
		cut("cagr", "UT 2020-2023 by district: A 2 → 5, B 1 → 3", years4, ut, dims("district"),
			r(A, num(math.Pow(5.0/2, 1.0/3)-1)), r(B, num(math.Pow(3, 1.0/3)-1))),
		cut("cagr", "2021-2023 by state: UT 3 → 8; NV none in 2021", [2]int{2021, 2023}, nil, dims("state"),
			r("UT", num(math.Sqrt(8.0/3)-1)), r("NV", nil)),

		// promotion_rate
		cut("promotion_rate", "UT pooled 2020-2023", years4, ut, nil, r("", frac(12, 61))),
		cut("promotion_rate", "UT by year", years4, ut, yearDim,
			r("2020", frac(2, 15)), r("2021", frac(5, 22)), r("2022", frac(5, 24)), r("2023", nil)),
		// teacher: 2020 4+3 (204), 2021 7 (101 103 105) + 5 (203 208), 2022 6 (108 109) + 4 (209) → 9 of 29
		// TL: 105, 208 in 2022 (0 of 2); AP: 2020 104, 205*; 2021 104, 115, 204; 2022 101*, 103, 104, 203, 204* → 3 of 10
		// P: 3 + 4 + 4, none; DL 106 ×3; SUP 107 ×3, 210 ×2, 211
		cut("promotion_rate", "UT pooled by role", years4, ut, dims("role"),
			r("teacher", frac(9, 29)), r("teacher_leader", num(0)), r("assistant_principal", frac(3, 10)), r("principal", num(0)),
			r("district_leader", num(0)), r("superintendent", num(0))),
		cut("promotion_rate", "UT pooled by district: A 0+3+3 of 9+13+14, B 2+2+2 of 6+9+10", years4, ut, dims("district"),
			r(A, frac(6, 36)), r(B, frac(6, 25))),
		// Nevada: teachers 301 (2020), 301* (2021), 303 ×3; AP 301 (2022); P 302 ×3; state
		// leaders (304 ×3, 305 in 2022) are the top of the ladder: left out, undefined.
		cut("promotion_rate", "NV pooled by role", years4, []metrics.Filter{{Dimension: "state", In: []string{"NV"}}}, dims("role"),
			r("teacher", frac(1, 5)), r("assistant_principal", num(0)), r("principal", num(0)), r("state_leader", nil)),

		// promotion_rate_ratio = Latino rate ÷ rate of other known ethnicity.
		// Latino: 2020 101 106 114 201 203 (5, 0); 2021 101* 103* 106 109 114 201 203* 206 208* (9, 4);
		// 2022 101* 103 106 109* 114 201 203 206 208 211 (10, 2) → 6 of 24.
		// Unknown: 104, 113 ×3 (0), 204 ×3 (2). Other known: 61 − 24 − 9 = 28, 12 − 6 − 2 = 4.
		cut("promotion_rate_ratio", "UT pooled", years4, ut, nil, r("", num((6.0/24)/(4.0/28)))),
		// A: Latino 3 + 5 + 5 = 13, 0 + 2 + 2 = 4; other: 102 105 107 108 | 102 105* 107 108 110 115 |
		// 102 105 107 108* 110 111 115 → 17, 2. B: Latino 2 + 4 + 5 = 11, 2; other 202 205* 210 |
		// 202 205 207 210 | 202 205 207 209* → 11, 2.
		cut("promotion_rate_ratio", "UT pooled by district", years4, ut, dims("district"),
			r(A, num((4.0/13)/(2.0/17))), r(B, num((2.0/11)/(2.0/11)))),

		// median_years_to_promotion (Kaplan-Meier; spells start after 2020).
		// Teacher spells (d years, e = promoted to AP or above, c = censored):
		//   A: 103 2021→AP 2022 (1 e), 109 2021→AP 2023 (2 e), 110 2021 (2 c), 111 2022 (1 c), 112 2023 (0 c);
		//      115 was AP before teaching: no spell; 101 105 108 113 started in 2020: unknown start.
		//   B: 206 2021 (2 c), 207 2021 left after 2022 (1 c), 208 2021 TL only (2 c), 209 2022→AP 2023 (1 e).
		// AP spells (to principal or above):
		//   A: 101 2022→P 2023 (1 e), 103 2022 (1 c), 108 2023 (0 c), 109 2023 (0 c), 115 2021 demoted (2 c);
		//   B: 203 2022 (1 c), 204 2021→P 2023 (2 e), 209 2023 (0 c).
		// UT teacher: n 9; d0 1c; d1 at risk 8, 2e → S .75; d2 at risk 4, 1e → S .5625 > ½: undefined.
		// UT AP: n 8; d0 3c; d1 at risk 5, 1e → S .8; d2 at risk 2, 1e → S .4: median 2.
		cut("median_years_to_promotion", "UT by role", years4, ut, dims("role"),
			r("teacher", nil), r("assistant_principal", num(2))),
		// A teacher: d0 1c; d1 at risk 4, 1e → .75; d2 at risk 2, 1e → .375: 2.
		// A AP: d0 2c; d1 at risk 3, 1e → 2/3; d2 at risk 1, 0e: undefined.
		// B teacher: d1 at risk 4, 1e → .75; d2 at risk 2, 0e: undefined.
		// B AP: d0 1c; d1 at risk 2, 0e; d2 at risk 1, 1e → 0: 2.
		cut("median_years_to_promotion", "UT by district and role", years4, ut, dims("district", "role"),
			r(A+"|teacher", num(2)), r(A+"|assistant_principal", nil), r(B+"|teacher", nil), r(B+"|assistant_principal", num(2))),
		// teacher F: 109 (2e) 111 (1c) 112 (0c) 207 (1c) 208 (2c): d1 at risk 4, 0e; d2 at risk 2, 1e → .5: 2.
		// teacher M: 103 (1e) 110 (2c) 206 (2c) 209 (1e): d1 at risk 4, 2e → .5: 1.
		// AP F: 101 (1e) 109 (0c) 115 (2c) 204 (2e): d1 at risk 3 → 2/3; d2 at risk 2, 1e → 1/3: 2.
		// AP M: 103 (1c) 108 (0c) 203 (1c) 209 (0c): no promotion, undefined.
		cut("median_years_to_promotion", "UT by role and gender", years4, ut, dims("role", "gender"),
			r("teacher|female", num(2)), r("teacher|male", num(1)), r("assistant_principal|female", num(2)),
			r("assistant_principal|male", nil)),

		// retention_rate: leaders in t still leaders in t+1
		// 2020: all 8; 2021: 115 demoted, 210 gone → 8 of 10; 2022: 102, 104, 205 gone → 9 of 12
		cut("retention_rate", "UT by year", years4, ut, yearDim,
			r("2020", num(1)), r("2021", frac(8, 10)), r("2022", frac(9, 12)), r("2023", nil)),
		cut("retention_rate", "UT by district and year", years4, ut, dims("district", "school_year"),
			r(A+"|2020", num(1)), r(A+"|2021", frac(5, 6)), r(A+"|2022", frac(5, 7)), r(A+"|2023", nil),
			r(B+"|2020", num(1)), r(B+"|2021", frac(3, 4)), r(B+"|2022", frac(4, 5)), r(B+"|2023", nil)),
		cut("retention_rate", "UT pooled", years4, ut, nil, r("", frac(25, 30))),

		// new_leader_share: new leaders 2021 115 As, 204 U; 2022 101 H, 103 H, 203 H,
		// 211 H; 2023 108 W, 109 H, 209 W. None can be new in 2020, the first year.
		cut("new_leader_share", "UT by year", years4, ut, yearDim,
			ru("2020", nil, nil), ru("2021", num(0), frac(1, 2)), ru("2022", num(1), num(0)), ru("2023", frac(1, 3), num(0))),
		cut("new_leader_share", "UT by district and year", years4, ut, dims("district", "school_year"),
			ru(A+"|2020", nil, nil), ru(A+"|2021", num(0), num(0)), ru(A+"|2022", num(1), num(0)), ru(A+"|2023", frac(1, 2), num(0)),
			ru(B+"|2020", nil, nil), ru(B+"|2021", nil, num(1)), ru(B+"|2022", num(1), num(0)), ru(B+"|2023", num(0), num(0))),
		cut("new_leader_share", "UT pooled: 5 Latino of 8 known, 1 unknown of 9", years4, ut, nil, ru("", frac(5, 8), frac(1, 9))),

		// movers: everyone in year t whose year t+1 is in the data (the
		// promotion cohorts above, top rank included), by where they are in
		// t+1. Flows t → t+1 in UT (— = not in the data in t+1):
		//   teacher  2020 101 105 108 113 202 203 → T, 204 → AP;
		//            2021 101 103 203 → AP, 105 208 → TL, 108 109 110 113 202 206 207 → T;
		//            2022 108 109 209 → AP, 110 111 113 115 202 206 → T, 207 → —
		//   TL       2022 105 → T, 208 → TL
		//   AP       2020 104 → AP, 205 → P; 2021 104 204 → AP, 115 → T; 2022 101 204 → P, 103 203 → AP, 104 → —
		//   P        2020 102 114 201; 2021 102 114 201 205; 2022 114 201 → P, 102 205 → —
		//   DL       106 ×3;  SUP 107 ×3, 210 2020, 211 2022 → SUP, 210 2021 → —
		cut("movers", "UT by year: 2023 has no year after it", years4, ut, yearDim,
			r("2020", num(15)), r("2021", num(22)), r("2022", num(24)), r("2023", nil)),
		cut("movers", "UT pooled by role and next role", years4, ut, dims("role", "next_role"),
			r("teacher|teacher", num(19)), r("teacher|teacher_leader", num(2)), r("teacher|assistant_principal", num(7)),
			r("teacher|none", num(1)), r("teacher_leader|teacher", num(1)), r("teacher_leader|teacher_leader", num(1)),
			r("assistant_principal|teacher", num(1)), r("assistant_principal|assistant_principal", num(5)),
			r("assistant_principal|principal", num(3)), r("assistant_principal|none", num(1)),
			r("principal|principal", num(9)), r("principal|none", num(2)), r("district_leader|district_leader", num(3)),
			r("superintendent|superintendent", num(5)), r("superintendent|none", num(1))),
		// The board's Sankey: members in t (2021 101 103 206; 2022 101 109 204 206).
		cut("movers", "UT members pooled by role and next role: T→AP 101 103 (2021) 109 (2022); T→T 206 ×2; AP→P 101 204 (2022)",
			years4, append(slices.Clone(ut), metrics.Filter{Dimension: "member", In: []string{"yes"}}), dims("role", "next_role"),
			r("teacher|teacher", num(2)), r("teacher|assistant_principal", num(3)), r("assistant_principal|principal", num(2))),
		// Leavers: no row for 2020 (nobody left) nor 2023 (no year after it).
		cut("movers", "UT leavers by year: 2021 210; 2022 102 104 205 207", years4,
			append(slices.Clone(ut), metrics.Filter{Dimension: "next_role", In: []string{"none"}}), yearDim,
			r("2021", num(1)), r("2022", num(4))),
		// A 2022: → T 105 110 111 113 115, → AP 103 108 109, → P 101 114, 106 DL, 107 SUP, → — 102 104.
		cut("movers", "2022 by district and next role, both states: C 301 AP→AP, 302 P→P, 303 T→T; S 304 305 SL→SL",
			[2]int{2022, 2022}, nil, dims("district", "next_role"),
			r(A+"|teacher", num(5)), r(A+"|assistant_principal", num(3)), r(A+"|principal", num(2)), r(A+"|district_leader", num(1)),
			r(A+"|superintendent", num(1)), r(A+"|none", num(2)),
			r(B+"|teacher", num(2)), r(B+"|teacher_leader", num(1)), r(B+"|assistant_principal", num(2)), r(B+"|principal", num(2)),
			r(B+"|superintendent", num(1)), r(B+"|none", num(2)),
			r(C+"|teacher", num(1)), r(C+"|assistant_principal", num(1)), r(C+"|principal", num(1)), r(S+"|state_leader", num(2))),

		// members on June 30 ending the year:
		// 2020 M002 (A), M004 M005 (B); 2021 M001 (A), M004 M005; 2022 M001 M003 (A), M004 M005 M007 (B);
		// 2023 M001 M003 M008 (A), M004 M007 (B) — M005 left 2023-08-01; M006 Nevada throughout.
		cut("members", "UT by year", years4, ut, yearDim, r("2020", num(3)), r("2021", num(3)), r("2022", num(5)), r("2023", num(5))),
		cut("members", "2023 by district", y2023, nil, dims("district"), r(A, num(3)), r(B, num(2)), r(C, num(1))),
		cut("members", "2022 by state", [2]int{2022, 2022}, nil, dims("state"), r("UT", num(5)), r("NV", num(1))),

		// new_members: joined 2020 M002 M005 (M006 NV); 2021 M001; 2022 M003 M007; 2023 M008
		cut("new_members", "UT by year", years4, ut, yearDim, r("2020", num(2)), r("2021", num(1)), r("2022", num(2)), r("2023", num(1))),
		cut("new_members", "UT pooled", years4, ut, nil, r("", num(6))),
		cut("new_members", "UT pooled by district: A M001 M002 M003 M008; B M005 M007", years4, ut, dims("district"),
			r(A, num(4)), r(B, num(2))),

		// member_promotion_rate: members in t: 2021 101*, 103*, 206; 2022 101*, 109*, 206, 204*
		cut("member_promotion_rate", "UT pooled", years4, ut, nil, r("", frac(5, 7))),
		cut("member_promotion_rate", "UT by year", years4, ut, yearDim,
			r("2020", nil), r("2021", frac(2, 3)), r("2022", frac(3, 4)), r("2023", nil)),
		cut("member_promotion_rate", "UT pooled by district", years4, ut, dims("district"), r(A, num(1)), r(B, frac(1, 3))),

		// member_promotion_gap: per rank, members' promotions − members × the
		// rate of Latino non-members of that rank, over the members.
		// UT pooled: members teacher 101* 103* 206 (2021), 109* 206 (2022) → 5, 3;
		//   AP 101* 204* (2022) → 2, 2. Latino non-members: teacher 101 203 (2020),
		//   109 203* 208* (2021) → 5, 2; AP 103 203 (2022) → 2, 0.
		//   (3 + 2 − 5·2/5 − 2·0) ÷ 7 × 100.
		cut("member_promotion_gap", "UT pooled", years4, ut, nil, r("", num((5-2)/7.0*100))),
		// A: members T 101* 103* 109* (3, 3), AP 101* (1, 1); peers T 101 (2020) 109 (2021) (2, 0), AP 103 (1, 0) → 100.
		// B: members T 206 ×2 (2, 0), AP 204* (1, 1); peers T 203 (2020), 203* 208* (2021) (3, 2), AP 203 (1, 0).
		cut("member_promotion_gap", "UT pooled by district", years4, ut, dims("district"),
			r(A, num(100)), r(B, num((1-2*2.0/3)/3*100))),
		// 2021: members T 3, 2; peers T 109 203* 208* → 3 − 3·2/3 = 0. 2022: members T 109* 206
		// — no Latino non-member teachers, left out; AP 101* 204*, peers 103 203 (0 of 2) → 2/2.
		cut("member_promotion_gap", "UT by year", years4, ut, yearDim,
			r("2020", nil), r("2021", num(0)), r("2022", num(100)), r("2023", nil)),

		// conference_attendance (distinct members; M001 twice in 2022)
		cut("conference_attendance", "UT by year", years4, ut, yearDim,
			r("2020", num(1)), r("2021", num(1)), r("2022", num(2)), r("2023", num(2))),
		cut("conference_attendance", "UT pooled: M001 M002 M004 M005", years4, ut, nil, r("", num(4))),
		cut("conference_attendance", "2023 by district: M004 M005 (B), M006 (C)", y2023, nil, dims("district"),
			r(B, num(2)), r(C, num(1))),

		// unknown_ethnicity_share of leaders: 104 (2020-2022), 204 (2021-2023)
		cut("unknown_ethnicity_share", "UT 2023", y2023, ut, nil, r("", frac(1, 12))),
		cut("unknown_ethnicity_share", "UT by year", years4, ut, yearDim,
			r("2020", frac(1, 8)), r("2021", frac(2, 10)), r("2022", frac(2, 12)), r("2023", frac(1, 12))),
		cut("unknown_ethnicity_share", "2023 by district", y2023, nil, dims("district"),
			r(A, num(0)), r(B, frac(1, 5)), r(C, num(0)), r(S, num(0))),
	}
}

// checkRows compares the values of measure i of res with want: the same
// rows (no more, no fewer), values within tol, unknown shares where the
// measure has them.
func checkRows(t *testing.T, label string, res *metrics.Result, i int, m metrics.Measure, want []wrow) {
	t.Helper()
	got := map[string]metrics.Value{}
	for _, row := range res.Rows {
		got[rowKey(row.Dims)] = row.Values[i]
	}
	seen := map[string]bool{}
	for _, w := range want {
		seen[w.dims] = true
		g, ok := got[w.dims]
		if !ok {
			t.Errorf("%s: no row %q (want %s)", label, w.dims, show(w.v))
			continue
		}
		if !sameValue(g.V, w.v) {
			t.Errorf("%s: row %q = %s, want %s", label, w.dims, show(g.V), show(w.v))
		}
		switch {
		case m.HasUnknownShare() && !sameValue(g.UnknownShare, w.u):
			t.Errorf("%s: row %q unknown share = %s, want %s", label, w.dims, show(g.UnknownShare), show(w.u))
		case !m.HasUnknownShare() && g.UnknownShare != nil:
			t.Errorf("%s: row %q has an unknown share (%s) but %s is not a share over known ethnicity", label, w.dims,
				show(g.UnknownShare), m.Name)
		}
	}
	for k, g := range got {
		if !seen[k] {
			t.Errorf("%s: unexpected row %q = %s", label, k, show(g.V))
		}
	}
	if res.TotalCount != len(res.Rows) {
		t.Errorf("%s: totalCount %d for %d rows (no limit reached)", label, res.TotalCount, len(res.Rows))
	}
}

// TestFixtureEveryMeasureByHand: every hand-counted cut of fixtureCases, on
// the rollup engine and the facts-only engine: the same rows, the values
// and unknown shares counted by hand.
func TestFixtureEveryMeasureByHand(t *testing.T) {
	db := fixture(t)
	es := engines(db)
	cases := fixtureCases()
	// Every measure of the catalog has at least two hand-counted cuts.
	for _, m := range metrics.Catalog() {
		n := 0
		for _, fc := range cases {
			if fc.measure == m.Name {
				n++
			}
		}
		if n < 2 {
			t.Errorf("measure %s has %d hand-counted cuts in fixtureCases, want at least 2", m.Name, n)
		}
	}
	for _, fc := range cases {
		m, ok := metrics.LookupMeasure(fc.measure)
		if !ok {
			t.Errorf("fixture case for %s: not in the catalog", fc.measure)
			continue
		}
		name := fc.measure + "/" + strings.Join(fc.dims, ",")
		if len(fc.dims) == 0 {
			name += "-"
		}
		t.Run(name, func(t *testing.T) {
			q := metrics.Query{Measures: []string{fc.measure}, Dimensions: fc.dims, From: fc.from, To: fc.to, Filters: fc.filters}
			for _, e := range es {
				res := run(t, e, q)
				checkRows(t, fmt.Sprintf("%s engine, %s (%s)", e.name, fc.measure, fc.why), res, 0, m, fc.rows)
			}
		})
	}
}

// TestFixtureQueryFeatures checks ordering (undefined values last), limits
// and totals, measure filters and dimension filters, on both engines.
func TestFixtureQueryFeatures(t *testing.T) {
	db := fixture(t)
	byDistrict := dims("district")
	type check struct {
		name string
		q    metrics.Query
		// order lists the rows' dimension keys in order; values the first
		// measure's values (nil entries: undefined), total the TotalCount.
		order  []string
		values []*float64
		total  int
	}
	checks := []check{
		// 2023 leaders: A 7, B 5, C 2, S 2 (C before S: ties by dimension).
		{"order by leaders desc", metrics.Query{Measures: []string{"leaders"}, Dimensions: byDistrict, From: 2023, To: 2023,
			OrderBy: []metrics.Order{{Measure: "leaders", Desc: true}}},
			[]string{leaA, leaB, leaC, leaS}, []*float64{num(7), num(5), num(2), num(2)}, 4},
		{"order by leaders, limit 2", metrics.Query{Measures: []string{"leaders"}, Dimensions: byDistrict, From: 2023, To: 2023,
			OrderBy: []metrics.Order{{Measure: "leaders", Desc: true}}, Limit: 2},
			[]string{leaA, leaB}, []*float64{num(7), num(5)}, 4},
		{"order by leaders asc, then district", metrics.Query{Measures: []string{"leaders"}, Dimensions: byDistrict, From: 2023, To: 2023,
			OrderBy: []metrics.Order{{Measure: "leaders"}}, Limit: 3},
			[]string{leaC, leaS, leaB}, []*float64{num(2), num(2), num(5)}, 4},
		{"order by district desc", metrics.Query{Measures: []string{"leaders"}, Dimensions: byDistrict, From: 2023, To: 2023,
			OrderBy: []metrics.Order{{Dimension: "district", Desc: true}}},
			[]string{leaB, leaA, leaS, leaC}, []*float64{num(5), num(7), num(2), num(2)}, 4},
		// Representation index 2023: B 1.875, A 1.640, C 0.667, S undefined — last both ways.
		{"nulls last, desc", metrics.Query{Measures: []string{"representation_index"}, Dimensions: byDistrict, From: 2023, To: 2023,
			OrderBy: []metrics.Order{{Measure: "representation_index", Desc: true}}},
			[]string{leaB, leaA, leaC, leaS}, []*float64{num(1.875), num((5.0 / 7) / (270.0 / 620)), num(0.5 / 0.75), nil}, 4},
		{"nulls last, asc", metrics.Query{Measures: []string{"representation_index"}, Dimensions: byDistrict, From: 2023, To: 2023,
			OrderBy: []metrics.Order{{Measure: "representation_index"}}},
			[]string{leaC, leaA, leaB, leaS}, []*float64{num(0.5 / 0.75), num((5.0 / 7) / (270.0 / 620)), num(1.875), nil}, 4},
		// Roles order by rank, not by name.
		// (By name, teacher would come first.)
		{"order by role (rank)", metrics.Query{Measures: []string{"staff"}, Dimensions: dims("role"), From: 2023, To: 2023,
			Filters: append(slices.Clone(ut), metrics.Filter{Dimension: "role", In: []string{T, P, DL, SUP}}),
			OrderBy: []metrics.Order{{Dimension: "role", Desc: true}}, Limit: 3},
			[]string{SUP, DL, P}, []*float64{num(2), num(1), num(4)}, 4},
		// Latino leader share 2023: A 5/7, B 3/4, C 1/2, S 1/2. Without an
		// ordering, rows come by district id (Nevada's 32… first).
		{"having share ≥ 0.6", metrics.Query{Measures: []string{"latino_leader_share"}, Dimensions: byDistrict, From: 2023, To: 2023,
			Having: []metrics.MeasureFilter{{Measure: "latino_leader_share", Op: metrics.OpGte, Value: 0.6}}},
			[]string{leaA, leaB}, []*float64{frac(5, 7), frac(3, 4)}, 2},
		{"having excludes undefined", metrics.Query{Measures: []string{"representation_index"}, Dimensions: byDistrict, From: 2023, To: 2023,
			Having: []metrics.MeasureFilter{{Measure: "representation_index", Op: metrics.OpGt, Value: 0}}},
			[]string{leaC, leaA, leaB}, []*float64{num(0.5 / 0.75), num((5.0 / 7) / (270.0 / 620)), num(1.875)}, 3},
		{"having ne, on the second measure", metrics.Query{Measures: []string{"leaders", "latino_leader_share"}, Dimensions: byDistrict,
			From: 2023, To: 2023, Having: []metrics.MeasureFilter{{Measure: "latino_leader_share", Op: metrics.OpNe, Value: 0.5}}},
			[]string{leaA, leaB}, []*float64{num(7), num(5)}, 2},
		{"having eq and lt together", metrics.Query{Measures: []string{"leaders", "latino_leaders"}, Dimensions: byDistrict,
			From: 2023, To: 2023, Having: []metrics.MeasureFilter{{Measure: "leaders", Op: metrics.OpEq, Value: 2},
				{Measure: "latino_leaders", Op: metrics.OpLte, Value: 1}}},
			[]string{leaC, leaS}, []*float64{num(2), num(2)}, 2},
		{"having, limit 1", metrics.Query{Measures: []string{"leaders"}, Dimensions: byDistrict, From: 2023, To: 2023,
			Having: []metrics.MeasureFilter{{Measure: "leaders", Op: metrics.OpLt, Value: 6}}, Limit: 1},
			[]string{leaC}, []*float64{num(2)}, 3},
		{"having matches nothing", metrics.Query{Measures: []string{"leaders"}, Dimensions: byDistrict, From: 2023, To: 2023,
			Having: []metrics.MeasureFilter{{Measure: "leaders", Op: metrics.OpGt, Value: 100}}},
			nil, nil, 0},
		// UT leaders by year 8, 10, 12, 12.
		{"school_year in", metrics.Query{Measures: []string{"leaders"}, Dimensions: yearDim, Filters: append(slices.Clone(ut),
			metrics.Filter{Dimension: "school_year", In: []string{"2021", "2023"}})},
			[]string{"2021", "2023"}, []*float64{num(10), num(12)}, 2},
		{"school_year notIn", metrics.Query{Measures: []string{"leaders"}, Dimensions: yearDim, Filters: append(slices.Clone(ut),
			metrics.Filter{Dimension: "school_year", NotIn: []string{"2020"}})},
			[]string{"2021", "2022", "2023"}, []*float64{num(10), num(12), num(12)}, 3},
		{"school_year min-max", metrics.Query{Measures: []string{"leaders"}, Dimensions: yearDim, Filters: append(slices.Clone(ut),
			metrics.Filter{Dimension: "school_year", Min: strp("2021"), Max: strp("2022")})},
			[]string{"2021", "2022"}, []*float64{num(10), num(12)}, 2},
		{"school_year from-to", metrics.Query{Measures: []string{"leaders"}, Dimensions: yearDim, Filters: ut, From: 2022},
			[]string{"2022", "2023"}, []*float64{num(12), num(12)}, 2},
		// UT 2023 leaders by role: AP 5, P 4, DL 1, SUP 2.
		{"role min-max", metrics.Query{Measures: []string{"leaders"}, Dimensions: dims("role"), From: 2023, To: 2023,
			Filters: append(slices.Clone(ut), metrics.Filter{Dimension: "role", Min: strp(AP), Max: strp(P)})},
			[]string{AP, P}, []*float64{num(5), num(4)}, 2},
		{"role in", metrics.Query{Measures: []string{"leaders"}, Dimensions: dims("role"), From: 2023, To: 2023,
			Filters: append(slices.Clone(ut), metrics.Filter{Dimension: "role", In: []string{SUP, P}})},
			[]string{P, SUP}, []*float64{num(4), num(2)}, 2},
		{"role notIn", metrics.Query{Measures: []string{"staff"}, Dimensions: dims("role"), From: 2023, To: 2023,
			Filters: append(slices.Clone(ut), metrics.Filter{Dimension: "role", NotIn: []string{T, TL, "assistant_superintendent", SL}})},
			[]string{AP, P, DL, SUP}, []*float64{num(5), num(4), num(1), num(2)}, 4},
		// Promotion from AP up, pooled: AP 3 of 10, P 0 of 11, DL 0 of 3, SUP 0 of 6.
		{"role min, no role dimension", metrics.Query{Measures: []string{"promotion_rate"}, Filters: append(slices.Clone(ut),
			metrics.Filter{Dimension: "role", Min: strp(AP)})},
			[]string{""}, []*float64{frac(3, 30)}, 1},
		// 2021 and 2022: 5 + 5 of 22 + 24.
		{"school_year min on a flow", metrics.Query{Measures: []string{"promotion_rate"}, Filters: append(slices.Clone(ut),
			metrics.Filter{Dimension: "school_year", Min: strp("2021")})},
			[]string{""}, []*float64{frac(10, 46)}, 1},
		// Leaders in Utah's schools only, 2023: school tier, not the offices.
		{"tier and school filters", metrics.Query{Measures: []string{"leaders"}, From: 2023, To: 2023, Filters: append(slices.Clone(ut),
			metrics.Filter{Dimension: "tier", In: []string{"school"}}, metrics.Filter{Dimension: "school", NotIn: []string{schA1}})},
			[]string{""}, []*float64{num(7)}, 1},
	}
	for _, e := range engines(db) {
		for _, ch := range checks {
			res := run(t, e, ch.q)
			label := e.name + " engine, " + ch.name
			var order []string
			for _, row := range res.Rows {
				order = append(order, rowKey(row.Dims))
			}
			if !slices.Equal(order, ch.order) {
				t.Errorf("%s: rows %q, want %q", label, order, ch.order)
				continue
			}
			for i, row := range res.Rows {
				if !sameValue(row.Values[0].V, ch.values[i]) {
					t.Errorf("%s: row %q = %s, want %s", label, order[i], show(row.Values[0].V), show(ch.values[i]))
				}
			}
			if res.TotalCount != ch.total {
				t.Errorf("%s: totalCount %d, want %d", label, res.TotalCount, ch.total)
			}
		}
	}
}

// TestFixtureSeveralMeasuresAtOnce: one query over four sources (staff,
// enrollment, members, conferences); a source without a row for a district
// counts 0 there.
func TestFixtureSeveralMeasuresAtOnce(t *testing.T) {
	db := fixture(t)
	q := metrics.Query{Measures: []string{"leaders", "latino_student_share", "members", "conference_attendance", "promotion_rate"},
		Dimensions: dims("district"), From: 2023, To: 2023, Filters: ut}
	// 2023: A 7 leaders, 270/620 (unknown 20/640), members M001 M003 M008,
	// no conference; B 5, 160/400 (10/410), M004 M007, M004 M005. 2023 is
	// the last year: no promotions to follow.
	want := map[string][]wrow{
		leaA: {r("", num(7)), ru("", frac(270, 620), frac(20, 640)), r("", num(3)), r("", num(0)), r("", nil)},
		leaB: {r("", num(5)), ru("", frac(160, 400), frac(10, 410)), r("", num(2)), r("", num(2)), r("", nil)},
	}
	for _, e := range engines(db) {
		res := run(t, e, q)
		if len(res.Rows) != 2 {
			t.Fatalf("%s engine: %d rows, want 2", e.name, len(res.Rows))
		}
		for _, row := range res.Rows {
			w := want[row.Dims[0]]
			for i, v := range row.Values {
				if !sameValue(v.V, w[i].v) || !sameValue(v.UnknownShare, w[i].u) {
					t.Errorf("%s engine, %s %s = %s (unknown %s), want %s (unknown %s)", e.name, row.Dims[0], q.Measures[i],
						show(v.V), show(v.UnknownShare), show(w[i].v), show(w[i].u))
				}
			}
		}
	}
}

// partnerOf is the context of a partner key bound to these districts of
// Utah.
func partnerOf(leaIDs ...string) context.Context {
	return scope.With(context.Background(), scope.Scope{Districts: leaIDs, States: []string{"UT"}})
}

// TestFixtureDistrictScope: a partner's scope restricts every source, like
// a district filter the partner cannot remove, whenever a query cuts or
// filters by place; a query with nothing finer than state reads the
// partner's own states' aggregates, and no other state's.
func TestFixtureDistrictScope(t *testing.T) {
	db := fixture(t)
	ctx := partnerOf(leaA)
	for _, e := range engines(db) {
		for _, q := range []metrics.Query{
			{Measures: []string{"leaders", "latino_leaders", "promotion_rate", "members"}, Dimensions: dims("state"), From: 2022, To: 2022},
			{Measures: []string{"latino_staff_share"}, Dimensions: dims("role"), From: 2023, To: 2023},
		} {
			got, err := e.Run(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			q.Filters = ut
			want, err := e.Run(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Rows) == 0 || fmt.Sprint(rowsOf(got)) != fmt.Sprint(rowsOf(want)) {
				t.Errorf("%s engine, a partner's state-level %v: %v, want Utah's %v", e.name, q.Measures, rowsOf(got), rowsOf(want))
			}
		}
		nm, err := e.Run(ctx, metrics.Query{Measures: []string{"leaders"}, Filters: []metrics.Filter{{Dimension: metrics.DimState, In: []string{"NM"}}},
			From: 2022, To: 2022})
		if err != nil || len(nm.Rows) != 0 {
			t.Errorf("%s engine: a Utah partner read New Mexico's aggregates: %v %v", e.name, err, rowsOf(nm))
		}
	}
	for _, e := range engines(db) {
		// A 2023 by school: A1 101 109; A2 103 108 114; office 106 107.
		res, err := e.Run(ctx, metrics.Query{Measures: []string{"leaders"}, Dimensions: dims("school"), From: 2023, To: 2023})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := metrics.LookupMeasure("leaders")
		checkRows(t, e.name+" engine, scoped leaders by school", res, 0, m, []wrow{r(schA1, num(2)), r(schA2, num(3)), r("", num(2))})
		res, err = e.Run(ctx, metrics.Query{Measures: []string{"promotion_rate", "median_years_to_promotion"},
			Dimensions: dims("district", "role"), Filters: []metrics.Filter{{Dimension: "role", In: []string{T}}}})
		if err != nil {
			t.Fatal(err)
		}
		// A teachers pooled: 2020 4 (0), 2021 7 (101 103 105), 2022 6 (108 109) → 5 of 17; median 2 (above).
		if len(res.Rows) != 1 || !sameValue(res.Rows[0].Values[0].V, frac(5, 17)) || !sameValue(res.Rows[0].Values[1].V, num(2)) {
			t.Errorf("%s engine, scoped teacher promotion: %v", e.name, res.Rows)
		}
		// Members and conferences of A only: members 2020 M002, 2021 M001, 2022 M001 M003,
		// 2023 M001 M003 M008; conferences 2020 M002, 2021 M001, 2022 M001, 2023 none.
		res, err = e.Run(ctx, metrics.Query{Measures: []string{"members", "conference_attendance"}, Dimensions: dims("school_year", "district")})
		if err != nil {
			t.Fatal(err)
		}
		want := [][2]float64{{1, 1}, {1, 1}, {2, 1}, {3, 0}}
		for i, row := range res.Rows {
			if i >= len(want) || !sameValue(row.Values[0].V, num(want[i][0])) || !sameValue(row.Values[1].V, num(want[i][1])) {
				t.Errorf("%s engine, scoped members/conferences row %v: %s, %s", e.name, row.Dims, show(row.Values[0].V), show(row.Values[1].V))
			}
		}
		if len(res.Rows) != 4 {
			t.Errorf("%s engine, scoped members by year: %d rows, want 4", e.name, len(res.Rows))
		}
	}
}

// TestCountsBeforeTheFirstYear: staffing data start in 2020. Asked beside
// members (whose data reach back to 2018), leaders in 2018 and 2019 are
// unknown — undefined (Value: "nil where the measure is undefined (… no
// data)"), not 0 — while the members are counted: M004, joined 2019-05-01.
func TestCountsBeforeTheFirstYear(t *testing.T) {
	db := fixture(t)
	for _, e := range engines(db) {
		res, err := e.Run(context.Background(), metrics.Query{Measures: []string{"leaders", "members"}, Dimensions: yearDim,
			From: 2018, To: 2019, Filters: ut})
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s engine: %v", e.name, err)
			}
			continue
		}
		if len(res.Rows) != 2 {
			t.Fatalf("%s engine: %d rows, want 2018 and 2019", e.name, len(res.Rows))
		}
		for _, row := range res.Rows {
			if row.Values[0].V != nil {
				t.Errorf("%s engine, leaders %s = %s, want undefined (no staffing data before 2020)", e.name, row.Dims[0], show(row.Values[0].V))
			}
			if !sameValue(row.Values[1].V, num(1)) {
				t.Errorf("%s engine, members %s = %s, want 1", e.name, row.Dims[0], show(row.Values[1].V))
			}
		}
	}
}

// TestEmptyDistrictScope: a scope of no district (a partner key bound to
// none) reads nothing, not everything: no rows, or a refusal that says why
// — not an internal error.
func TestEmptyDistrictScope(t *testing.T) {
	db := fixture(t)
	none := scope.With(context.Background(), scope.Scope{Districts: []string{}, States: []string{}})
	for _, e := range engines(db) {
		for _, ms := range [][]string{{"leaders", "students", "members"}, {"promotion_rate", "conference_attendance"}} {
			res, err := e.Run(none, metrics.Query{Measures: ms, Dimensions: dims("district"), From: 2023, To: 2023})
			if err == nil && len(res.Rows) == 0 {
				res, err = e.Run(none, metrics.Query{Measures: ms, From: 2023, To: 2023})
			}
			if err != nil {
				if apperr.CodeOf(err) == apperr.Internal {
					t.Errorf("%s engine, %v with an empty scope: internal error %v", e.name, ms, err)
				}
				continue
			}
			if len(res.Rows) != 0 {
				t.Errorf("%s engine, %v with an empty scope: %s", e.name, ms, showRow(res.Rows[0]))
			}
		}
	}
}

// moverPeople: Utah 2019-2023, two people who change district keeping their
// staff key (as the Utah seed's movers do).
//
//	key  eth gen   2019    2020    2021    2022    2023
//	901  W   F     —       T  A1   T  A1   AP B1   AP B1   (teacher in A, then assistant principal in B)
//	902  W   M     T  A1   T  A1   T  A1   T  A1   T  A1
//	903  W   F     T  B1   T  B1   T  B1   T  B1   T  B1
//	904  W   M     P  B1   P  B1   P  B1   P  B1   P  B1
//	905  W   F     P  A1   P  A1   P  A1   P  A1   P  A1
//	906  H   M     AP A1   AP A1   AP B1   AP B1   AP B1   (assistant principal in A, then in B)
var moverPeople = []person{
	{901, W, F, posts(years(2020, 2021, T, schA1), years(2022, 2023, AP, schB1))},
	{902, W, M, years(2019, 2023, T, schA1)},
	{903, W, F, years(2019, 2023, T, schB1)},
	{904, W, M, years(2019, 2023, P, schB1)},
	{905, W, F, years(2019, 2023, P, schA1)},
	{906, H, M, posts(years(2019, 2020, AP, schA1), years(2021, 2023, AP, schB1))},
}

// TestPeopleWhoChangeDistrict: "a person is followed within their state
// (across districts where the staff ids are statewide)" (promotion_rate).
// A district's row of a cut by district must equal the same query filtered
// to that district (what a partner whose scope is the district sees), and
// both the hand counts below. A person counts in the district of their
// post in year t (of the spell's start, for spells).
//
// Followed across districts, 2019-2023:
//
//	promotion_rate   A: 902 ×4, 905 ×4, 906 2019 and 2020, 901 2020, 901 2021 (AP in B in 2022: promoted) → 1 of 12
//	                 B: 903 ×4, 904 ×4, 906 2021 and 2022, 901 2022 → 0 of 11
//	retention_rate   A: 905 ×4, 906 2019, 906 2020 (a leader in B in 2021) → 6 of 6;  B: 904 ×4, 906 ×2, 901 → 7 of 7
//	new_leader_share A: none new (905; 906 a leader the year before) → undefined
//	                 B: 906 in 2021 was a leader in A in 2020: not new; 901 new in 2022 (W) → 0 of 1
//	median (teacher) A: 901 from 2020, assistant principal (in B) in 2022 → 2 years, the only spell: 2
//	median (AP)      B: 901 from 2022, not promoted (censored) → undefined; 906 an assistant principal
//	                 since the first year (start unknown): no spell
//	movers           A: → teacher 901 2020, 902 ×4; → AP 901 2021 (in B in 2022), 906 2019 and 2020 (in B
//	                 in 2021); → principal 905 ×4.  B: → teacher 903 ×4; → AP 901 2022, 906 2021 and 2022;
//	                 → principal 904 ×4. Nobody leaves.
func TestPeopleWhoChangeDistrict(t *testing.T) {
	db := newWarehouse(t, fixtureData{people: moverPeople})
	type want struct {
		measure string
		dims    []string
		rows    []wrow
	}
	wants := []want{
		{"promotion_rate", dims("district"), []wrow{r(leaA, frac(1, 12)), r(leaB, num(0))}},
		{"retention_rate", dims("district"), []wrow{r(leaA, num(1)), r(leaB, num(1))}},
		{"new_leader_share", dims("district"), []wrow{ru(leaA, nil, nil), ru(leaB, num(0), num(0))}},
		{"median_years_to_promotion", dims("district", "role"), []wrow{r(leaA+"|teacher", num(2)), r(leaB+"|assistant_principal", nil)}},
		{"movers", dims("district", "next_role"), []wrow{r(leaA+"|teacher", num(5)), r(leaA+"|assistant_principal", num(3)),
			r(leaA+"|principal", num(4)), r(leaB+"|teacher", num(4)), r(leaB+"|assistant_principal", num(3)), r(leaB+"|principal", num(4))}},
	}
	for _, e := range engines(db) {
		for _, w := range wants {
			m, _ := metrics.LookupMeasure(w.measure)
			res := run(t, e, metrics.Query{Measures: []string{w.measure}, Dimensions: w.dims})
			checkRows(t, e.name+" engine, "+w.measure+" by district", res, 0, m, w.rows)
			// The same, one district at a time through a filter.
			for _, lea := range []string{leaA, leaB} {
				var rows []wrow
				for _, x := range w.rows {
					if rest, ok := strings.CutPrefix(x.dims, lea); ok {
						x.dims = strings.TrimPrefix(rest, "|")
						rows = append(rows, x)
					}
				}
				res := run(t, e, metrics.Query{Measures: []string{w.measure}, Dimensions: w.dims[1:],
					Filters: []metrics.Filter{{Dimension: "district", In: []string{lea}}}})
				checkRows(t, e.name+" engine, "+w.measure+" filtered to "+lea, res, 0, m, rows)
			}
		}
	}
}

// TestGrowthAfterTheLastYear: the fixture's last year with data is 2023.
// Growth into 2024 is unknown, not −100 %: a query reaching past the data
// is either refused or leaves the year undefined (or out).
func TestGrowthAfterTheLastYear(t *testing.T) {
	db := fixture(t)
	ctx := context.Background()
	for _, e := range engines(db) {
		// yoy_growth 2022-2024: 2022 7/3 − 1, 2023 8/7 − 1 (UT), 2024 unknown.
		res, err := e.Run(ctx, metrics.Query{Measures: []string{"yoy_growth"}, Dimensions: yearDim, From: 2022, To: 2024, Filters: ut})
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s engine, yoy_growth to 2024: %v", e.name, err)
			}
		} else {
			for _, row := range res.Rows {
				want := map[string]*float64{"2022": num(7.0/3 - 1), "2023": num(8.0/7 - 1), "2024": nil}[row.Dims[0]]
				if !sameValue(row.Values[0].V, want) {
					t.Errorf("%s engine, yoy_growth %s = %s, want %s", e.name, row.Dims[0], show(row.Values[0].V), show(want))
				}
			}
		}
		// cagr 2020-2024: Latino leaders in 2024 are unknown.
		res, err = e.Run(ctx, metrics.Query{Measures: []string{"cagr"}, From: 2020, To: 2024, Filters: ut})
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("%s engine, cagr to 2024: %v", e.name, err)
			}
		} else if len(res.Rows) > 0 && res.Rows[0].Values[0].V != nil {
			t.Errorf("%s engine, cagr 2020-2024 = %s, want undefined (no data for 2024)", e.name, show(res.Rows[0].Values[0].V))
		}
	}
}
