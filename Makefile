# chunkscope. `make run` builds and serves on 127.0.0.1:8000; `make test`
# runs every test, the real-browser ones included (it installs Debian's
# chromium when run as root and it is missing).
GO      ?= go
ADDR    ?= 127.0.0.1:8000
BIN     := bin/chunkscope
WASM    := web/app.wasm
CHROME  ?= /usr/bin/chromium
export PATH := $(PATH):/usr/local/go/bin

.PHONY: all build wasm wasm-budget server run test chromium nginx-bin nginx lab-bin lab screenshot bench talk-record load load-caps fuzz vet clean tree

FUZZTIME ?= 30s

all: build

build: wasm server

# The page: one main package, built by path (./... would hold several),
# then compressed beside it (app.wasm.gz, app.wasm.br) for the server to
# send pre-compressed.
#
# Inlining stays where the page measures and draws — the runtime, the
# low-level std packages, the reader (app/browser, app/runner), the records
# and the chart (app/record, app/wire, app/chart, app/scene) — and is off
# everywhere else: go-app and app/ui building the page, file parsers,
# encoding/json, fmt. The copies inlining makes there cost 52 KB of
# app.wasm.br and buy nothing a person sees (internal/compress's doc).
WASM_INLINE := runtime/... internal/... math/... sync/... syscall/js unicode/... strconv strings bytes slices sort \
	chunkscope/app/browser chunkscope/app/runner chunkscope/app/record chunkscope/app/wire chunkscope/app/chart chunkscope/app/scene
wasm:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -gcflags=all=-l $(foreach p,$(WASM_INLINE),-gcflags=$(p)=) -o $(WASM) ./app/wasm
	$(GO) run ./internal/compress $(WASM)

# app.wasm.br is what a first visit downloads: make test fails when it is
# over its budget. What its bytes are: see internal/compress's doc.
WASM_BR_MAX ?= 2000000
wasm-budget: wasm
	size=$$(stat -c %s $(WASM).br) || exit 1; \
	if [ "$$size" -gt $(WASM_BR_MAX) ]; then echo "chunkscope: $(WASM).br is $$size bytes, over its budget of $(WASM_BR_MAX): a first visit downloads it (internal/compress says what the bytes are)" >&2; exit 1; fi; \
	echo "chunkscope: $(WASM).br is $$size bytes (budget $(WASM_BR_MAX))"

# The server embeds web/, so it is built after the wasm.
server: wasm
	$(GO) build -trimpath -o $(BIN) .

run: build
	./$(BIN) -addr $(ADDR) $(ARGS)

# No tracked file over 2 MB: build outputs (the binary, app.wasm) are
# rebuilt, never committed, and every clone would carry them.
TREE_MAX ?= 2000000
tree:
	@big=$$(git ls-files -z 2>/dev/null | xargs -0 -r stat -c '%s %n' | awk -v max=$(TREE_MAX) '$$1 > max {print "  " $$2 " (" $$1 " bytes)"}'); \
	if [ -n "$$big" ]; then echo "chunkscope: tracked files over $(TREE_MAX) bytes (build outputs do not belong in the tree: git rm --cached them):" >&2; echo "$$big" >&2; exit 1; fi

vet:
	gofmt -l . | tee /dev/stderr | (! read -r _)
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/...

# Every test: the Go unit and loopback tests, then the real-browser tests
# (e2e/) against the real binary in Debian's Chromium, and the lab's real
# servers and proxies (TestTruth, TestLabVerdicts: about 10 minutes of the
# whole). The browser tests together pass go test's default 10 minutes on
# 2 shared cores.
test: tree vet build wasm-budget chromium nginx-bin lab-bin
	CHUNKSCOPE_BIN=$(CURDIR)/$(BIN) CHUNKSCOPE_CHROME=$(CHROME) $(GO) test -count=1 -timeout 45m ./...

chromium:
	@command -v $(CHROME) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "chunkscope: installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chunkscope: Chromium is missing: run 'sudo apt-get install -y chromium' (or set CHROME=/path/to/chromium)" >&2; exit 1; \
	  fi; }
	@command -v $(CHROME) >/dev/null 2>&1 || { echo "chunkscope: $(CHROME) still missing after apt-get install chromium" >&2; exit 1; }

# nginx for the tests in front of the server (e2e/nginx_test.go): installed
# when missing and run as root; otherwise those tests say how and skip.
nginx-bin:
	@test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "chunkscope: installing Debian's nginx for the proxy tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else \
	    echo "chunkscope: nginx is missing, its tests will skip: run 'sudo apt-get install -y nginx'" >&2; \
	  fi; }

# A real nginx on $(NGINX_ADDR) in front of make run's server at $(ADDR)
# (Ctrl-C stops it).
NGINX_ADDR ?= 127.0.0.1:8081
nginx: nginx-bin
	$(GO) run ./internal/nginx/nginxrun -listen $(NGINX_ADDR) -upstream $(ADDR)

