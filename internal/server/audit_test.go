package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
)

// lockedBuffer is a bytes.Buffer the server's loggers may write from many
// goroutines while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// auditLine is one line of the JSON audit log.
type auditLine struct {
	Msg       string   `json:"msg"`
	RequestID string   `json:"request_id"`
	KeyID     string   `json:"key_id"`
	Role      string   `json:"role"`
	Method    string   `json:"method"`
	Path      string   `json:"path"`
	Operation string   `json:"operation"`
	Status    int      `json:"status"`
	MS        *int64   `json:"ms"`
	RowsRead  int64    `json:"rows_read"`
	Outcome   string   `json:"outcome"`
	Codes     []string `json:"codes"`
}

// auditOf waits for the audit line of the request (it is written once the
// response is sent, so it may trail the response a moment) and returns it.
func auditOf(t *testing.T, b *lockedBuffer, requestID string) auditLine {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var found []auditLine
		sc := bufio.NewScanner(strings.NewReader(b.String()))
		for sc.Scan() {
			var l auditLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("audit line is not JSON: %v: %s", err, sc.Text())
			}
			if l.Msg == "audit" && l.RequestID == requestID {
				found = append(found, l)
			}
		}
		switch {
		case len(found) == 1:
			return found[0]
		case len(found) > 1:
			t.Fatalf("%d audit lines for request %s", len(found), requestID)
		case time.Now().After(deadline):
			t.Fatalf("no audit line for request %s in:\n%s", requestID, b.String())
		}
	}
}

// send posts a query with a request id and an Authorization header of key
// (none when key is empty), and returns the status and decoded response.
func send(t *testing.T, url, key, requestID, query string) (int, gqlResponse) {
	t.Helper()
	return sendOp(t, url, key, requestID, query, "")
}

// sendOp is send with the request's operationName (omitted when empty: the
// operation is then the document's only one).
func sendOp(t *testing.T, url, key, requestID, query, operationName string) (int, gqlResponse) {
	t.Helper()
	params := map[string]any{"query": query}
	if operationName != "" {
		params["operationName"] = operationName
	}
	body, _ := json.Marshal(params)
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", requestID)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	return resp.StatusCode, r
}

// loggedReadRows sums read_rows over the request's statements in
// system.query_log, waiting until each has its finish row (written after its
// result reached the client). It returns the statements and the sum.
func loggedReadRows(t *testing.T, db *warehouse.DB, requestID string) (statements, readRows int64) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if err := db.Conn().Exec(context.Background(), "SYSTEM FLUSH LOGS"); err != nil {
			t.Fatal(err)
		}
		r := sqlInt64s(t, db, `SELECT toInt64(uniqExact(query_id)), toInt64(countIf(toUInt8(type) != 1)),
			toInt64(sumIf(read_rows, toUInt8(type) != 1)) FROM system.query_log
			WHERE event_date >= yesterday() AND query_id LIKE ?`, requestID+"-%")[0]
		if r[0] > 0 && r[0] == r[1] {
			return r[0], r[2]
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %s: %d statements logged, %d with an end row after 15 s", requestID, r[0], r[1])
		}
	}
}

