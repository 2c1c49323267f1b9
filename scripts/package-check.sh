#!/usr/bin/env bash
# make package-check (CI runs it after `make test`): the .deb as a user gets it.
#   lintian (no errors) → dpkg -i → the installed binary with the Swift toolchain's libraries
#   hidden (--version, an analysis of samples/reference-incident, the same JSON as the dev
#   build) → systemd-analyze verify on the unit → man pages render → bash completion loads →
#   the boot path on an unclean and a clean tree, its journal entry written by a real
#   systemd-journald in a private mount namespace and read back with journalctl →
#   make install / make uninstall into a scratch DESTDIR.
# Needs root (dpkg -i, unshare -m). The package is purged again unless it was installed before.
# Usage: scripts/package-check.sh postmortem_<version>_<arch>.deb
set -euo pipefail
cd "$(dirname "$0")/.."
deb=${1:?usage: scripts/package-check.sh DEB}
bin=/usr/bin/postmortem
sample=$PWD/samples/reference-incident
clean_sample=$PWD/samples/healthy-reboot
scratch=$(mktemp -d /tmp/postmortem-package-check.XXXXXX)
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*" >&2; failed=$((failed + 1)); }

was_installed=no
dpkg -s postmortem >/dev/null 2>&1 && was_installed=yes
cleanup() {
    [ "$was_installed" = yes ] || dpkg --purge postmortem >/dev/null 2>&1 || true
    rm -rf "$scratch"
}
trap cleanup EXIT

# 1. lintian: no errors (warnings and infos are printed, not fatal).
if lintian --fail-on error "$deb"; then ok "lintian: no errors"; else fail "lintian reports errors"; fi

# 2. dpkg -i
dpkg -i "$deb" >/dev/null
version=$(dpkg-deb -f "$deb" Version)
[ -x "$bin" ] && ok "dpkg -i $deb" || fail "$bin not installed"

# 3. The installed binary without the Swift toolchain's runtime libraries: an empty tmpfs over
# the toolchain's library folder in a private mount namespace.
swiftc=$(command -v swiftc || true)
toolchain_lib=
[ -n "$swiftc" ] && toolchain_lib=$(cd "$(dirname "$(readlink -f "$swiftc")")/../lib/swift/linux" 2>/dev/null && pwd)
if [ -z "$toolchain_lib" ] || [ ! -e "$toolchain_lib/libswiftCore.so" ]; then
    fail "cannot find the toolchain's libswiftCore.so (swiftc: ${swiftc:-none})"
else
    hidden() { unshare -m --propagation private sh -c 'mount -t tmpfs none "$0" && exec "$@"' "$toolchain_lib" "$@"; }
    # The hiding works: a binary that needs the toolchain's runtime no longer starts.
    if [ -x .build/debug/postmortem ]; then
        if hidden .build/debug/postmortem --version >/dev/null 2>&1; then
            fail "the debug build still starts with $toolchain_lib hidden: the check proves nothing"
        else
            ok "with $toolchain_lib hidden the debug build cannot start (libswiftCore.so missing)"
        fi
    fi
    line=$(hidden "$bin" --version)
    commit=unknown
    git rev-parse --git-dir >/dev/null 2>&1 && commit=$(git rev-parse --short=12 HEAD)
    if [[ "$line" =~ ^$version\ \(commit\ $commit,\ built\ [0-9]{4}-[0-9]{2}-[0-9]{2}\)$ ]]; then
        ok "installed --version without the toolchain: $line"
    else
        fail "installed --version: '$line' (expected $version, commit $commit)"
    fi
    if hidden "$bin" analyze --quiet --utc --format json "$sample" > "$scratch/installed.json" 2>/dev/null \
        && grep -q '"kind" : "unclean"' "$scratch/installed.json"; then
        ok "installed analyze of samples/reference-incident without the toolchain"
    else
        fail "installed analyze of samples/reference-incident without the toolchain"
    fi
    if [ -x .build/debug/postmortem ]; then
        .build/debug/postmortem analyze --quiet --utc --format json "$sample" > "$scratch/debug.json" 2>/dev/null || true
        if cmp -s "$scratch/installed.json" "$scratch/debug.json"; then
            ok "installed (static, release) and debug builds write the same JSON report"
        else
            fail "installed and debug builds differ on samples/reference-incident (diff $scratch/*.json)"
            diff "$scratch/installed.json" "$scratch/debug.json" | head -20 >&2 || true
        fi
    fi
