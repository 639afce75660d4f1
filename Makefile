# Camino. `make run` serves the API and dashboards on a fresh machine;
# `make test` runs every check CI runs. See README.md.

GO        ?= go
BIN       := bin/camino
VERSION   := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/camino-edu/camino/internal/cli.Version=$(VERSION)
GOTEST    ?= $(GO) test -count=1 -timeout 20m

.PHONY: run test fuzz build deps browser assets generate check bench clean screenshots

## run: install what is missing, start a local ClickHouse, migrate, seed Utah if empty, serve on :8080
run: deps assets build
	./$(BIN) serve --seed-if-empty --admin-key-file .camino/admin.key

## test: formatting, vet, generated code current, then every test against a real ClickHouse
## (and the dashboards in a headless Chromium, with ECharts from npm)
test: deps browser assets check
	$(GOTEST) ./...
	@$(MAKE) --no-print-directory fuzz

## fuzz: a short run of the fuzz tests over hostile input (FUZZTIME=5m for a longer one)
FUZZTIME ?= 10s
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDocumentLimits$$' -fuzztime=$(FUZZTIME) ./internal/server
	$(GO) test -run='^$$' -fuzz='^FuzzStaffingReader$$' -fuzztime=$(FUZZTIME) ./internal/ingest

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) .

deps:
	@scripts/ensure-deps.sh clickhouse

browser:
	@scripts/ensure-deps.sh chromium poppler

assets:
	@scripts/ensure-deps.sh assets

generate:
	$(GO) generate ./...

## check: gofmt, go vet, and `go generate` changes nothing (compared before and after, so local edits are fine)
check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './web/*')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		state() { { git status --porcelain -- graph go.mod go.sum; git diff -- graph go.mod go.sum; } | sha1sum; }; \
		before=$$(state); $(GO) generate ./... || exit 1; \
		if [ "$$(state)" != "$$before" ]; then echo "go generate changed graph/: regenerate and commit it"; git status --short -- graph; exit 1; fi; \
	else $(GO) generate ./...; fi

## bench: benchmarks with side-by-side ratios, incl. the dashboard queries on the national seed at scale 1
## (BENCH_FLAGS="--metrics-only --metrics-data-dir /tmp/x" reruns those alone on a kept seed); writes BENCHMARKS.md
bench: deps build
	./$(BIN) bench --out BENCHMARKS.md $(BENCH_FLAGS)

## screenshots: remake docs/screenshots/*.png (the README's pictures) from the Utah seed
screenshots: deps browser assets
	$(GO) run ./scripts/screenshots -out docs/screenshots

clean:
	rm -rf bin .camino
