package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/server"
)

// The bounds a hostile request is held to, measured in this process (the
// server runs in it): the budget is 50 ms of CPU and 64 MB before
// an answer. CPU is asserted at five times that, the least of three tries,
// so that a loaded 2-core machine does not fail the test, while the
// quadratic validation this guards against costs seconds (4,000 copies of
// `me { role }` took 8 s of CPU before the document-limit pass).
const (
	hostileCPU    = 250 * time.Millisecond
	hostileAllocs = 64 << 20
)

// processCPU is the user and system CPU time of this process so far.
func processCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// allocated is the heap bytes this process has allocated so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

type hostileDoc struct {
	name string
	body []byte // the whole request body
	// status and code of the refusal, and a part of its first message.
	status     int
	code, text string
}

func queryBody(query string) []byte {
	b, _ := json.Marshal(map[string]any{"query": query})
	return b
}

func repeat(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
	}
	return b.String()
}

func hostileDocuments() []hostileDoc {
	me := func(n int) string { return "{" + strings.Repeat(" me { role }", n) + " }" }
	districts := func(n int) string {
		return "{" + repeat(n, func(i int) string { return fmt.Sprintf(` district(id: "49%05d") { id }`, i) }) + " }"
	}
	ops := func(n int) string {
		return repeat(n, func(i int) string { return fmt.Sprintf("query Q%d { me { role } } ", i) })
	}
	// 30 fragments each spreading the next twice, under one field: 2^30
	// fields if expanded.
	bomb := `{ me { ...B0 } }` + repeat(30, func(i int) string {
		return fmt.Sprintf(" fragment B%d on Me { ...B%d ...B%d }", i, i+1, i+1)
	}) + " fragment B30 on Me { role }"
	// The same, but the fragments also repeat a field at every level.
	bombRepeats := `{ me { ...R0 } }` + repeat(8, func(i int) string {
		return fmt.Sprintf(" fragment R%d on Me { role ...R%d ...R%d }", i, i+1, i+1)
	}) + " fragment R8 on Me { role }"
	// 90 fragments, each one level of the next.
	chain := `{ district(id: "4900001") { ...C0 } }` + repeat(90, func(i int) string {
		return fmt.Sprintf(" fragment C%d on District { state { districts { nodes { ...C%d } } } }", i, i+1)
	}) + " fragment C90 on District { id }"
	spreads := `{ me { ` + repeat(80, func(i int) string { return fmt.Sprintf("...S%d ", i) }) + `} }` +
		repeat(80, func(i int) string { return fmt.Sprintf(" fragment S%d on Me { r%d: role }", i, i) })
	return []hostileDoc{
		{name: "20,000 copies of me { role } (240 KB)", body: queryBody(me(20000)), status: 200, code: "QUERY_TOO_LARGE", text: "more than 20000 tokens"},
		{name: "4,000 copies of me { role }", body: queryBody(me(4000)), status: 200, code: "QUERY_TOO_LARGE", text: "more than 5000 fields"},
		{name: "2,000 copies of me { role }", body: queryBody(me(2000)), status: 200, code: "QUERY_TOO_LARGE", text: "me is selected more than 10 times at one place"},
		{name: "11 copies of me { role }", body: queryBody(me(11)), status: 200, code: "QUERY_TOO_LARGE", text: "me is selected more than 10 times"},
		{name: "3,000 districts with different ids and no aliases (105 KB)", body: queryBody(districts(3000)), status: 200, code: "QUERY_TOO_LARGE", text: "tokens"},
		{name: "2,000 districts with different ids and no aliases", body: queryBody(districts(2000)), status: 200, code: "QUERY_TOO_LARGE", text: "district is selected more than 10 times"},
		{name: "fragment bomb", body: queryBody(bomb), status: 200, code: "QUERY_TOO_LARGE", text: "more than 5000 fields"},
		{name: "fragment bomb repeating a field", body: queryBody(bombRepeats), status: 200, code: "QUERY_TOO_LARGE", text: "me.role is selected more than 10 times"},
		{name: "fragments nested 360 levels", body: queryBody(chain), status: 200, code: "QUERY_TOO_LARGE", text: "levels deep"},
		{name: "80 fragments spread at one place", body: queryBody(spreads), status: 200, code: "QUERY_TOO_LARGE", text: "more than 50 fragments are spread at me"},
		{name: "2,000 operations", body: queryBody(ops(2000)), status: 200, code: "QUERY_TOO_LARGE", text: "2000 operations, more than the limit of 20"},
		{name: "5,000 operations", body: queryBody(ops(5000)), status: 200, code: "QUERY_TOO_LARGE", text: "tokens"},
		{name: "2,000 fragments", body: queryBody(`{ me { role } }` + repeat(2000, func(i int) string { return fmt.Sprintf(" fragment F%d on Me { role }", i) })),
			status: 200, code: "QUERY_TOO_LARGE", text: "2000 fragments, more than the limit of 100"},
		{name: "3,000 variables", body: queryBody("query(" + repeat(3000, func(i int) string { return fmt.Sprintf("$v%d: Int ", i) }) + ") { me { role } }"),
			status: 200, code: "QUERY_TOO_LARGE", text: "3000 variables"},
		{name: "a field with 3,000 arguments", body: queryBody(`{ me(` + strings.Repeat("a: 1 ", 3000) + `) { role } }`),
			status: 200, code: "QUERY_TOO_LARGE", text: "3000 arguments"},
		{name: "1 MiB of fields", body: queryBody("{" + strings.Repeat(" a", 500_000) + " }"), status: 200, code: "QUERY_TOO_LARGE", text: "tokens"},
		{name: "1 MiB of comments", body: queryBody(strings.Repeat("#\n", 250_000) + "{ me { role } }"), status: 200, code: "QUERY_TOO_LARGE", text: "tokens"},
		{name: "brackets 100,000 deep", body: queryBody(`{ me(a: ` + strings.Repeat("[", 100_000) + `) { role } }`), status: 200, code: "QUERY_TOO_LARGE", text: "nests brackets more than 64 deep"},
		{name: "a name of 500 KB", body: queryBody("{ " + strings.Repeat("n", 500_000) + " }"), status: 200, code: "QUERY_TOO_LARGE", text: "a name of more than 128 bytes"},
		{name: "a name of 128 bytes", body: queryBody("{ " + strings.Repeat("n", 128) + " }"), status: 422, code: "GRAPHQL_VALIDATION_FAILED", text: `Cannot query field "nnn`},
		{name: "5,000 unknown fields", body: queryBody("{" + repeat(5000, func(i int) string { return fmt.Sprintf(" f%d", i) }) + " }"),
			status: 422, code: "GRAPHQL_VALIDATION_FAILED", text: `Cannot query field "f0"`},
		{name: "a body of 400 KB that is not JSON", body: append([]byte(`{"query": "{ me { role } }", `), bytes.Repeat([]byte("x"), 400<<10)...),
			status: http.StatusBadRequest, code: "", text: "the request body is not the JSON of a GraphQL request"},
	}
}