fi

# 4. The unit, as systemd reads it.
unit=$(dpkg -L postmortem | grep '/systemd/system/postmortem-boot.service$')
if out=$(systemd-analyze verify "$unit" 2>&1) && [ -z "$out" ]; then
    ok "systemd-analyze verify $unit"
else
    fail "systemd-analyze verify $unit: $out"
fi

# 5. Man pages render without warnings, and man finds them by name.
for page in postmortem postmortem-analyze postmortem-boots postmortem-timeline postmortem-export postmortem-batch \
            postmortem-alerts postmortem-fleet postmortem-fleet-merge; do
    file=/usr/share/man/man1/$page.1.gz
    warnings=$(MANWIDTH=80 man --warnings -l "$file" 2>&1 >/dev/null || echo "man failed")
    text=$(MANWIDTH=80 man -l "$file" 2>/dev/null | col -b)
    if [ -z "$warnings" ] && grep -q "^NAME" <<<"$text" && [ "$(man -w "$page" 2>/dev/null)" = "$file" ]; then
        ok "man $page renders"
    else
        fail "man $page: ${warnings:-no NAME section or not found by name}"
    fi
done
grep -q -- "--previous-boot-if-unclean" <(man -l /usr/share/man/man1/postmortem-analyze.1.gz 2>/dev/null) \
    && ok "man postmortem-analyze documents --previous-boot-if-unclean" || fail "man postmortem-analyze lacks the boot flags"

# 6. Completions: bash loads its script; zsh and fish are installed where they look.
if out=$(bash -c 'source /usr/share/bash-completion/completions/postmortem && complete -p postmortem' 2>&1) \
    && [[ "$out" == complete*postmortem ]]; then
    ok "bash completion loads: $out"
else
    fail "bash completion: $out"
fi
for f in /usr/share/zsh/vendor-completions/_postmortem /usr/share/fish/vendor_completions.d/postmortem.fish; do
    [ -s "$f" ] && ok "installed $f" || fail "missing $f"
done

# 7. The boot path on the installed binary. Unclean tree: three reports, one summary line,
# and the journal entry, sent to a real systemd-journald running in a private mount namespace
# (its own /run and /var/log), read back with journalctl by MESSAGE_ID and by priority.
message_id=$(sed -n 's/.*MESSAGE_ID=\([0-9a-f]\{32\}\).*/\1/p' "$unit" | head -1)
cat > "$scratch/journal.sh" <<'SCRIPT'
set -eu
bin=$1; sample=$2; out=$3; message_id=$4
mount -t tmpfs none /run
mount -t tmpfs none /var/log
mkdir -p /run/systemd/journal /run/systemd/journald.conf.d
printf '[Journal]\nStorage=volatile\nReadKMSG=no\nForwardToSyslog=no\nForwardToKMsg=no\nForwardToWall=no\nForwardToConsole=no\n' \
    > /run/systemd/journald.conf.d/check.conf
/lib/systemd/systemd-journald >/dev/null 2>&1 &
journald=$!
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
status=0
"$bin" analyze --quiet --utc --previous-boot-if-unclean --out-dir "$out/reports" --keep 3 --journal-summary "$sample" \
    > "$out/stdout" 2> "$out/stderr" || status=$?