// Every request has one audit line saying who (the key's id and role, never
// the key), what (operation), how it ended and how many rows the warehouse
// read for it; no log line ever holds a secret key.
func TestAuditLinePerRequest(t *testing.T) {
	db := utah(t)
	var audit, logs lockedBuffer
	a := newAPIWith(t, db, server.Options{
		Audit: slog.New(slog.NewJSONHandler(&audit, nil)),
		Log:   slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	const district = "4900870" // Salt Lake City
	partner, err := access.Create(context.Background(), db, access.CreateOptions{Role: access.RolePartner,
		Districts: []string{district}, Name: "audit test partner"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{a.key, partner.Secret}
	id := func(what string) string { return "audit" + what + warehouse.NewID() }

	// A named operation of a partner key, answered: the name given in the
	// document only (as curl and most scripts send it), then also as the
	// request's operationName (as GraphiQL and Apollo do).
	const reps = `query Reps {
		district(id: "` + district + `") { name representation { schoolYear leaders latinoLeaders latinoLeaderShare } }
		state(code: "UT") { representation { schoolYear leaders latinoLeaders latinoLeaderShare } } }`
	okID := id("reps")
	status, resp := send(t, a.url, partner.Secret, okID, reps)
	if status != http.StatusOK || len(resp.Errors) > 0 || !strings.Contains(string(resp.Data), `"leaders"`) {
		t.Fatalf("Reps: %d %+v %s", status, resp.Errors, resp.Data)
	}
	l := auditOf(t, &audit, okID)
	if l.KeyID != partner.Key.ID || l.Role != access.RolePartner || l.Status != 200 ||
		l.Outcome != "ok" || len(l.Codes) != 0 || l.Method != http.MethodPost || l.Path != "/graphql" || l.MS == nil {
		t.Errorf("Reps audit line %+v; want key %s, partner, 200, ok", l, partner.Key.ID)
	}
	if l.Operation != "Reps" {
		t.Errorf("Reps audit line has operation %q, want Reps: the server names the operation from the request's "+
			"operationName alone (graphql.OperationContext.OperationName), not from the document (oc.Operation.Name)", l.Operation)
	}
	namedID := id("repsnamed")
	if status, resp := sendOp(t, a.url, partner.Secret, namedID, reps, "Reps"); status != http.StatusOK || len(resp.Errors) > 0 {
		t.Fatalf("Reps with operationName: %d %+v", status, resp.Errors)
	}
	if l := auditOf(t, &audit, namedID); l.Operation != "Reps" || l.KeyID != partner.Key.ID || l.Outcome != "ok" {
		t.Errorf("Reps (operationName) audit line %+v", l)
	}
	// rows_read adds up the progress packets ClickHouse sent while the
	// request's queries ran (the key lookup's included); system.query_log
	// has what each read in the end. A query read to its end gets its last
	// progress before its end of stream, so the two are equal (measured so on
	// 18.16, 8 statements, every run).
	statements, logged := loggedReadRows(t, db, okID)
	if l.RowsRead <= 0 || l.RowsRead != logged {
		t.Errorf("Reps rows_read %d; system.query_log: %d rows over %d statements", l.RowsRead, logged, statements)
	}
	t.Logf("Reps: rows_read %d, system.query_log read_rows %d over %d statements", l.RowsRead, logged, statements)

	// No key: 401, refused, nobody.
	noKeyID := id("nokey")
	if status, resp := send(t, a.url, "", noKeyID, `query Reps { states { code } }`); status != http.StatusUnauthorized ||
		len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "unauthenticated" {
		t.Fatalf("no key: %d %+v", status, resp.Errors)
	}
	if l := auditOf(t, &audit, noKeyID); l.KeyID != "" || l.Role != "" || l.Operation != "" || l.Status != 401 ||
		l.Outcome != "refused" || l.RowsRead != 0 {
		t.Errorf("no-key audit line %+v; want no key, no role, 401, refused, no rows", l)
	}

	// A key of the partner's id with a wrong secret: the same 401, and the
	// key id it claims is not taken for granted.
	badID := id("badsecret")
	wrong := "cmn_" + partner.Key.ID + "_" + strings.Repeat("A", 43)
	secrets = append(secrets, wrong)
	if status, _ := send(t, a.url, wrong, badID, `{ states { code } }`); status != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %d", status)
	}
	if l := auditOf(t, &audit, badID); l.KeyID != "" || l.Status != 401 || l.Outcome != "refused" {
		t.Errorf("wrong-secret audit line %+v; want no key id, 401, refused", l)
	}

	// A field the partner's role may not read: forbidden, the rest of the
	// answer still given (HTTP 200, outcome partial with the code).
	forbidID := id("forbidden")
	status, resp = sendOp(t, a.url, partner.Secret, forbidID, `query Analyst {
		me { role } metrics(query: { measures: [LEADERS], from: 2023, to: 2023 }) { totalCount sql } }`, "Analyst")
	if status != http.StatusOK || len(resp.Errors) != 1 || resp.Errors[0].Extensions["code"] != "forbidden" {
		t.Fatalf("forbidden field: %d %+v", status, resp.Errors)
	}
	if l := auditOf(t, &audit, forbidID); l.KeyID != partner.Key.ID || l.Role != access.RolePartner || l.Operation != "Analyst" ||
		l.Status != 200 || l.Outcome != "partial" || strings.Join(l.Codes, ",") != "forbidden" {
		t.Errorf("forbidden-field audit line %+v; want key %s, partner, Analyst, 200, partial [forbidden]", l, partner.Key.ID)
	}

	// A mutation with a partner key: refused before any resolver runs.
	mutID := id("mutation")
	status, resp = send(t, a.url, partner.Secret, mutID, `mutation Archive { archiveGoal(id: "x") { id } }`)
	if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != "forbidden" {
		t.Fatalf("partner mutation: %d %+v", status, resp.Errors)
	}
	if l := auditOf(t, &audit, mutID); l.KeyID != partner.Key.ID || l.Role != access.RolePartner || l.Status != status ||
		!strings.Contains(strings.Join(l.Codes, ","), "forbidden") || l.Outcome == "ok" {
		t.Errorf("partner-mutation audit line %+v (HTTP %d)", l, status)
	}

	for name, b := range map[string]*lockedBuffer{"audit": &audit, "log": &logs} {
		out := b.String()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("the %s output holds a secret key", name)
			}
			// Nor the secret part alone: a key reads cmn_<12 hex>_<43 base64url>, and
			// the secret itself may hold '_', so it is cut at its fixed offset.
			if secret := s[len("cmn_")+12+1:]; strings.Contains(out, secret) {
				t.Errorf("the %s output holds the secret part of a key", name)
			}
		}
	}
}