// TestHostileDocumentsCostLittleAndOtherKeysKeepBeingAnswered sends each
// hostile document with a valid partner key and measures what the server
// spends on it, while a board key keeps asking a normal question.
func TestHostileDocumentsCostLittleAndOtherKeysKeepBeingAnswered(t *testing.T) {
	a := newAPIWith(t, fixtureDB(t), server.Options{})
	partner := a.as(access.RolePartner, "4900001")
	board := a.as(access.RoleBoard)

	done := make(chan struct{})
	var normal struct {
		sync.Mutex
		ok     int
		failed []string
	}
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		for {
			var d struct{ State struct{ Name string } }
			errs := board.do("", `{ state(code: "UT") { name } }`, nil, &d)
			normal.Lock()
			if len(errs) > 0 || d.State.Name != "Utah" {
				normal.failed = append(normal.failed, fmt.Sprintf("%+v %+v", errs, d))
			} else {
				normal.ok++
			}
			normal.Unlock()
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()

	for _, h := range hostileDocuments() {
		bestCPU, bestAllocs := time.Duration(1<<62), uint64(1<<63)
		for range 3 {
			cpu0, alloc0 := processCPU(t), allocated()
			status, raw := partner.postRaw(h.body)
			cpu, allocs := processCPU(t)-cpu0, allocated()-alloc0
			bestCPU, bestAllocs = min(bestCPU, cpu), min(bestAllocs, allocs)

			var r gqlResponse
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Errorf("%s: response is not JSON (%d): %.300s", h.name, status, raw)
			}
			if status != h.status || len(r.Errors) == 0 || codeOf(r) != h.code || !strings.Contains(r.Errors[0].Message, h.text) {
				t.Errorf("%s: %d %.500s; want %d, code %q, mentioning %q", h.name, status, raw, h.status, h.code, h.text)
			}
			if len(raw) > 64<<10 {
				t.Errorf("%s: a refusal of %d bytes", h.name, len(raw))
			}
			if len(r.Errors) > 101 {
				t.Errorf("%s: %d errors, want at most 100 and one saying how many were left out", h.name, len(r.Errors))
			}
			for _, e := range r.Errors {
				if len(e.Message) > 310 {
					t.Errorf("%s: a message of %d bytes echoes the input", h.name, len(e.Message))
				}
			}
		}
		t.Logf("%-60s %7.1f ms CPU  %6.1f MB allocated  (%d-byte body)", h.name, bestCPU.Seconds()*1000, float64(bestAllocs)/(1<<20), len(h.body))
		if bestCPU > hostileCPU {
			t.Errorf("%s: cost %s of CPU, want under %s (the least of three tries)", h.name, bestCPU, hostileCPU)
		}
		if bestAllocs > hostileAllocs {
			t.Errorf("%s: allocated %d MB, want under %d MB", h.name, bestAllocs>>20, hostileAllocs>>20)
		}
	}
	close(done)
	bg.Wait()
	if len(normal.failed) > 0 || normal.ok == 0 {
		t.Errorf("the board's question meanwhile: %d answered, failed: %v", normal.ok, normal.failed)
	}
}

