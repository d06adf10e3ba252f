# packetpeer's everyday tasks. `make test` is what CI runs (via .ci/run).
#
#   make test                  go vet, then every test with the race detector
#                              (unit tests, interop tests against real Godot
#                              engines when installed, and the fuzz seed corpora)
#   make fuzz FUZZTIME=30s     every Fuzz target in the repository, one after
#                              another, FUZZTIME each
#   make bench                 every Go benchmark
#   make bench-codec           scripts/bench-codec.sh: the codec against Godot
#   make build                 bin/packetpeer, with the version from git

SHELL := bash
.SHELLFLAGS := -euo pipefail -c

GO       ?= go
PKGS     ?= ./...
FUZZTIME ?= 30s
# Extra flags for go test, e.g. make test TESTFLAGS='-run Decode -v'.
TESTFLAGS ?=

# The version build stamps into the binary: the git tag when there is one.
VERSION ?= $(shell git describe --tags --dirty 2>/dev/null || \
	{ h=$$(git rev-parse --short HEAD 2>/dev/null) && echo dev+$$h; } || echo dev)
LDFLAGS := -X github.com/packetpeer/packetpeer/internal/version.Version=$(VERSION)

.PHONY: all test vet fuzz fuzz-list bench bench-codec build clean

all: test

test: vet
	$(GO) test -race -count=1 $(TESTFLAGS) $(PKGS)

vet:
	$(GO) vet $(PKGS)

# fuzz-targets prints "<package> <FuzzName>" for every fuzz target, found with
# go test -list, so that new fuzzers are picked up without editing this file.
define fuzz-targets
$(GO) test -list '^Fuzz' $(PKGS) | awk '\
	/^Fuzz/ { names[n++] = $$1; next } \
	/^ok/   { for (i = 0; i < n; i++) print $$2, names[i]; n = 0 }'
endef

fuzz-list:
	@$(fuzz-targets)

fuzz:
	@targets="$$($(fuzz-targets))"; \
	if [[ -z "$$targets" ]]; then echo "no fuzz targets found"; exit 0; fi; \
	count=$$(wc -l <<< "$$targets"); \
	echo "fuzzing $$count target(s) for $(FUZZTIME) each"; \
	while read -r pkg name; do \
		echo "== $$pkg $$name"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) "$$pkg" </dev/null; \
	done <<< "$$targets"

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

bench-codec:
	scripts/bench-codec.sh

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/packetpeer ./cmd/packetpeer

clean:
	rm -rf bin coverage.out coverage.html
