package dashboards

import (
	"math"
	"net/http"
	"strconv"
	"strings"
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

// years names a span of school years by their fall years: 2019–2023.
func (t text) years(from, to int) string {
	if from == to {
		return t.schoolYear(from)
	}
	return strconv.Itoa(from) + "–" + strconv.Itoa(to)
}

// schoolYear names one school year: 2023-24.
func (t text) schoolYear(y int) string {
	return strconv.Itoa(y) + "-" + strconv.Itoa((y+1)%100/10) + strconv.Itoa((y+1)%10)
}

var messages = map[string]map[string]string{
	"en": {
		"nav.board":            "Board",
		"nav.logout":           "Log out",
		"filters":              "Filters",
		"filter.from":          "From",
		"filter.to":            "To",
		"filter.tier":          "Leaders of",
		"filter.state":         "State",
		"filter.apply":         "Apply",
		"tier.all":             "every tier",
		"tier.school":          "schools",
		"tier.district":        "district offices",
		"tier.state":           "the state agency",
		"lang.other":           "Español",
		"table":                "Table",
		"csv":                  "CSV",
		"png":                  "PNG",
		"png.title":            "Save as PNG",
		"sort.value":           "Sort by value",
		"sort.name":            "Sort by name",
		"empty":                "No data for these filters. Try a wider year range or another tier.",
		"error":                "This chart could not be computed. The rest of the page is unaffected; try again shortly.",
		"suppressed.note":      "Values shown as “<%d” are hidden to protect individuals: fewer than %d people, or a figure that would reveal such a count.",
		"coded.note":           "Values shown with ≤ or ≥ are bounds: the exact share would reveal a small count.",
		"footer":               "Counts are people, each once at their highest post of the school year. Shares are over people of known ethnicity. Data: district staffing snapshots and enrollment; the association's member records.",
		"school_year":          "School year",
		"people":               "People",
		"percent":              "%",
		"role":                 "Role",
		"leaders":              "Leaders",
		"latino_leaders":       "Latino leaders",
		"latino_leader_share":  "Latino share of leaders",
		"latino_student_share": "Latino share of students",
		"latino_teacher_share": "Latino share of teachers",
		"representation_index": "Representation index",
		"staff":                "All people",
		"latino_staff":         "Latino people",
		"latino_staff_share":   "Latino share",
		"promotion_rate":       "Promotion rate",
		"promotion_rate_ratio": "Latino ÷ other promotion rate",
		"retention_rate":       "Leaders retained",
		"members":              "Members",
		"new_members":          "New members",
		"district":             "District",
		"school":               "School",
		"state":                "State",
		"all_states":           "All states",
		"latino_leader_flag":   "Latino leader",
		"yes":                  "yes",
		"no":                   "no",
		"actual":               "Actual",
		"target":               "Target",
		"projection":           "Projection",
		"on_track":             "On track",
		"off_track":            "Off track",
		"no_projection":        "Not enough years to project",
		"of_way":               "of the way to the target",
		"flows":                "Members",

		"title.board":                   "Board dashboard",
		"chart.goal":                    "%s: %s by %d",
		"chart.goal.gauge":              "Progress to the %d target",
		"chart.tiers":                   "Latino leaders by tier, %s",
		"chart.reprByDistrict":          "Representation index by district, %s, %s",
		"chart.membership":              "Association members, %s",
		"chart.progression":             "Members' moves between ranks from one year to the next, %s",
		"chart.leadership":              "Leaders and Latino leaders (%s), %s",
		"chart.representation":          "Latino share of leaders (%s) and of students, %s",
		"chart.pipeline":                "The pipeline by rank: everyone and Latino people, %s",
		"chart.promotions":              "Promotions and retention by role, pooled %s",
		"chart.schools":                 "Schools of the district, %s",
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

		"login.title":       "Sign in to Camino",
		"login.key":         "API key",
		"login.submit":      "Sign in",
		"login.help":        "Paste the key you were given (an admin creates keys with `camino keys create`). It is kept in a session cookie for this browser only.",
		"login.failed":      "That key is not valid (missing, wrong, expired or revoked).",
		"login.unavailable": "The key store is unavailable; try again shortly.",
		"forbidden":         "Your key may not see this page.",
		"notfound":          "No such page.",
		"back":              "Back to your dashboard",
	},
	"es": {
		"nav.board":            "Junta",
		"nav.logout":           "Cerrar sesión",
		"filters":              "Filtros",
		"filter.from":          "Desde",
		"filter.to":            "Hasta",
		"filter.tier":          "Líderes de",
		"filter.state":         "Estado",
		"filter.apply":         "Aplicar",
		"tier.all":             "todos los niveles",
		"tier.school":          "escuelas",
		"tier.district":        "oficinas de distrito",
		"tier.state":           "la agencia estatal",
		"lang.other":           "English",
		"table":                "Tabla",
		"csv":                  "CSV",
		"png":                  "PNG",
		"png.title":            "Guardar como PNG",
		"sort.value":           "Ordenar por valor",
		"sort.name":            "Ordenar por nombre",
		"empty":                "No hay datos para estos filtros. Pruebe un rango de años más amplio u otro nivel.",
		"error":                "No se pudo calcular este gráfico. El resto de la página no se ve afectado; inténtelo de nuevo en breve.",
		"suppressed.note":      "Los valores que aparecen como «<%d» se ocultan para proteger a las personas: menos de %d personas, o una cifra que revelaría ese número.",
		"coded.note":           "Los valores con ≤ o ≥ son cotas: la proporción exacta revelaría un número pequeño.",
		"footer":               "Los recuentos son personas, cada una una vez en su puesto más alto del año escolar. Las proporciones son sobre personas de etnia conocida. Datos: plantillas de los distritos y matrícula; registros de socios de la asociación.",
		"school_year":          "Año escolar",
		"people":               "Personas",
		"percent":              "%",
		"role":                 "Puesto",
		"leaders":              "Líderes",
		"latino_leaders":       "Líderes latinos",
		"latino_leader_share":  "Proporción latina de líderes",
		"latino_student_share": "Proporción latina de estudiantes",
		"latino_teacher_share": "Proporción latina de docentes",
		"representation_index": "Índice de representación",
		"staff":                "Todas las personas",
		"latino_staff":         "Personas latinas",
		"latino_staff_share":   "Proporción latina",
		"promotion_rate":       "Tasa de ascenso",
		"promotion_rate_ratio": "Tasa de ascenso latina ÷ otras",
		"retention_rate":       "Líderes que continúan",
		"members":              "Socios",
		"new_members":          "Socios nuevos",
		"district":             "Distrito",
		"school":               "Escuela",
		"state":                "Estado",
		"all_states":           "Todos los estados",
		"latino_leader_flag":   "Líder latino",
		"yes":                  "sí",
		"no":                   "no",
		"actual":               "Real",
		"target":               "Meta",
		"projection":           "Proyección",
		"on_track":             "En camino",
		"off_track":            "Fuera de camino",
		"no_projection":        "Faltan años para proyectar",
		"of_way":               "del camino hacia la meta",
		"flows":                "Socios",

		"title.board":                   "Panel de la junta",
		"chart.goal":                    "%s: %s para %d",
		"chart.goal.gauge":              "Avance hacia la meta de %d",
		"chart.tiers":                   "Líderes latinos por nivel, %s",
		"chart.reprByDistrict":          "Índice de representación por distrito, %s, %s",
		"chart.membership":              "Socios de la asociación, %s",
		"chart.progression":             "Movimientos de los socios entre puestos de un año al siguiente, %s",
		"chart.leadership":              "Líderes y líderes latinos (%s), %s",
		"chart.representation":          "Proporción latina de líderes (%s) y de estudiantes, %s",
		"chart.pipeline":                "La cantera por puesto: todas las personas y las latinas, %s",
		"chart.promotions":              "Ascensos y continuidad por puesto, acumulados %s",
		"chart.schools":                 "Escuelas del distrito, %s",
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

		"login.title":       "Entrar en Camino",
		"login.key":         "Clave de API",
		"login.submit":      "Entrar",
		"login.help":        "Pegue la clave que recibió (un administrador crea claves con `camino keys create`). Se guarda en una cookie de sesión solo en este navegador.",
		"login.failed":      "Esa clave no es válida (falta, es incorrecta, caducó o fue revocada).",
		"login.unavailable": "El almacén de claves no está disponible; inténtelo de nuevo en breve.",
		"forbidden":         "Su clave no permite ver esta página.",
		"notfound":          "Esta página no existe.",
		"back":              "Volver a su panel",
	},
}
