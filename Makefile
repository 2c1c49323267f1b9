# The two commands of the README. Both install the system packages they need when missing.
SWIFT ?= swift
APT_PACKAGES = libsystemd-dev libzstd-dev liblzma-dev liblz4-dev zlib1g-dev pkg-config \
               systemd systemd-journal-remote zstd xz-utils python3 tar chromium tzdata
SAMPLE ?= samples/reference-incident

.PHONY: run test deps build release fuzz bench samples

## Analyse the bundled reference incident.
run: deps release
	.build/release/postmortem analyze --utc $(SAMPLE)

## Build and run the whole test suite (the command CI runs).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/fuzz.sh --runs 8000

release:
	$(SWIFT) build -c release --product postmortem

build:
	$(SWIFT) build

## Install the Debian packages the build and the tests use, when any is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## A short, reproducible libFuzzer run of the journal reader.
fuzz:
	scripts/fuzz.sh --runs 8000

## postmortem against journalctl on ~2 million generated entries.
bench: deps release
	scripts/bench.sh

## Regenerate samples/ with systemd-journal-remote.
samples: deps
	python3 scripts/gen-incident.py --samples samples
