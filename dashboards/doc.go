// Package dashboards owns camino's HTML dashboards: the board page, the
// state, district and school pages, the login form and its session cookie,
// and each chart's table view and CSV. Pages are rendered per request with
// go-echarts from the same services the GraphQL resolvers read
// (internal/metrics for every figure, internal/warehouse for names and
// goals), in the requester's scope and with the same small-cell suppression.
//
// It must never write SQL or compute a figure the catalog does not (it only
// arranges the catalog's results into charts), never call camino's own HTTP
// API, never let a partner session read a district outside its key, and
// never make a page load anything from outside camino's origin (ECharts is
// served from /assets/vendor, installed from npm at build time).
package dashboards