// TestErrorsAreCapped: a document of 300 unknown fields gets 100 errors and
// one saying how many more there were.
func TestErrorsAreCapped(t *testing.T) {
	a := newAPI(t, fixtureDB(t))
	q := "{" + repeat(300, func(i int) string { return fmt.Sprintf(" f%d", i) }) + " }"
	status, raw := a.postRaw(queryBody(q))
	var r gqlResponse
	_ = json.Unmarshal(raw, &r)
	if status != 422 || len(r.Errors) != 101 {
		t.Fatalf("%d, %d errors: %.300s", status, len(r.Errors), raw)
	}
	last := r.Errors[100]
	if last.Extensions["code"] != "TOO_MANY_ERRORS" || last.Extensions["dropped"] != float64(200) || !strings.Contains(last.Message, "200 more errors") {
		t.Errorf("last error: %+v", last)
	}
	for i, e := range r.Errors[:100] {
		if want := fmt.Sprintf(`Cannot query field "f%d"`, i); !strings.Contains(e.Message, want) {
			t.Fatalf("error %d: %q, want %q", i, e.Message, want)
		}
	}
}

// TestResponsesAreBoundedInBytes: a response larger than the limit is
// replaced by an error saying so; one under it is whole.
func TestResponsesAreBoundedInBytes(t *testing.T) {
	a := newAPIWith(t, fixtureDB(t), server.Options{Limits: server.Limits{MaxResponseBytes: 2000}})
	var d struct{ States []struct{ Code string } }
	a.must(`{ states { code } }`, nil, &d)
	if len(d.States) != 2 {
		t.Fatalf("small response: %+v", d)
	}
	q := "{" + repeat(60, func(i int) string { return fmt.Sprintf(" s%d: states { code name }", i) }) + " }"
	status, raw := a.postRaw(queryBody(q))
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil || status != http.StatusOK || codeOf(r) != "RESPONSE_TOO_LARGE" ||
		!strings.Contains(r.Errors[0].Message, "more than the limit of 2000") || len(raw) > 2000 {
		t.Fatalf("%d %s", status, raw)
	}
}

// postRaw posts body to /graphql with the client's key.
func (a *api) postRaw(body []byte) (int, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}
