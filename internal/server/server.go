package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/camino-edu/camino/dashboards"
	"github.com/camino-edu/camino/graph"
	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/loaders"
)

// Limits bound what one request may ask.
type Limits struct {
	MaxBodyBytes int64 // request body (default 1 MiB)
	// MaxComplexity bounds gqlgen's complexity, in which a list weighs its
	// selection times its page size (`first`) or years asked (graph/complexity.go)
	// (default 20,000).
	MaxComplexity int
	// Every document is measured before it is validated (document.go),
	// counting all its operations and fragments:
	MaxTokens     int   // tokens of its text, comments included (default 20,000)
	MaxOperations int   // operations in it (default 20)
	MaxFragments  int   // fragment definitions in it (default 100)
	MaxDepth      int   // nesting of fields (default 15)
	MaxFields     int64 // fields after expanding fragments (default 5,000)
	MaxAliases    int64 // aliased fields after expanding fragments (default 100)
	MaxDirectives int64 // directives after expanding fragments (default 50)
	// MaxRepeats is how many fields may select one response name at one
	// place of the response, after fragments are expanded (default 10):
	// validation compares each pair of them.
	MaxRepeats       int
	MaxVariableBytes int64 // the variables' JSON (default 64 KiB)
	// MaxErrors is the errors one response carries (default 100); past it,
	// one more error says how many were left out.
	MaxErrors int
	// MaxResponseBytes bounds a GraphQL response's JSON (default 16 MiB);
	// a larger one is replaced by an error saying so.
	MaxResponseBytes int64
	RequestTime      time.Duration // whole request (default 60s)
	// RatePerKey is the requests a second one key may send, in bursts of
	// up to Burst (defaults 20 and 40); beyond, 429 with Retry-After. A
	// negative rate is no limit.
	RatePerKey float64
	Burst      int
	// FailedAuthRate is the failed authentications a second one client
	// address may make, in bursts of up to FailedAuthBurst (defaults 10
	// and 20); beyond, its requests get 429 before any key is looked up.
	// A negative rate is no limit.
	FailedAuthRate  float64
	FailedAuthBurst int
	// InFlightPerKey is the requests one key may have in progress at once
	// (default 4); beyond, 429 with Retry-After. Negative: no limit.
	InFlightPerKey int
	// TimePerKey is the seconds of request time one key may use a second,
	// averaged over TimeBurst (defaults 2 and 60 s): a key whose requests
	// have kept the server busy longer gets 429 with Retry-After until
	// its budget refills. Negative: no limit.
	TimePerKey float64
	TimeBurst  time.Duration
}

// Options configure the server.
type Options struct {
	DB *warehouse.DB
	// Metrics runs catalog queries (default: an engine over DB).
	Metrics *metrics.Engine
	// Keys are the API keys requests authenticate with (default: DB).
	Keys access.Store
	Log  *slog.Logger
	// Audit receives one line per request (default: Log).
	Audit     *slog.Logger
	AssetsDir string
	Version   string
	Limits    Limits
	// SuppressBelow is the small-cell threshold: in partner and public
	// output, counts below it are suppressed (default 10).
	SuppressBelow int
	// Unauthenticated serves without keys, every request seeing
	// everything: the baseline of the access benchmark only. The CLI never
	// sets it.
	Unauthenticated bool
	// TrustedDocuments, when not nil, is the trusted-documents mode: board
	// and partner keys may run only these operation documents (SHA-256 hex
	// of the text → text; see LoadTrustedDocuments), sent as text or as
	// extensions.persistedQuery.sha256Hash alone. Analyst and admin keys
	// run anything.
	TrustedDocuments map[string]string
	// DashboardCacheTTL is how long the dashboards reuse a catalog result
	// for readers of the same scope (default 60 s; negative: no cache).
	DashboardCacheTTL time.Duration
	// Chromium prints the board report as PDF (/reports/board?format=pdf);
	// empty: HTML only.
	Chromium string
}

