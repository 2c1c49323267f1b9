#!/usr/bin/env bash
# A short, reproducible libFuzzer run of the journal reader, seeded from the shared corpus
# (when present) and from journals written by systemd-journal-remote.
#   scripts/fuzz.sh [--runs N] [--seconds S]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=8000; seconds=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2;;
    --seconds) seconds=$2; shift 2;;
    *) echo "usage: $0 [--runs N] [--seconds S]" >&2; exit 2;;
  esac
done
scratch=.build-fuzz
swift build --scratch-path "$scratch" --product journal-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 | grep -E "error|warning: unre|Compiling journal|Build" || true
bin="$scratch/debug/journal-fuzz"
[ -x "$bin" ] || { echo "fuzz: build failed" >&2; exit 1; }
seeds=$(mktemp -d); work=$(mktemp -d)
trap 'rm -rf "$seeds" "$work"' EXIT
# Seeds: the head of every corpus journal (the interesting structure is at the start).
if [ -d ../shared/corpus/journals ]; then
  for f in ../shared/corpus/journals/*; do head -c 65536 "$f" > "$seeds/$(basename "$f" | tr -c 'A-Za-z0-9.\n' _)"; done
fi
# And a small journal written by systemd's own code, in both layouts.
for compact in 0 1; do
  python3 - "$work/in.export" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(40):
        f.write(f"__REALTIME_TIMESTAMP={1733000000000000+i*1000}\n__MONOTONIC_TIMESTAMP={5000000+i*1000}\n")
        f.write("_BOOT_ID=1f0e3d5c7b9a48f6a2c4e6f8091b2d3c\n")
        f.write(f"MESSAGE=polyscan.service: Scheduled restart job, restart counter is at {i}.\n_PID={1000+i}\n")
        f.write("MESSAGE_ID=5eb03494b6584870a536b337290809b3\n_SYSTEMD_UNIT=polyscan.service\n")
        if i % 7 == 0: f.write("BIG=" + "x" * 700 + "\n")
        f.write("\n")
PY
  rm -f "$work/seed.journal"
  SYSTEMD_JOURNAL_COMPACT=$compact /lib/systemd/systemd-journal-remote --output="$work/seed.journal" "$work/in.export" 2>/dev/null
  head -c 65536 "$work/seed.journal" > "$seeds/generated-compact$compact.journal"
done
mkdir -p "$work/corpus"
args=(-seed=1 -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
if [ "$seconds" -gt 0 ]; then args+=(-max_total_time="$seconds"); else args+=(-runs="$runs"); fi
echo "fuzz: $(ls "$seeds" | wc -l) seeds, ${args[*]}"
"$bin" "${args[@]}" "$work/corpus" "$seeds" 2>&1 | tail -n 12
echo "fuzz: no crash"
