# The two commands of the README. Both install the system packages they need when missing.
# Packaging: `make install` / `make uninstall` (PREFIX, DESTDIR), `make deb`, and
# `make package-check` (CI, after `make test`): see README, Install.
SWIFT ?= swift
APT_PACKAGES = libsystemd-dev libzstd-dev liblzma-dev liblz4-dev zlib1g-dev libbz2-dev libarchive-dev pkg-config \
               systemd systemd-journal-remote zstd xz-utils bzip2 zip 7zip python3 python3-jsonschema tar chromium tzdata time prometheus cmark-gfm
PACKAGING_APT_PACKAGES = dpkg-dev binutils lintian man-db bsdextrautils util-linux git
SAMPLE ?= samples/reference-incident

# Set by hand in one place, Sources/postmortem/BuildInfo.swift.
VERSION := $(shell sed -n 's/^ *static let version = "\(.*\)"$$/\1/p' Sources/postmortem/BuildInfo.swift)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/postmortem
# systemd reads /usr/local/lib/systemd/system too; the package uses the distribution's folder.
UNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

RELEASE_BIN = .build/release/postmortem
# Generated for install: man pages, completion scripts, the unit with its paths filled in.
GEN = .build/packaging
MAN_PAGES = postmortem analyze boots timeline export batch alerts fleet fleet-merge
UNITS = postmortem-boot.service
DOCS = README.md docs/report.schema.json

.PHONY: run test deps deps-packaging apt-install build release fuzz bench samples man completions install-files install uninstall deb package-check

## Analyse the bundled reference incident.
run: deps release
	.build/release/postmortem analyze --utc $(SAMPLE) 2>&1 | cat

## Build and run the whole test suite (the command CI runs).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	scripts/fuzz.sh --runs 8000

## The release binary, with the Swift runtime linked in: it needs only Debian's C libraries.
## No $$ORIGIN run path (nothing is loaded from beside it); symbols bound at start (-z now).
release:
	$(SWIFT) build -c release --product postmortem --static-swift-stdlib --disable-local-rpath \
	    -Xlinker -z -Xlinker now

build:
	$(SWIFT) build

## Install the Debian packages the build and the tests use, when any is missing.
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

## What `make deb` and `make package-check` use besides.
deps-packaging:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES) $(PACKAGING_APT_PACKAGES)"

apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## A short, reproducible libFuzzer run of each fuzz target (journal, kernel-log, tar, host).
fuzz:
	scripts/fuzz.sh --runs 8000

## postmortem against journalctl on ~2 million generated entries.
bench: deps release
	scripts/bench.sh

## Regenerate samples/ with systemd-journal-remote.
samples: deps
	python3 scripts/gen-incident.py --samples samples

## Man pages from the command definitions (swift-argument-parser's generate-manual plugin), one
## per subcommand, named as man looks them up: postmortem-analyze(1). The NAME line says
## postmortem-analyze too (whatis/apropos read no spaces there); a blank line is a paragraph.
MAN_OUT = .build/plugins/GenerateManual/outputs/postmortem
man:
	rm -rf $(MAN_OUT) $(GEN)/man
	$(SWIFT) package plugin generate-manual --configuration debug --multi-page --date $$(date -u +%Y-%m-%d)
	mkdir -p $(GEN)/man
	sed $(MAN_SEE_ALSO) -e 's/^$$/.Pp/' $(MAN_OUT)/postmortem.1 > $(GEN)/man/postmortem.1
	for p in $(filter-out postmortem,$(MAN_PAGES)); do \
	  words=$$(echo $$p | tr - ' '); \
	  sed -e 's/^\.Dt .* 1$$/.Dt POSTMORTEM-'$$(echo $$p | tr a-z A-Z)' 1/' \
	      -e 's/^\.Nm "postmortem '"$$words"'"$$/.Nm postmortem-'$$p'/' -e 's/^\.Nm$$/.Nm "postmortem '"$$words"'"/' \
	      $(MAN_SEE_ALSO) -e 's/^$$/.Pp/' $(MAN_OUT)/postmortem.$$(echo $$p | tr - .).1 > $(GEN)/man/postmortem-$$p.1 || exit 1; \
	done