// New returns the HTTP handler with every route.
func New(opt Options) http.Handler {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	defaultTo(&opt.Limits.MaxBodyBytes, 1<<20)
	defaultTo(&opt.Limits.MaxComplexity, 20000)
	defaultTo(&opt.Limits.MaxTokens, 20000)
	defaultTo(&opt.Limits.MaxOperations, 20)
	defaultTo(&opt.Limits.MaxFragments, 100)
	defaultTo(&opt.Limits.MaxRepeats, 10)
	defaultTo(&opt.Limits.MaxErrors, 100)
	defaultTo(&opt.Limits.MaxResponseBytes, 16<<20)
	defaultTo(&opt.Limits.MaxDepth, 15)
	defaultTo(&opt.Limits.MaxFields, 5000)
	defaultTo(&opt.Limits.MaxAliases, 100)
	defaultTo(&opt.Limits.MaxDirectives, 50)
	defaultTo(&opt.Limits.MaxVariableBytes, 64<<10)
	defaultTo(&opt.Limits.RequestTime, 60*time.Second)
	defaultTo(&opt.Limits.RatePerKey, 20)
	defaultTo(&opt.Limits.Burst, 40)
	defaultTo(&opt.Limits.FailedAuthRate, 10)
	defaultTo(&opt.Limits.FailedAuthBurst, 20)
	defaultTo(&opt.Limits.InFlightPerKey, 4)
	defaultTo(&opt.Limits.TimePerKey, 2)
	defaultTo(&opt.Limits.TimeBurst, 60*time.Second)
	if opt.Metrics == nil {
		opt.Metrics = metrics.NewEngine(opt.DB)
	}
	if opt.Keys == nil {
		opt.Keys = opt.DB
	}
	if opt.Audit == nil {
		opt.Audit = opt.Log
	}
	defaultTo(&opt.SuppressBelow, 10)
	auth := &access.Authenticator{Store: opt.Keys}
	lim := newLimiters(opt.Limits)
	mux := http.NewServeMux()
	gql := limitResponse(opt.Limits.MaxResponseBytes, loaders.Middleware(opt.DB, opt.Metrics, graphQLHandler(opt)))
	mux.Handle("/graphql", authenticated(opt, auth, lim, gql))
	mux.Handle("GET /export.csv", authenticated(opt, auth, lim, exportCSV(opt)))
	mux.HandleFunc("GET /{$}", graphiQL)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := opt.DB.Ping(ctx); err != nil {
			opt.Log.Warn("not ready", "err", err)
			http.Error(w, "warehouse unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /assets/vendor/", vendorAssets(opt.AssetsDir))
	// The dashboards read the same services in the same scope as the API
	// (never HTTP back into it); their login shares the key checks and the
	// rate limits, and each page writes an audit line like a request.
	dashboards.New(dashboards.Options{Metrics: opt.Metrics, Places: opt.DB, Auth: auth, SuppressBelow: opt.SuppressBelow,
		CacheTTL: opt.DashboardCacheTTL, Chromium: opt.Chromium, Log: opt.Log, AllowLogin: lim.allowAuthentication, // counts the attempt: a failed sign-in needs no more

		Admit: func(w http.ResponseWriter, r *http.Request, p access.Principal) bool {
			if a := auditFrom(r.Context()); a != nil {
				a.setOperation("dashboard " + r.URL.Path)
			}
			done, ok := admit(w, r, lim, p)
			if ok { // the page ends with its request's context (withRequest cancels it on return)
				context.AfterFunc(r.Context(), done)
			}
			return ok
		}}).Register(mux)
	return withRequest(opt, mux)
}

func graphQLHandler(opt Options) http.Handler {
	srv := handler.New(graph.NewSchema(&graph.Resolver{Geo: opt.DB, GoalStore: opt.DB, Metrics: opt.Metrics, Log: opt.Log,
		SuppressBelow: opt.SuppressBelow}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	docs := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(docs)
	// The parser's own bound, behind the document-limit pass's token count.
	srv.SetParserTokenLimit(opt.Limits.MaxTokens)
	srv.Use(roleRules{open: opt.Unauthenticated})
	// Before the document is parsed, in this order: the variables' size,
	// then trusted documents (before APQ, whose cache any key may fill),
	// then automatic persisted queries (bandwidth only: the cache holds
	// query text, every request runs in its own key's scope), then the
	// document's limits, measured before gqlgen parses and validates it.
	srv.Use(variableLimit{max: opt.Limits.MaxVariableBytes})
	if opt.TrustedDocuments != nil {
		srv.Use(newTrustedDocuments(opt.TrustedDocuments, opt.Log.Warn))
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	lim := opt.Limits
	srv.Use(documentLimits{cache: docs, limits: docLimits{tokens: lim.MaxTokens, depth: lim.MaxDepth, operations: lim.MaxOperations,
		fragments: lim.MaxFragments, repeats: lim.MaxRepeats, fields: lim.MaxFields, aliases: lim.MaxAliases, directives: lim.MaxDirectives}})
	srv.Use(extension.FixedComplexityLimit(opt.Limits.MaxComplexity))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		name := oc.OperationName // as the client named it, else as the document does
		if name == "" && oc.Operation != nil {
			name = oc.Operation.Name
		}
		ctx = warehouse.WithTag(ctx, requestIDFrom(ctx), name)
		if a := auditFrom(ctx); a != nil {
			a.setOperation(name)
		}
		graph.InstallPrefetch(ctx)
		return next(ctx)
	})
	fresh := newFreshness(opt.DB, opt.Log)
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp == nil {
			return resp
		}
		if resp.Extensions == nil {
			resp.Extensions = map[string]any{}
		}
		resp.Extensions["freshness"] = fresh.get()
		resp.Extensions["suppression"] = suppressionOf(ctx)
		resp.Errors = capErrors(resp.Errors, lim.MaxErrors)
		if a := auditFrom(ctx); a != nil {
			for _, e := range resp.Errors {
				code, _ := e.Extensions["code"].(string)
				if code == "" {
					code = "invalid"
				}
				a.addCode(code)
			}
		}
		return resp
	})
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		opt.Log.Error("panic in resolver", "panic", p, "path", graphql.GetPath(ctx), "request_id", requestIDFrom(ctx))
		return apperr.Errorf(apperr.Internal, "internal error")
	})
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return presentError(ctx, opt.Log, err)
	})
	return srv
}