echo "$status" > "$out/status"
sleep 0.5
journalctl -D /run/log/journal MESSAGE_ID="$message_id" -o json --no-pager > "$out/entry.json" || true
journalctl -D /run/log/journal -p warning -o cat --no-pager > "$out/warnings.txt" || true
kill "$journald"
SCRIPT
mkdir -p "$scratch/unclean"
crashed=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print([b["boot_id"] for b in t["boots"] if b["end"]=="unclean"][0])' "$sample/truth.json")
if [ ! -x /lib/systemd/systemd-journald ]; then
    fail "no /lib/systemd/systemd-journald to receive the journal entry"
else
    unshare -m --propagation private sh "$scratch/journal.sh" "$bin" "$sample" "$scratch/unclean" "$message_id"
    [ "$(cat "$scratch/unclean/status")" = 0 ] && ok "boot path on an unclean tree: exit 0" \
        || fail "boot path on an unclean tree: exit $(cat "$scratch/unclean/status"): $(cat "$scratch/unclean/stderr")"
    for f in report.md report.json report.html; do
        [ -s "$scratch/unclean/reports/$crashed/$f" ] && ok "wrote reports/$crashed/$f" || fail "no reports/$crashed/$f"
    done
    summary=$(cat "$scratch/unclean/stdout")
    if python3 - "$scratch/unclean/entry.json" "$summary" "$crashed" <<'PY'
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert len(entries) == 1, f"{len(entries)} entries with the MESSAGE_ID"
e = entries[0]
assert e["MESSAGE"] == sys.argv[2], (e["MESSAGE"], sys.argv[2])
assert e["PRIORITY"] == "4", e["PRIORITY"]
assert e["SYSLOG_IDENTIFIER"] == "postmortem"
assert e["POSTMORTEM_BOOT_ID"] == sys.argv[3]
assert e["POSTMORTEM_END"] == "unclean"
PY
    then
        ok "journald has the summary entry (MESSAGE_ID=$message_id, PRIORITY=4): $summary"
    else
        fail "the journal entry read back with journalctl is not the summary line"
    fi
    grep -qxF "$summary" "$scratch/unclean/warnings.txt" && ok "journalctl -p warning shows it" \
        || fail "journalctl -p warning does not show the summary"
fi

# Clean tree: nothing written, exit 0, quickly.
start=$(date +%s%N)
status=0
"$bin" analyze --previous-boot-if-unclean --out-dir "$scratch/clean" --journal-summary "$clean_sample" \
    > "$scratch/clean.out" 2>&1 || status=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$status" = 0 ] && [ ! -e "$scratch/clean" ] && [ "$ms" -lt 5000 ]; then
    ok "boot path on a clean tree: nothing written, exit 0 in $ms ms"
else
    fail "boot path on a clean tree: exit $status, $ms ms, $(cat "$scratch/clean.out")"
fi

# 8. make install / make uninstall into a scratch DESTDIR (the release build is already there).
dest=$scratch/destdir
make --no-print-directory install PREFIX=/usr/local DESTDIR="$dest" >/dev/null
expected="usr/local/bin/postmortem usr/local/share/man/man1/postmortem.1 usr/local/share/man/man1/postmortem-analyze.1
usr/local/share/bash-completion/completions/postmortem usr/local/share/zsh/site-functions/_postmortem
usr/local/share/fish/vendor_completions.d/postmortem.fish usr/local/lib/systemd/system/postmortem-boot.service
usr/local/share/doc/postmortem/README.md usr/local/share/doc/postmortem/report.schema.json"
missing=
for f in $expected; do [ -e "$dest/$f" ] || missing="$missing $f"; done
grep -q "^ExecStart=/usr/local/bin/postmortem " "$dest/usr/local/lib/systemd/system/postmortem-boot.service" || missing="$missing ExecStart-path"
[ -z "$missing" ] && ok "make install PREFIX=/usr/local DESTDIR=…" || fail "make install: missing$missing"
make --no-print-directory uninstall PREFIX=/usr/local DESTDIR="$dest" >/dev/null
left=$(find "$dest" -type f | sed "s|^$dest/||")
[ -z "$left" ] && ok "make uninstall removes every file" || fail "make uninstall left: $left"

echo "package-check: $passed passed, $failed failed"
[ "$failed" = 0 ]
