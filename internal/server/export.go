package server

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/scope"
)

// maxExportQuery bounds the query parameter of /export.csv.
const maxExportQuery = 16 << 10

// exportQuery is the JSON of /export.csv?query=…: the analyst query's
// fields, names as in GraphQL (LATINO_LEADERS) or the catalog (latino_leaders).
type exportQuery struct {
	Measures   []string `json:"measures"`
	Dimensions []string `json:"dimensions"`
	Filters    []struct {
		Dimension string   `json:"dimension"`
		In        []string `json:"in"`
		NotIn     []string `json:"notIn"`
		Min       *string  `json:"min"`
		Max       *string  `json:"max"`
	} `json:"filters"`
	Having []struct {
		Measure string  `json:"measure"`
		Op      string  `json:"op"`
		Value   float64 `json:"value"`
	} `json:"having"`
	From    int `json:"from"`
	To      int `json:"to"`
	OrderBy []struct {
		Measure   string `json:"measure"`
		Dimension string `json:"dimension"`
		Desc      bool   `json:"desc"`
	} `json:"orderBy"`
	Limit int `json:"limit"`
}

func (e exportQuery) query() metrics.Query {
	low := strings.ToLower
	q := metrics.Query{From: e.From, To: e.To, Limit: e.Limit}
	if q.Limit == 0 {
		q.Limit = metrics.MaxLimit // a download has no cap below the documented maximum
	}
	for _, m := range e.Measures {
		q.Measures = append(q.Measures, low(m))
	}
	for _, d := range e.Dimensions {
		q.Dimensions = append(q.Dimensions, low(d))
	}
	for _, f := range e.Filters {
		q.Filters = append(q.Filters, metrics.Filter{Dimension: low(f.Dimension), In: f.In, NotIn: f.NotIn, Min: f.Min, Max: f.Max})
	}
	for _, h := range e.Having {
		q.Having = append(q.Having, metrics.MeasureFilter{Measure: low(h.Measure), Op: metrics.Op(low(h.Op)), Value: h.Value})
	}
	for _, o := range e.OrderBy {
		q.OrderBy = append(q.OrderBy, metrics.Order{Measure: low(o.Measure), Dimension: low(o.Dimension), Desc: o.Desc})
	}
	return q
}

// exportCSV answers GET /export.csv?query={…} with the analyst query's
// result as CSV: a header row (dimensions, measures, and the unknown
// ethnicity share beside each share), then one line per row.
func exportCSV(opt Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The export is the analyst query, for the same keys: a partner's
		// scope is written into the SQL as for every query.
		if !opt.Unauthenticated {
			if err := access.Require(r.Context(), access.RoleBoard, access.RolePartner, access.RoleAnalyst, access.RoleAdmin); err != nil {
				httpError(w, http.StatusForbidden, apperr.MessageOf(err))
				return
			}
		}
		raw := r.URL.Query().Get("query")
		if raw == "" {
			httpError(w, http.StatusBadRequest, `pass the analyst query as JSON in ?query=, e.g. {"measures":["latino_leaders"],"dimensions":["district"],"from":2023,"to":2023}`)
			return
		}
		if len(raw) > maxExportQuery {
			httpError(w, http.StatusRequestURITooLong, fmt.Sprintf("the query is longer than %d bytes", maxExportQuery))
			return
		}
		var eq exportQuery
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&eq); err != nil {
			httpError(w, http.StatusBadRequest, "the query is not valid JSON for the analyst query: "+err.Error())
			return
		}
		res, err := opt.Metrics.Run(r.Context(), eq.query())
		if err != nil {
			status, msg := http.StatusInternalServerError, "internal error"
			var ae *apperr.Error
			if errors.As(err, &ae) {
				switch ae.Code {
				case apperr.Invalid:
					status, msg = http.StatusBadRequest, apperr.MessageOf(err)
				case apperr.NotFound:
					status, msg = http.StatusNotFound, apperr.MessageOf(err)
				case apperr.Unavailable:
					status, msg = http.StatusServiceUnavailable, "the warehouse is unavailable or the query took too long; try again"
				}
			}
			if status >= 500 {
				opt.Log.Error("export failed", "err", err, "request_id", requestIDFrom(r.Context()))
			}
			httpError(w, status, msg)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="camino-metrics.csv"`)
		w.Header().Set("X-Total-Count", strconv.Itoa(res.TotalCount))
		cw := csv.NewWriter(w)
		header := append([]string{}, res.Dimensions...)
		var shares []bool
		// Where figures may be suppressed, every measure has a column saying
		// why a value is empty (the reasons of extensions.suppression).
		suppressed := scope.From(r.Context()).Suppressed()
		for _, name := range res.Measures {
			m, _ := metrics.LookupMeasure(name)
			header = append(header, name)
			shares = append(shares, m.HasUnknownShare())
			if m.HasUnknownShare() {
				header = append(header, name+"_unknown_ethnicity_share")
			}
			if suppressed {
				header = append(header, name+"_suppressed")
			}
		}
		_ = cw.Write(header)
		num := func(v *float64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatFloat(*v, 'f', -1, 64)
		}
		for _, row := range res.Rows {
			rec := append([]string{}, row.Dims...)
			for i, v := range row.Values {
				rec = append(rec, num(v.V))
				if shares[i] {
					rec = append(rec, num(v.UnknownShare))
				}
				if suppressed {
					rec = append(rec, string(v.Suppressed))
				}
			}
			_ = cw.Write(rec)
		}
		cw.Flush()
	})
}

func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