// presentError puts our code in extensions.code and hides everything that is
// not a client-safe application error, logging it with the field path.
func presentError(ctx context.Context, log *slog.Logger, err error) *gqlerror.Error {
	gerr := graphql.DefaultErrorPresenter(ctx, err)
	if errors.Is(ctx.Err(), context.Canceled) && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// The client went away (its connection closed): nobody reads this
		// answer, and nothing failed on our side.
		log.Info("request cancelled: the client went away", "path", gerr.Path.String(), "request_id", requestIDFrom(ctx))
		gerr.Message = "the request was cancelled"
		gerr.Extensions = map[string]any{"code": "cancelled"}
		return gerr
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		if ae.Code == apperr.Internal || ae.Code == apperr.Unavailable {
			log.Error("request failed", "err", err, "path", gerr.Path.String(), "request_id", requestIDFrom(ctx))
		}
		gerr.Message = apperr.MessageOf(err)
		if ae.Code == apperr.Unavailable {
			gerr.Message = "the warehouse is unavailable or the query took too long; try again"
		}
		gerr.Extensions = map[string]any{"code": string(ae.Code)}
		return gerr
	}
	if gerr.Err != nil && gerr.Err.Error() == "introspection disabled" { // gqlgen's, for a role without introspection (roleRules)
		gerr.Message = "introspection (__schema, __type) is only for analyst and admin keys"
		gerr.Extensions = map[string]any{"code": string(apperr.Forbidden)}
		return gerr
	}
	if gerr.Err != nil { // a resolver error that is not ours: never show it
		log.Error("request failed", "err", err, "path", gerr.Path.String(), "request_id", requestIDFrom(ctx))
		gerr.Message = "internal error"
		gerr.Extensions = map[string]any{"code": string(apperr.Internal)}
		return gerr
	}
	// Parse and validation errors: clear and safe, but they may quote the
	// request (gqlgen's for a body that is not JSON quotes all of it).
	if msg, _, cut := strings.Cut(gerr.Message, " body:"); cut && strings.HasPrefix(msg, "json request body could not be decoded") {
		gerr.Message = "the request body is not the JSON of a GraphQL request: " + strings.TrimPrefix(msg, "json request body could not be decoded: ")
	}
	gerr.Message = clipMessage(gerr.Message)
	return gerr
}

type requestIDKey struct{}

func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// statusRecorder remembers the status for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// withRequest gives every request an id (a client's X-Request-Id when it is
// well formed), a deadline, a body limit and an access log line.
func withRequest(opt Options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDRE.MatchString(id) {
			id = warehouse.NewID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), requestIDKey{}, id), opt.Limits.RequestTime)
		defer cancel()
		ctx = warehouse.WithTag(ctx, id, "")
		// Every read of the request sees one committed version (docs/loads.md).
		ctx = warehouse.WithSnapshotSlot(ctx)
		// and runs read-only, with its own memory and result bounds.
		ctx = warehouse.ForRequest(ctx)
		ctx = context.WithValue(ctx, auditKey{}, &auditRecord{})
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() { logAudit(opt.Audit, ctx, r, rec.status, start, id) }()
		if r.Body != nil && r.Method != http.MethodGet {
			// Read the body under the limit before any handler parses it, so
			// an oversized one gets a clear 413 rather than a decoding error.
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, opt.Limits.MaxBodyBytes))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					writeGraphQLError(rec, http.StatusRequestEntityTooLarge, "invalid",
						fmt.Sprintf("request body is larger than %d bytes", opt.Limits.MaxBodyBytes))
				} else {
					writeGraphQLError(rec, http.StatusBadRequest, "invalid", "could not read the request body")
				}
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// writeGraphQLError answers with a GraphQL-shaped error body.
func writeGraphQLError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
}

// Serve listens on addr and serves h until ctx is cancelled, then shuts
// down gracefully, letting requests in flight finish (up to 15 seconds).
// ready, if not nil, receives the bound address once listening.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err, "cannot listen on "+addr)
	}
	// From the moment shutdown begins /readyz answers 503, so a load
	// balancer stops sending traffic while requests in flight drain;
	// /healthz keeps answering (the process is alive).
	// The listener stays open while requests in flight drain (up to the
	// same 15 seconds), so probes still get an answer; then the server
	// shuts down.
	var draining atomic.Bool
	var inflight atomic.Int64
	inner := h
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			if draining.Load() {
				w.Header().Set("Connection", "close")
				http.Error(w, "shutting down", http.StatusServiceUnavailable)
				return
			}
		case "/healthz":
		default:
			inflight.Add(1)
			defer inflight.Add(-1)
		}
		inner.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	draining.Store(true)
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for inflight.Load() > 0 && sctx.Err() == nil {
		select {
		case <-tick.C:
		case <-sctx.Done():
		case err := <-errc:
			return err
		}
	}
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// defaultTo sets *p to v when it is the zero value (an option left unset).
func defaultTo[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}
