package dashboards

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Languages the pages speak; the first is the default.
var languages = []string{"en", "es"}

// langOf is the request's language: ?lang= when it names one we speak, else
// the lang cookie (set when ?lang= was last given), else the first of
// Accept-Language we speak, else English.
func langOf(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); isLang(l) {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && isLang(c.Value) {
		return c.Value
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

const langCookie = "camino_lang"

func isLang(l string) bool { return l == "en" || l == "es" }

// acceptLanguage picks the supported language with the highest q in an
// Accept-Language header ("es-MX,es;q=0.9,en;q=0.8"); English when none.
func acceptLanguage(h string) string {
	best, bestQ := "en", -1.0
	for i, part := range strings.Split(h, ",") {
		if i >= 20 { // a header is short; ignore the rest of a hostile one
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if !isLang(base) {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// text is a page's words in one language: tr(key) looks a message up,
// falling back to English and then to the key itself.
type text struct{ lang string }

func (t text) tr(key string) string {
	if m, ok := messages[t.lang][key]; ok {
		return m
	}
	if m, ok := messages["en"][key]; ok {
		return m
	}
	return key
}

// role is a ladder role's display name.
func (t text) role(code string) string { return t.tr("role." + code) }

// tier is a tier's display name ("" is every tier).
func (t text) tier(code string) string {
	if code == "" {
		return t.tr("tier.all")
	}
	return t.tr("tier." + code)
}

// int formats a count: 12,345 (en) or 12.345 (es; four-digit numbers are
// not grouped in Spanish, as Intl.NumberFormat does).
func (t text) int(v float64) string { return t.number(v, 0) }

// number formats v with the given decimals and the language's separators.
func (t text) number(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	group, point := ",", "."
	minGroup := 4
	if t.lang == "es" {
		group, point, minGroup = ".", ",", 5
	}
	if len(whole) >= minGroup {
		var b strings.Builder
		for i, c := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteString(group)
			}
			b.WriteRune(c)
		}
		whole = b.String()
	}
	out := whole
	if frac != "" {
		out += point + frac
	}
	if v < 0 && strings.Trim(s, "0.") != "" {
		out = "−" + out
	}
	return out
}

// percent formats a share (0.452) as 45.2% (en) or 45,2 % (es).
func (t text) percent(share float64) string {
	if t.lang == "es" {
		return t.number(share*100, 1) + "\u00a0%"
	}
	return t.number(share*100, 1) + "%"
}

// years names a span of school years: 2019-20 to 2023-24.
func (t text) years(from, to int) string {
	if from == to {
		return t.schoolYear(from)
	}
	return fmt.Sprintf(t.tr("years.span"), t.schoolYear(from), t.schoolYear(to))
}

// date names a day: 7 December 2026 (en), 7 de diciembre de 2026 (es).
func (t text) date(d time.Time) string {
	d = d.UTC()
	month := t.tr("month." + strconv.Itoa(int(d.Month())))
	return fmt.Sprintf(t.tr("date"), d.Day(), month, d.Year())
}

// schoolYear names one school year: 2023-24.
func (t text) schoolYear(y int) string {
	return strconv.Itoa(y) + "-" + strconv.Itoa((y+1)%100/10) + strconv.Itoa((y+1)%10)
}

var messages = map[string]map[string]string{
	"en": {
		"nav.board":                            "Board",
		"nav.logout":                           "Log out",
		"filters":                              "Filters",
		"filter.from":                          "From",
		"filter.to":                            "To",
		"filter.tier":                          "Leaders of",
		"filter.state":                         "State",
		"filter.apply":                         "Apply",
		"tier.all":                             "every tier",
		"tier.school":                          "schools",
		"tier.district":                        "district offices",
		"tier.state":                           "the state agency",
		"lang.other":                           "Español",
		"table":                                "Table",
		"csv":                                  "CSV",
		"png":                                  "PNG",
		"png.title":                            "Save as PNG",
		"sort.value":                           "Sort by value",
		"sort.name":                            "Sort by name",
		"empty":                                "No data for these filters. Try a wider year range or another tier.",
		"error":                                "This chart could not be computed. The rest of the page is unaffected; try again shortly.",
		"suppressed.note":                      "Values shown as “<%d” are hidden to protect individuals: fewer than %d people, or a figure that would reveal such a count.",
		"coded.note":                           "Values shown with ≤ or ≥ are bounds: the exact share would reveal a small count.",
		"footer":                               "Counts are people, each once at their highest post of the school year. Shares are over people of known ethnicity. Data: district staffing snapshots and enrollment; the association's member records.",
		"school_year":                          "School year",
		"people":                               "People",
		"percent":                              "%",
		"role":                                 "Role",
		"leaders":                              "Leaders",
		"latino_leaders":                       "Latino leaders",
		"latino_leader_share":                  "Latino share of leaders",
		"latino_student_share":                 "Latino share of students",
		"latino_teacher_share":                 "Latino share of teachers",
		"representation_index":                 "Representation index",
		"staff":                                "All people",
		"latino_staff":                         "Latino people",
		"latino_staff_share":                   "Latino share",
		"promotion_rate":                       "Promotion rate",
		"promotion_rate_ratio":                 "Latino ÷ other promotion rate",
		"retention_rate":                       "Leaders retained",
		"members":                              "Members",
		"new_members":                          "New members",
		"district":                             "District",
		"school":                               "School",
		"state":                                "State",
		"all_states":                           "All states",
		"latino_leader_flag":                   "Latino leader",
		"yes":                                  "yes",
		"no":                                   "no",
		"actual":                               "Actual",
		"target":                               "Target",
		"projection":                           "Projection",
		"on_track":                             "On track",
		"off_track":                            "Off track",
		"no_projection":                        "Not enough years to project",
		"of_way":                               "of the way to the target",
		"flows":                                "Members",
		"no_data":                              "no data",
		"years.span":                           "%s to %s",
		"date":                                 "%d %s %d",
		"month.1":                              "January",
		"month.2":                              "February",
		"month.3":                              "March",
		"month.4":                              "April",
		"month.5":                              "May",
		"month.6":                              "June",
		"month.7":                              "July",
		"month.8":                              "August",
		"month.9":                              "September",
		"month.10":                             "October",
		"month.11":                             "November",
		"month.12":                             "December",
		"years.note":                           "School years run from fall to summer and are named by both: 2025-26 began in the fall of 2025.",
		"data.date":                            "data loaded %s",
		"printed":                              "printed %s",
		"csv.summary":                          "CSV (summary)",
		"sankey.hide":                          "Hide those who left the data",
		"sankey.show":                          "Show those who left the data",
		"schools":                              "Schools",
		"schools.note":                         "Each point is a school (its size: its leaders); a point opens the school's page. On the dashed line the Latino share of leaders equals the Latino share of students.",
		"hidden_share":                         "Leader share hidden",
		"parity":                               "parity",
		"parity.index":                         "1 = parity",
		"ranked":                               "Ranked",
		"rank.none":                            "No district has %d leaders or more to rank; the %d with fewer are in the table.",
		"rank.top":                             "The %d highest of the %d districts with at least %d leaders in %s, by representation index.",
		"rank.all":                             "Show all %d",
		"rank.every":                           "All %d districts with at least %d leaders in %s, by representation index.",
		"rank.fewer":                           "Show the first %d",
		"rank.rest":                            "The %d districts with fewer than %d leaders are not ranked (one person moves their index from 0 to several times parity); they are in the table. A bar opens the district's page.",
		"bad.ranking":                          "ranking: %q is not all",
		"expected":                             "Expected by now",
		"of_way_col":                           "% of the way",
		"projection.linear":                    "Projection (recent pace)",
		"path":                                 "Straight path to the target",
		"goal.expected.mark":                   "expected by now: %s",
		"goal.target.mark":                     "target: %s",
		"goal.title":                           "The board's title: %s.",
		"percent.sign":                         "%",
		"goal.name":                            "%s in %s",
		"goal.noun.latino_leaders":             "Latino leaders",
		"goal.noun.latino_leaders.school":      "Latino school leaders",
		"goal.noun.latino_leaders.district":    "Latino district leaders",
		"goal.noun.latino_leaders.state":       "Latino state leaders",
		"goal.noun.members":                    "association members",
		"goal.noun.new_members":                "new association members",
		"goal.noun.latino_teachers":            "Latino teachers",
		"goal.noun.schools_with_latino_leader": "schools with a Latino leader",
		"goal.people.all":                      "the leaders",
		"goal.people.school":                   "school leaders",
		"goal.people.district":                 "district leaders",
		"goal.people.state":                    "state leaders",
		"goal.lede.count":                      "%s of %s %s in %s",
		"goal.lede.other":                      "%s against a target of %s: %s in %s",
		"goal.lede.none":                       "No figures yet for %s.",
		"goal.hidden":                          "The latest figure is hidden to protect individuals (fewer than the threshold of people).",
		"goal.nodata":                          "No data yet from %s on.",
		"goal.way":                             ", %s of the way",
		"goal.stand":                           "%s %s in %s%s from %s in %s to %s by %s.",
		"goal.expected":                        "A straight path from %s to the target stands at %s in %s: %s.",
		"goal.on_path":                         "exactly on it",
		"goal.ahead":                           "%s ahead of it",
		"goal.behind":                          "%s short of it",
		"goal.projection.linear":               "At the pace of the last %d years (a straight line fitted to them), %s by %s: %s.",
		"goal.noprojection.linear":             "Too few years with figures to project the pace.",
		"on_track_lower":                       "on track",
		"goal.off_by":                          "off track, %s short of the target",
		"goal.due":                             "The target year %s has come: %s against a target of %s.",
		"goal.reached":                         "The target of %s is reached.",
		"goal.needed.more":                     "Reaching %s by %s takes %s more: %s a year for %s.",
		"goal.needed.fewer":                    "Reaching %s by %s takes %s fewer: %s a year for %s.",
		"goal.unknown":                         "Ethnicity is unknown for %s of %s in %s: the count may miss some.",
		"years.n":                              "%d years",
		"years.one":                            "one year",

		"title.board":                   "Board dashboard",
		"chart.goal.gauge":              "progress to the %s target",
		"chart.tiers":                   "Latino leaders by tier, %s",
		"chart.reprByDistrict":          "Representation index by district, %s, %s",
		"chart.membership":              "Association members, %s",
		"chart.progression":             "Members' moves between ranks from one year to the next, %s",
		"chart.leadership":              "Leaders and Latino leaders (%s), %s",
		"chart.representation":          "Latino share of leaders (%s) and of students, %s",
		"chart.pipeline":                "The pipeline by rank: everyone and Latino people, %s",
		"chart.promotions":              "Promotions and retention by role, pooled %s",
		"chart.schools":                 "Schools of the district, %s",
		"chart.schoolsMap":              "Schools: Latino share of leaders against Latino share of students, %s",
		"chart.comparison":              "Latino share of leaders, teachers and students: %s against %s, %s",
		"chart.goal.short":              "Goals",
		"chart.tiers.short":             "Latino leaders by tier",
		"chart.districts.short":         "Representation index by district",
		"chart.membership.short":        "Association members",
		"chart.progression.short":       "Members' moves between ranks",
		"chart.leadership.short":        "Leaders and Latino leaders",
		"chart.representation.short":    "Latino share of leaders and of students",
		"chart.pipeline.short":          "The pipeline by rank",
		"chart.promotions.short":        "Promotions and retention",
		"chart.comparison.short":        "Comparison",
		"chart.schools.short":           "Schools of the district",
		"progression.note":              "Members who moved (up, across or out of the data) are drawn; those who stayed at their rank are in the table.",
		"cmp.latino_leader_share":       "Leaders",
		"cmp.latino_teacher_share":      "Teachers",
		"cmp.latino_student_share":      "Students",
		"bad.once":                      "%s: give it once, as a short value",
		"bad.year":                      "%s: %q is not a school year with data (%d to %d)",
		"bad.span":                      "from (%d) is after to (%d)",
		"bad.tier":                      "tier: %q is not one of school, district, state",
		"bad.state":                     "state: %q is not a two-letter state code (e.g. UT)",
		"bad.district":                  "%q is not a 7-digit NCES district (LEA) id",
		"bad.school":                    "%q is not a 12-digit NCES school id",
		"no_goals":                      "No goals yet. An admin creates them with the createGoal mutation.",
		"goals":                         "Goals",
		"index.note":                    "1 is parity: the Latino share of leaders equals the Latino share of students.",
		"log_axis":                      "People (log scale)",
		"role.none":                     "left the data",
		"role.teacher":                  "Teacher",
		"role.teacher_leader":           "Teacher leader",
		"role.assistant_principal":      "Assistant principal",
		"role.principal":                "Principal",
		"role.district_leader":          "District leader",
		"role.assistant_superintendent": "Assistant superintendent",
		"role.superintendent":           "Superintendent",
		"role.state_leader":             "State agency leader",

		"login.title":                      "Sign in to Camino",
		"login.key":                        "API key",
		"login.submit":                     "Sign in",
		"login.help":                       "Paste the key you were given (an admin creates keys with `camino keys create`). It is kept in a session cookie for this browser only.",
		"login.failed":                     "That key is not valid (missing, wrong, expired or revoked).",
		"login.unavailable":                "The key store is unavailable; try again shortly.",
		"forbidden":                        "Your key may not see this page.",
		"notfound":                         "No such page.",
		"back":                             "Back to your dashboard",
		"report.kicker":                    "Board report",
		"report.nopdf":                     "This server cannot print PDFs (no Chromium installed): open the report without format=pdf and print it from the browser.",
		"bad.public":                       "public: %q is not true or false",
		"bad.format":                       "format: %q is not html or pdf",
		"report.title":                     "%s: Latino educational leaders in %s",
		"report.for.board":                 "Prepared for the board, with figures in full: not for publication.",
		"report.for.public":                "Published version: counts below %d, and figures that would reveal them, are hidden.",
		"report.for.partner":               "Prepared for %s: its own figures in full; in comparisons with others (the state, peers) counts below %d are hidden. Not for publication.",
		"report.made":                      "Made on %s.",
		"report.data":                      "Data loaded %s.",
		"report.brief":                     "In brief",
		"report.changes":                   "What changed from %s to %s",
		"report.changes.title":             "What changed",
		"report.changes.one_year":          "%s is the only school year with data: no change to report yet.",
		"report.changes.leaders":           "%s Latino leaders in %s (%s from %s in %s).",
		"report.changes.principals":        "%s Latino people became principals in %s (%s).",
		"report.from_role":                 "%s from %s",
		"report.changes.principals.none":   "No Latino person became a principal in %s.",
		"report.changes.principals.hidden": "The number of Latino people who became principals in %s is hidden to protect individuals.",
		"report.changes.members":           "%s association members at the end of %s (%s from %s at the end of %s); %s joined during the year.",
		"report.tiers":                     "Latino leaders by tier",
		"report.tier":                      "Tier",
		"report.change":                    "Change",
		"report.movers":                    "Districts that moved most",
		"report.movers.rule":               "The largest changes in Latino leaders (at most eight), among districts with at least %d leaders in %s.",
		"report.movers.none":               "None of these districts changed.",
		"report.complete":                  "Data completeness",
		"report.unknown":                   "Ethnicity is unknown for %s of leaders in %s: Latino shares are over the rest, and Latino counts may miss some.",
		"report.unknown.prev":              "It was %s in %s.",
		"report.unknown.hidden":            "The share of leaders of unknown ethnicity in %s is hidden to protect individuals.",
		"report.files.all":                 "Every district with staff in %s sent a file for %s.",
		"report.files.missing":             "%d districts with staff in %s sent no file for %s, so their people are missing from its counts: %s.",
		"report.more":                      "and %d more",
		"report.read":                      "How to read this report",
		"report.note.people":               "A leader is an assistant principal or above (or a state agency leader), counted once at their highest post of the school year.",
		"report.note.path":                 "Expected by now is where a straight path from the baseline to the target stands in the latest year; the projection is the least-squares line through the last five years with figures, in whole people for a count.",
		"report.row.latest":                "Latest",
		"report.row.needed":                "Needed a year",
	},
	"es": {
		"nav.board":                            "Junta",
		"nav.logout":                           "Cerrar sesión",
		"filters":                              "Filtros",
		"filter.from":                          "Desde",
		"filter.to":                            "Hasta",
		"filter.tier":                          "Líderes de",
		"filter.state":                         "Estado",
		"filter.apply":                         "Aplicar",
		"tier.all":                             "todos los niveles",
		"tier.school":                          "escuelas",
		"tier.district":                        "oficinas de distrito",
		"tier.state":                           "la agencia estatal",
		"lang.other":                           "English",
		"table":                                "Tabla",
		"csv":                                  "CSV",
		"png":                                  "PNG",
		"png.title":                            "Guardar como PNG",
		"sort.value":                           "Ordenar por valor",
		"sort.name":                            "Ordenar por nombre",
		"empty":                                "No hay datos para estos filtros. Pruebe un rango de años más amplio u otro nivel.",
		"error":                                "No se pudo calcular este gráfico. El resto de la página no se ve afectado; inténtelo de nuevo en breve.",
		"suppressed.note":                      "Los valores que aparecen como «<%d» se ocultan para proteger a las personas: menos de %d personas, o una cifra que revelaría ese número.",
		"coded.note":                           "Los valores con ≤ o ≥ son cotas: la proporción exacta revelaría un número pequeño.",
		"footer":                               "Los recuentos son personas, cada una una vez en su puesto más alto del año escolar. Las proporciones son sobre personas de etnia conocida. Datos: plantillas de los distritos y matrícula; registros de socios de la asociación.",
		"school_year":                          "Año escolar",
		"people":                               "Personas",
		"percent":                              "%",
		"role":                                 "Puesto",
		"leaders":                              "Líderes",
		"latino_leaders":                       "Líderes latinos",
		"latino_leader_share":                  "Proporción latina de líderes",
		"latino_student_share":                 "Proporción latina de estudiantes",
		"latino_teacher_share":                 "Proporción latina de docentes",
		"representation_index":                 "Índice de representación",
		"staff":                                "Todas las personas",
		"latino_staff":                         "Personas latinas",
		"latino_staff_share":                   "Proporción latina",
		"promotion_rate":                       "Tasa de ascenso",
		"promotion_rate_ratio":                 "Tasa de ascenso latina ÷ otras",
		"retention_rate":                       "Líderes que continúan",
		"members":                              "Socios",
		"new_members":                          "Socios nuevos",
		"district":                             "Distrito",
		"school":                               "Escuela",
		"state":                                "Estado",
		"all_states":                           "Todos los estados",
		"latino_leader_flag":                   "Líder latino",
		"yes":                                  "sí",
		"no":                                   "no",
		"actual":                               "Real",
		"target":                               "Meta",
		"projection":                           "Proyección",
		"on_track":                             "En camino",
		"off_track":                            "Fuera de camino",
		"no_projection":                        "Faltan años para proyectar",
		"of_way":                               "del camino hacia la meta",
		"flows":                                "Socios",
		"no_data":                              "sin datos",
		"years.span":                           "%s a %s",
		"date":                                 "%d de %s de %d",
		"month.1":                              "enero",
		"month.2":                              "febrero",
		"month.3":                              "marzo",
		"month.4":                              "abril",
		"month.5":                              "mayo",
		"month.6":                              "junio",
		"month.7":                              "julio",
		"month.8":                              "agosto",
		"month.9":                              "septiembre",
		"month.10":                             "octubre",
		"month.11":                             "noviembre",
		"month.12":                             "diciembre",
		"years.note":                           "Los años escolares van de otoño a verano y llevan los dos años: 2025-26 empezó en el otoño de 2025.",
		"data.date":                            "datos cargados el %s",
		"printed":                              "impreso el %s",
		"csv.summary":                          "CSV (resumen)",
		"sankey.hide":                          "Ocultar a quienes salieron de los datos",
		"sankey.show":                          "Mostrar a quienes salieron de los datos",
		"schools":                              "Escuelas",
		"schools.note":                         "Cada punto es una escuela (su tamaño: sus líderes); un punto abre la página de la escuela. Sobre la línea discontinua la proporción latina de líderes es igual a la de estudiantes.",
		"hidden_share":                         "Proporción de líderes oculta",
		"parity":                               "paridad",
		"parity.index":                         "1 = paridad",
		"ranked":                               "En la clasificación",
		"rank.none":                            "Ningún distrito tiene %d líderes o más para clasificarlo; los %d con menos están en la tabla.",
		"rank.top":                             "Los %d más altos de los %d distritos con al menos %d líderes en %s, por índice de representación.",
		"rank.all":                             "Mostrar los %d",
		"rank.every":                           "Los %d distritos con al menos %d líderes en %s, por índice de representación.",
		"rank.fewer":                           "Mostrar los %d primeros",
		"rank.rest":                            "Los %d distritos con menos de %d líderes no se clasifican (una sola persona mueve su índice de 0 a varias veces la paridad); están en la tabla. Una barra abre la página del distrito.",
		"bad.ranking":                          "ranking: %q no es all",
		"expected":                             "Esperado a estas alturas",
		"of_way_col":                           "% del camino",
		"projection.linear":                    "Proyección (ritmo reciente)",
		"path":                                 "Línea recta hacia la meta",
		"goal.expected.mark":                   "esperado ahora: %s",
		"goal.target.mark":                     "meta: %s",
		"goal.title":                           "Título de la junta: %s.",
		"percent.sign":                         "\u00a0%",
		"goal.name":                            "%s en %s",
		"goal.noun.latino_leaders":             "líderes latinos",
		"goal.noun.latino_leaders.school":      "líderes escolares latinos",
		"goal.noun.latino_leaders.district":    "líderes latinos de distrito",
		"goal.noun.latino_leaders.state":       "líderes latinos estatales",
		"goal.noun.members":                    "socios de la asociación",
		"goal.noun.new_members":                "socios nuevos de la asociación",
		"goal.noun.latino_teachers":            "docentes latinos",
		"goal.noun.schools_with_latino_leader": "escuelas con un líder latino",
		"goal.people.all":                      "los líderes",
		"goal.people.school":                   "los líderes escolares",
		"goal.people.district":                 "los líderes de distrito",
		"goal.people.state":                    "los líderes estatales",
		"goal.lede.count":                      "%s de %s %s en %s",
		"goal.lede.other":                      "%s frente a una meta de %s: %s en %s",
		"goal.lede.none":                       "Aún no hay cifras de %s.",
		"goal.hidden":                          "La última cifra se oculta para proteger a las personas (menos personas que el umbral).",
		"goal.nodata":                          "Aún no hay datos desde %s.",
		"goal.way":                             ", el %s del camino",
		"goal.stand":                           "%s %s en %s%s de %s en %s a %s para %s.",
		"goal.expected":                        "Una línea recta de %s a la meta está en %s en %s: %s.",
		"goal.on_path":                         "justo sobre ella",
		"goal.ahead":                           "%s por delante",
		"goal.behind":                          "faltan %s para alcanzarla",
		"goal.projection.linear":               "Al ritmo de los últimos %d años (una recta ajustada a ellos), %s para %s: %s.",
		"goal.noprojection.linear":             "Hay muy pocos años con cifras para proyectar el ritmo.",
		"on_track_lower":                       "en camino",
		"goal.off_by":                          "fuera de camino, %s por debajo de la meta",
		"goal.due":                             "Llegó el año de la meta, %s: %s frente a una meta de %s.",
		"goal.reached":                         "Se alcanzó la meta de %s.",
		"goal.needed.more":                     "Llegar a %s para %s requiere %s más: %s al año durante %s.",
		"goal.needed.fewer":                    "Llegar a %s para %s requiere %s menos: %s al año durante %s.",
		"goal.unknown":                         "La etnia se desconoce para el %s de %s en %s: el recuento puede omitir a algunos.",
		"years.n":                              "%d años",
		"years.one":                            "un año",

		"title.board":                   "Panel de la junta",
		"chart.goal.gauge":              "avance hacia la meta de %s",
		"chart.tiers":                   "Líderes latinos por nivel, %s",
		"chart.reprByDistrict":          "Índice de representación por distrito, %s, %s",
		"chart.membership":              "Socios de la asociación, %s",
		"chart.progression":             "Movimientos de los socios entre puestos de un año al siguiente, %s",
		"chart.leadership":              "Líderes y líderes latinos (%s), %s",
		"chart.representation":          "Proporción latina de líderes (%s) y de estudiantes, %s",
		"chart.pipeline":                "La cantera por puesto: todas las personas y las latinas, %s",
		"chart.promotions":              "Ascensos y continuidad por puesto, acumulados %s",
		"chart.schools":                 "Escuelas del distrito, %s",
		"chart.schoolsMap":              "Escuelas: proporción latina de líderes frente a la de estudiantes, %s",
		"chart.comparison":              "Proporción latina de líderes, docentes y estudiantes: %s frente a %s, %s",
		"chart.goal.short":              "Metas",
		"chart.tiers.short":             "Líderes latinos por nivel",
		"chart.districts.short":         "Índice de representación por distrito",
		"chart.membership.short":        "Socios de la asociación",
		"chart.progression.short":       "Movimientos de los socios entre puestos",
		"chart.leadership.short":        "Líderes y líderes latinos",
		"chart.representation.short":    "Proporción latina de líderes y de estudiantes",
		"chart.pipeline.short":          "La cantera por puesto",
		"chart.promotions.short":        "Ascensos y continuidad",
		"chart.comparison.short":        "Comparación",
		"chart.schools.short":           "Escuelas del distrito",
		"progression.note":              "Se dibujan los socios que cambiaron de puesto o salieron de los datos; los que siguieron en su puesto están en la tabla.",
		"cmp.latino_leader_share":       "Líderes",
		"cmp.latino_teacher_share":      "Docentes",
		"cmp.latino_student_share":      "Estudiantes",
		"bad.once":                      "%s: indíquelo una sola vez, con un valor corto",
		"bad.year":                      "%s: %q no es un año escolar con datos (%d a %d)",
		"bad.span":                      "desde (%d) es posterior a hasta (%d)",
		"bad.tier":                      "nivel: %q no es school, district ni state",
		"bad.state":                     "estado: %q no es un código de estado de dos letras (p. ej. UT)",
		"bad.district":                  "%q no es un identificador de distrito (LEA) del NCES de 7 dígitos",
		"bad.school":                    "%q no es un identificador de escuela del NCES de 12 dígitos",
		"no_goals":                      "Aún no hay metas. Un administrador las crea con la mutación createGoal.",
		"goals":                         "Metas",
		"index.note":                    "1 es la paridad: la proporción latina de líderes igual a la de estudiantes.",
		"log_axis":                      "Personas (escala logarítmica)",
		"role.none":                     "salió de los datos",
		"role.teacher":                  "Docente",
		"role.teacher_leader":           "Docente líder",
		"role.assistant_principal":      "Subdirector(a)",
		"role.principal":                "Director(a)",
		"role.district_leader":          "Líder de distrito",
		"role.assistant_superintendent": "Superintendente adjunto(a)",
		"role.superintendent":           "Superintendente",
		"role.state_leader":             "Líder de la agencia estatal",

		"login.title":                      "Entrar en Camino",
		"login.key":                        "Clave de API",
		"login.submit":                     "Entrar",
		"login.help":                       "Pegue la clave que recibió (un administrador crea claves con `camino keys create`). Se guarda en una cookie de sesión solo en este navegador.",
		"login.failed":                     "Esa clave no es válida (falta, es incorrecta, caducó o fue revocada).",
		"login.unavailable":                "El almacén de claves no está disponible; inténtelo de nuevo en breve.",
		"forbidden":                        "Su clave no permite ver esta página.",
		"notfound":                         "Esta página no existe.",
		"back":                             "Volver a su panel",
		"report.kicker":                    "Informe para la junta",
		"report.nopdf":                     "Este servidor no puede imprimir PDF (no tiene Chromium): abra el informe sin format=pdf e imprímalo desde el navegador.",
		"bad.public":                       "public: %q no es true ni false",
		"bad.format":                       "format: %q no es html ni pdf",
		"report.title":                     "%s: líderes educativos latinos en %s",
		"report.for.board":                 "Preparado para la junta, con las cifras completas: no es para publicar.",
		"report.for.public":                "Versión publicada: se ocultan los recuentos menores de %d y las cifras que los revelarían.",
		"report.for.partner":               "Preparado para %s: sus propias cifras completas; en las comparaciones con otros (el estado, sus pares) se ocultan los recuentos menores de %d. No es para publicar.",
		"report.made":                      "Elaborado el %s.",
		"report.data":                      "Datos cargados el %s.",
		"report.brief":                     "En resumen",
		"report.changes":                   "Qué cambió de %s a %s",
		"report.changes.title":             "Qué cambió",
		"report.changes.one_year":          "%s es el único año escolar con datos: aún no hay cambios que contar.",
		"report.changes.leaders":           "%s líderes latinos en %s (%s desde %s en %s).",
		"report.changes.principals":        "%s personas latinas pasaron a ser directores en %s (%s).",
		"report.from_role":                 "%s desde %s",
		"report.changes.principals.none":   "Ninguna persona latina pasó a ser director en %s.",
		"report.changes.principals.hidden": "El número de personas latinas que pasaron a ser directores en %s se oculta para proteger a las personas.",
		"report.changes.members":           "%s socios de la asociación al final de %s (%s desde %s al final de %s); %s se unieron durante el año.",
		"report.tiers":                     "Líderes latinos por nivel",
		"report.tier":                      "Nivel",
		"report.change":                    "Cambio",
		"report.movers":                    "Distritos que más cambiaron",
		"report.movers.rule":               "Los mayores cambios en líderes latinos (ocho como máximo), entre los distritos con al menos %d líderes en %s.",
		"report.movers.none":               "Ninguno de estos distritos cambió.",
		"report.complete":                  "Datos completos",
		"report.unknown":                   "La etnia se desconoce para el %s de los líderes en %s: las proporciones latinas son sobre el resto y los recuentos latinos pueden omitir a algunos.",
		"report.unknown.prev":              "Era el %s en %s.",
		"report.unknown.hidden":            "La proporción de líderes de etnia desconocida en %s se oculta para proteger a las personas.",
		"report.files.all":                 "Todos los distritos con personal en %s enviaron un archivo de %s.",
		"report.files.missing":             "%d distritos con personal en %s no enviaron archivo de %s, así que sus personas faltan en sus recuentos: %s.",
		"report.more":                      "y %d más",
		"report.read":                      "Cómo leer este informe",
		"report.note.people":               "Un líder es un subdirector o un puesto superior (o un líder de la agencia estatal), contado una vez en su puesto más alto del año escolar.",
		"report.note.path":                 "Lo esperado a estas alturas es donde está en el último año una línea recta de la línea de base a la meta; la proyección es la recta de mínimos cuadrados por los últimos cinco años con cifras, en personas enteras para un recuento.",
		"report.row.latest":                "Último",
		"report.row.needed":                "Necesario al año",
	},
}