## SEE ALSO names the pages as they are installed (postmortem-fleet-merge, not postmortem.fleet.merge),
## without `help`, which has no page.
MAN_SEE_ALSO = -e '/^\.Xr postmortem\.help 1/d' -e 's/^\.Xr postmortem\./.Xr postmortem-/' \
               -e 's/^\(\.Xr postmortem-[a-z]*\)\./\1-/'

## bash, zsh and fish completion scripts, from the release binary.
completions: release
	mkdir -p $(GEN)/completions
	$(RELEASE_BIN) --generate-completion-script bash | sed '1{/^#!/d}' > $(GEN)/completions/postmortem
	$(RELEASE_BIN) --generate-completion-script zsh > $(GEN)/completions/_postmortem
	$(RELEASE_BIN) --generate-completion-script fish > $(GEN)/completions/postmortem.fish

## What `make install` copies, built as yourself: the release binary, man pages, completions.
install-files: release man completions

## Installs under $(DESTDIR)$(PREFIX): binary, man pages, completions, systemd unit (its
## ExecStart= pointing at $(BINDIR)), docs. It only copies, so `sudo make install` needs no
## toolchain: run `make install-files` first.
install:
	@for f in $(RELEASE_BIN) $(GEN)/man/postmortem.1 $(GEN)/completions/postmortem; do \
	  [ -e $$f ] || { echo "make install: $$f is missing: run 'make install-files' first" >&2; exit 1; }; done
	install -D -m 0755 $(RELEASE_BIN) $(DESTDIR)$(BINDIR)/postmortem
	for p in $(GEN)/man/*.1; do install -D -m 0644 $$p $(DESTDIR)$(MANDIR)/man1/$$(basename $$p) || exit 1; done
	install -D -m 0644 $(GEN)/completions/postmortem $(DESTDIR)$(BASHCOMPDIR)/postmortem
	install -D -m 0644 $(GEN)/completions/_postmortem $(DESTDIR)$(ZSHCOMPDIR)/_postmortem
	install -D -m 0644 $(GEN)/completions/postmortem.fish $(DESTDIR)$(FISHCOMPDIR)/postmortem.fish
	mkdir -p $(DESTDIR)$(UNITDIR)
	for u in $(UNITS); do \
	  sed 's|@BINDIR@|$(BINDIR)|g' packaging/$$u.in > $(DESTDIR)$(UNITDIR)/$$u && chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; done
	for d in $(DOCS); do install -D -m 0644 $$d $(DESTDIR)$(DOCDIR)/$$(basename $$d) || exit 1; done

## Removes what `make install` put there (same PREFIX and DESTDIR).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/postmortem
	for p in $(MAN_PAGES); do n=postmortem-$$p; [ $$p = postmortem ] && n=postmortem; rm -f $(DESTDIR)$(MANDIR)/man1/$$n.1; done
	rm -f $(DESTDIR)$(BASHCOMPDIR)/postmortem $(DESTDIR)$(ZSHCOMPDIR)/_postmortem $(DESTDIR)$(FISHCOMPDIR)/postmortem.fish
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	for d in $(DOCS); do rm -f $(DESTDIR)$(DOCDIR)/$$(basename $$d); done
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

## postmortem_<version>_<arch>.deb, built with dpkg-deb from a `make install` tree.
deb: deps-packaging install-files
	scripts/build-deb.sh $(VERSION)

## The installed package, as CI checks it after `make test` (needs root: dpkg -i, unshare).
package-check: deb
	scripts/package-check.sh postmortem_$(VERSION)_$$(dpkg --print-architecture).deb
