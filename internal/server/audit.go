package server

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/camino-edu/camino/internal/warehouse"
)

// auditRecord is what the audit log says about one request: who (key id
// and role, never the key), what (operation), how long, how many rows the
// warehouse read for it, and how it ended.
type auditRecord struct {
	mu        sync.Mutex
	keyID     string
	role      string
	operation string
	codes     []string // error codes of the response, deduplicated
}

type auditKey struct{}

func auditFrom(ctx context.Context) *auditRecord {
	a, _ := ctx.Value(auditKey{}).(*auditRecord)
	return a
}

func (a *auditRecord) setOperation(name string) {
	a.mu.Lock()
	a.operation = name
	a.mu.Unlock()
}

func (a *auditRecord) addCode(code string) {
	a.mu.Lock()
	if !slices.Contains(a.codes, code) {
		a.codes = append(a.codes, code)
	}
	a.mu.Unlock()
}

// outcome is "ok", "refused" (4xx before or instead of an answer),
// "error" (5xx), or "partial" (an answer with errors), with the codes.
func (a *auditRecord) outcome(status int) (string, []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case status >= 500:
		return "error", a.codes
	case status >= 400:
		return "refused", a.codes
	case len(a.codes) > 0:
		return "partial", a.codes
	}
	return "ok", nil
}

// logAudit writes the request's audit line.
func logAudit(log *slog.Logger, ctx context.Context, r *http.Request, status int, start time.Time, id string) {
	a := auditFrom(ctx)
	if a == nil {
		return
	}
	var rows int64
	if t, ok := warehouse.TagFrom(ctx); ok {
		rows = t.RowsRead()
	}
	outcome, codes := a.outcome(status)
	a.mu.Lock()
	key, role, op := a.keyID, a.role, a.operation
	a.mu.Unlock()
	log.LogAttrs(ctx, slog.LevelInfo, "audit",
		slog.String("request_id", id), slog.String("key_id", key), slog.String("role", role),
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("operation", op),
		slog.Int("status", status), slog.Int64("ms", time.Since(start).Milliseconds()),
		slog.Int64("rows_read", rows), slog.String("outcome", outcome), slog.Any("codes", codes))
}
