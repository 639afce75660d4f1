package dashboards

import (
	"strings"
	"testing"
)

func TestEveryMessageIsInBothLanguages(t *testing.T) {
	for _, pair := range [][2]string{{"en", "es"}, {"es", "en"}} {
		for k, v := range messages[pair[0]] {
			w, ok := messages[pair[1]][k]
			if !ok || w == "" {
				t.Errorf("%q is in %s but not in %s", k, pair[0], pair[1])
			}
			if strings.Count(v, "%") != strings.Count(w, "%") {
				t.Errorf("%q: the %s and %s forms take different arguments: %q, %q", k, pair[0], pair[1], v, w)
			}
		}
	}
}

func TestNumbersInTheReadersFormat(t *testing.T) {
	en, es := text{lang: "en"}, text{lang: "es"}
	for _, tc := range []struct {
		got, want string
	}{
		{en.int(1234567), "1,234,567"}, {es.int(1234567), "1.234.567"},
		{en.int(1234), "1,234"}, {es.int(1234), "1234"}, // Spanish groups from five digits
		{en.number(-0.004, 2), "0.00"}, {en.number(-12.5, 1), "−12.5"},
		{en.percent(0.4521), "45.2%"}, {es.percent(0.4521), "45,2\u00a0%"},
		{es.number(12345.678, 2), "12.345,68"},
		{en.schoolYear(2023), "2023-24"}, {en.schoolYear(2099), "2099-00"},
		{en.years(2019, 2023), "2019-20 to 2023-24"}, {es.years(2019, 2023), "2019-20 a 2023-24"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                          "en",
		"es":                        "es",
		"es-MX,es;q=0.9,en;q=0.8":   "es",
		"en-US,en;q=0.9,es;q=0.8":   "en",
		"fr-FR,es;q=0.5":            "es",
		"fr, de":                    "en",
		"es;q=abc, en;q=0.1":        "es",
		"es;q=0.1, en;q=2":          "en", // q above 1 is read as 1
		strings.Repeat("fr,", 1000): "en",
	} {
		if got := acceptLanguage(h); got != want {
			t.Errorf("%.40q: %s, want %s", h, got, want)
		}
	}
}

func TestSafeNextStaysOnTheDashboards(t *testing.T) {
	for next, want := range map[string]string{
		"/dashboards/board":               "/dashboards/board",
		"/dashboards/state/UT?from=2020":  "/dashboards/state/UT?from=2020",
		"https://evil.example/dashboards": "",
		"//evil.example/dashboards":       "",
		"/\\evil.example":                 "",
		"/graphql":                        "",
		"javascript:alert(1)":             "",
		"/dashboards/../graphql":          "",
		"":                                "",
		"/dashboards/" + strings.Repeat("x", 3000): "",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("%.50q: %q, want %q", next, got, want)
		}
	}
}