# The lab (internal/lab): the seed's Django views under Gunicorn, uWSGI,
# uvicorn and daphne, behind nginx, Apache, HAProxy and Varnish, all
# Debian's. lab-bin installs the packages when missing and run as root,
# with a policy-rc.d that keeps their services from starting (the lab runs
# its own, on loopback); otherwise it says how, and the lab's tests skip.
LAB_PKGS := python3-django gunicorn uwsgi uwsgi-plugin-python3 python3-uvicorn python3-daphne nginx apache2 haproxy varnish
lab-bin:
	@missing=$$(for p in $(LAB_PKGS); do dpkg-query -W -f '$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	missing=$$(echo $$missing); \
	test -z "$$missing" || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "chunkscope: installing the lab's Debian packages: $$missing"; \
	    rc=/usr/sbin/policy-rc.d; made=; \
	    if [ ! -e $$rc ]; then printf '#!/bin/sh\nexit 101\n' > $$rc && chmod +x $$rc && made=1; trap 'rm -f '$$rc INT TERM; fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; st=$$?; \
	    if [ -n "$$made" ]; then rm -f $$rc; fi; \
	    if ss -ltnpH '( sport = :80 or sport = :6081 or sport = :6082 )' 2>/dev/null | grep .; then echo "chunkscope: something listens on the packages' service ports (80, 6081, 6082), above: stop it if they started it (the lab runs its own servers)" >&2; fi; \
	    exit $$st; \
	  else \
	    echo "chunkscope: the lab's packages are missing, its tests will skip: run 'sudo apt-get install -y $$missing'" >&2; \
	  fi; }

# The lab in the foreground (Ctrl-C stops every server): prints each
# origin, what it is, and a chunkscope command line allowing them all.
# LAB_PORT=9100 puts the origins on 9100, 9101, … (default: free ports).
LAB_PORT ?= 0
lab: lab-bin
	$(GO) run ./internal/lab/labrun -base-port $(LAB_PORT) -bin $(BIN)

# docs/screenshot.png: the Compare view, taken by the browser test;
# docs/newcomer.png: a fresh page at 1280×720 after its Compare button.
screenshot: build chromium
	CHUNKSCOPE_BIN=$(CURDIR)/$(BIN) CHUNKSCOPE_CHROME=$(CHROME) CHUNKSCOPE_SCREENSHOT=$(CURDIR)/docs/screenshot.png \
	  CHUNKSCOPE_NEWCOMER_SCREENSHOT=$(CURDIR)/docs/newcomer.png \
	  $(GO) test -count=1 -run 'TestBrowser/compare|TestNewcomerFirstClick' ./e2e

# bench/results.md: server memory, TTFB and throughput (curl) for 1 MiB to
# 1 GiB; client memory, reader throughput against a plain JS loop, and the
# chart's frame cost in Chromium. Medians; takes about a minute.
bench: build chromium
	$(GO) run ./bench -bin $(BIN) -chrome $(CHROME) -out bench/results.md

# The talk's recorded fallback: every step of DECK played live in Chromium
# against the real binary, its runs written as a session file. A shipped
# deck's recording lands in web/decks/DECK.recorded.json and the binary is
# rebuilt to embed it; for a deck file (DECK=path/to/talk.json) it lands
# beside it (path/to/talk.recorded.json), to drop on the page with the deck.
DECK ?= streaming
talk-record: build chromium
	$(GO) run ./internal/talkrecord -bin $(BIN) -chrome $(CHROME) -deck $(DECK)
	$(GO) build -trimpath -o $(BIN) .

# Bounded fuzzing of every parser of outside input; what it finds lands in
# testdata/fuzz/ and is replayed by every go test from then on.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./app/spec
	$(GO) test -run='^$$' -fuzz='^FuzzParsePace$$' -fuzztime=$(FUZZTIME) ./app/spec
	$(GO) test -run='^$$' -fuzz=FuzzQuery -fuzztime=$(FUZZTIME) ./server
	$(GO) test -run='^$$' -fuzz='^FuzzParser$$' -fuzztime=$(FUZZTIME) ./server/probe
	$(GO) test -run='^$$' -fuzz=FuzzH2Frames -fuzztime=$(FUZZTIME) ./server/probe
	$(GO) test -run='^$$' -fuzz=FuzzDecode -fuzztime=$(FUZZTIME) ./app/keep
	$(GO) test -run='^$$' -fuzz=FuzzDecode -fuzztime=$(FUZZTIME) ./app/talk

# load/results.md: 200 streaming clients for 10 s on loopback, every body
# checked byte for byte; fails on any error or a heap growth ≥ 32 MiB. Then
# 1,000 clients for 10 s against the server's cap (-max-runs 256): 503 with
# Retry-After for those over it, the rest byte for byte; fails on any error,
# no refusal, or a heap growth ≥ 64 MiB. About 30 s in all.
load: build
	$(GO) run ./load -bin $(BIN) -mode both -out load/results.md

# Only the second half of make load, printed rather than written.
load-caps: build
	$(GO) run ./load -bin $(BIN) -mode caps

clean:
	rm -rf bin $(WASM) $(WASM).gz $(WASM).br web/.app.wasm.sum e2e/out
