package server

import (
	"net/http"
	"path/filepath"
	"strings"
)

// vendorFiles maps the public names of third-party front-end files to their
// place in the npm install (web/node_modules, see `make assets`). Only these
// files are served; they come from the npm registry at build time, never a
// CDN at run time.
var vendorFiles = map[string]string{
	"react.production.min.js":     "react/umd/react.production.min.js",
	"react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
	"graphiql.min.js":             "graphiql/graphiql.min.js",
	"graphiql.min.css":            "graphiql/graphiql.min.css",
	"echarts.min.js":              "echarts/dist/echarts.min.js",
}

func vendorAssets(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/assets/vendor/")
		rel, ok := vendorFiles[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		path := filepath.Join(dir, filepath.FromSlash(rel))
		w.Header().Set("Cache-Control", "public, max-age=86400")
		http.ServeFile(w, r, path)
	})
}

// graphiQL serves the GraphiQL page; its scripts come from /assets/vendor.
func graphiQL(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; img-src 'self' data:; font-src 'self' data:")
	_, _ = w.Write([]byte(graphiQLPage))
}

const graphiQLPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Camino GraphQL</title>
<link rel="stylesheet" href="/assets/vendor/graphiql.min.css">
<style>html,body,#graphiql{height:100%;margin:0}</style>
</head>
<body>
<div id="graphiql"><p style="font-family:sans-serif;padding:1em">Loading GraphiQL… If this stays, the front-end assets are missing: run <code>make assets</code>. The API itself answers at <code>POST /graphql</code>.</p></div>
<script src="/assets/vendor/react.production.min.js"></script>
<script src="/assets/vendor/react-dom.production.min.js"></script>
<script src="/assets/vendor/graphiql.min.js"></script>
<script>
const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
const example = '# Latino leaders in Utah, year by year\n{\n  state(code: "UT") {\n    name\n    leadership { schoolYear leaders latinoLeaders latinoLeaderShare }\n  }\n}\n';
// Every request needs a key: put yours in the Headers tab (kept in this
// browser only). make run writes a first admin key to .camino/admin.key.
const headers = '{\n  "Authorization": "Bearer <your key: cat .camino/admin.key>"\n}';
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultQuery: example, defaultHeaders: headers,
    defaultEditorToolsVisibility: 'headers', shouldPersistHeaders: true }));
</script>
</body>
</html>
`
