#!/usr/bin/env bash
# postmortem against journalctl on the same generated data (not a test):
#   scripts/bench.sh [--entries N] [--data DIR] [--runs R] [--archives] [--multiboot [--mb-entries N] [--mb-boots B]]
# Generates ~2 million entries of a crash-loop incident with systemd-journal-remote
# (once; kept in DIR), then times, with output to /dev/null:
#   journalctl -D DIR -o export       vs  postmortem export DIR -o export
#   journalctl -D DIR -o export       vs  postmortem analyze HOSTROOT --format json
#   cat the journal files (warm)       the physical floor: reading the same bytes
# and the boot path (analyze --previous-boot-if-unclean --out-dir), and --out-dir alone,
# and prints the ratios and peak memory. Uses the release build. With --archives, also
# analyses the same host packed as .tar (read in place) and .tar.zst (expanded into a temporary
# file). With --multiboot, also a host of B boots and N entries (default 10 and 8 million; about
# 25 min to generate on a busy 2-core machine), its newest boot analysed against journalctl's
# export of the directory and against reading that boot's share of the bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
entries=2000000; data=bench-data; runs=3; archives=0; multiboot=0; mb_entries=8000000; mb_boots=10
while [ $# -gt 0 ]; do
  case "$1" in
    --entries) entries=$2; shift 2;;
    --data) data=$2; shift 2;;
    --runs) runs=$2; shift 2;;
    --archives) archives=1; shift;;
    --multiboot) multiboot=1; shift;;
    --mb-entries) mb_entries=$2; shift 2;;
    --mb-boots) mb_boots=$2; shift 2;;
    *) echo "usage: $0 [--entries N] [--data DIR] [--runs R] [--archives] [--multiboot [--mb-entries N] [--mb-boots B]]" >&2; exit 2;;
  esac
done
# Output goes to /dev/null; if that is a plain file (a broken container), every run would
# also pay for writing gigabytes to it, and the ratios would measure that instead.
if [ ! -c /dev/null ]; then
  echo "warning: /dev/null is not a character device here; timings include writing the output to a file" >&2
fi
swift build -c release --product postmortem 2>&1 | grep -E "error|Compiling|Build" | tail -n 3
bin=.build/release/postmortem
if [ ! -f "$data/.entries-$entries" ]; then
  # Only what is made from this host: the multi-boot host beside it took half an hour to write.
  rm -rf "$data/host" "$data/host.tar" "$data/host.tar.zst" "$data/fleet5" "$data"/.entries-*; mkdir -p "$data"
  echo "generating $entries entries into $data (once) ..."
  start=$(date +%s)
  python3 scripts/gen-incident.py --scenario bench --entries "$entries" --out "$data/host"
  echo "generated in $(( $(date +%s) - start )) s"
  touch "$data/.entries-$entries"
fi
journal_dir=$(find "$data/host" -type d -path '*var/log/journal' | head -n 1)
files=$(find "$journal_dir" -name '*.journal*' | wc -l)
size=$(du -sh "$journal_dir" | cut -f1)
echo "data: $files journal files, $size, $(journalctl -D "$journal_dir" --header 2>/dev/null | grep -c '^File path') files per journalctl"
best() {  # best wall time and the peak memory of that run, over $runs runs
  local out best_s="" best_line=""
  for _ in $(seq "$runs"); do
    out=$(python3 scripts/measure.py "$@")
    s=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$out")
    if [ -z "$best_s" ] || python3 -c "import sys; sys.exit(0 if $s < $best_s else 1)"; then best_s=$s; best_line=$out; fi
  done
  echo "$best_line"
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
# The physical floor: reading the same bytes, warm (after the runs above have cached them).
mapfile -t journal_files < <(find "$journal_dir" -name '*.journal*' | sort)
cat "${journal_files[@]}" > /dev/null
fl=$(best cat "${journal_files[@]}")
jc=$(best journalctl -D "$journal_dir" -o export)
ex=$(best "$bin" export "$journal_dir" -o export)
an=$(best "$bin" analyze --quiet --format json "$data/host")
# What postmortem-boot.service runs: the same analysis plus the three reports (when the
# previous boot ended uncleanly) and the pruning of older report folders.
boot_out=$(mktemp -d)
bp=$(best "$bin" analyze --quiet --previous-boot-if-unclean --out-dir "$boot_out" --keep 1 "$data/host")
boot_reports=$(find "$boot_out" -name 'report.*' | wc -l)
# The same with the three reports always written (the newest boot that ended badly).
od=$(best "$bin" analyze --quiet --out-dir "$boot_out" --keep 1 "$data/host")
rm -rf "$boot_out"
printf '%-40s %9s %9s %9s\n' "" "wall s" "cpu s" "peak MiB"
printf '%-40s %9s %9s %9s\n' "floor: cat the journal files (warm)" "$(field "$fl" seconds)" "$(field "$fl" cpu_seconds)" "$(field "$fl" peak_mib)"
printf '%-40s %9s %9s %9s\n' "journalctl -D DIR -o export" "$(field "$jc" seconds)" "$(field "$jc" cpu_seconds)" "$(field "$jc" peak_mib)"
printf '%-40s %9s %9s %9s\n' "postmortem export DIR -o export" "$(field "$ex" seconds)" "$(field "$ex" cpu_seconds)" "$(field "$ex" peak_mib)"
printf '%-40s %9s %9s %9s\n' "postmortem analyze HOST --format json" "$(field "$an" seconds)" "$(field "$an" cpu_seconds)" "$(field "$an" peak_mib)"
printf '%-40s %9s %9s %9s\n' "boot path (--previous-boot-if-unclean)" "$(field "$bp" seconds)" "$(field "$bp" cpu_seconds)" "$(field "$bp" peak_mib)"
printf '%-40s %9s %9s %9s\n' "analyze --out-dir (3 reports)" "$(field "$od" seconds)" "$(field "$od" cpu_seconds)" "$(field "$od" peak_mib)"
echo "boot path: $boot_reports report files written (0: the host's previous boot ended cleanly or there is none)"
python3 - "$jc" "$ex" "$an" "$fl" <<'PY'
import json, sys
jc, ex, an, fl = (json.loads(a) for a in sys.argv[1:])
print(f"export  speed-up vs journalctl: {jc['seconds'] / ex['seconds']:.1f}x wall, {jc['cpu_seconds'] / max(ex['cpu_seconds'], 0.001):.1f}x cpu")
print(f"analyze speed-up vs journalctl export: {jc['seconds'] / an['seconds']:.1f}x wall, {jc['cpu_seconds'] / max(an['cpu_seconds'], 0.001):.1f}x cpu")
print(f"analyze vs the floor (reading the same bytes): {an['seconds'] / max(fl['seconds'], 0.001):.1f}x its time")
if float(open("/proc/loadavg").read().split()[0]) > 1.5:
    print("note: the machine was busy (load " + open("/proc/loadavg").read().split()[0] + "): wall-clock ratios are unreliable, CPU ratios less so")
for name, r in (("export", ex), ("analyze", an)):
    if r["status"] != 0: print(f"WARNING: postmortem {name} exited {r['status']}: {r['stderr']}")
PY
if [ "$archives" = 1 ]; then
  [ -f "$data/host.tar" ] || tar -cf "$data/host.tar" -C "$data" host
  [ -f "$data/host.tar.zst" ] || zstd -q -T2 "$data/host.tar" -o "$data/host.tar.zst"
  for a in host.tar host.tar.zst; do
    r=$(best "$bin" analyze --quiet --format json "$data/$a")
    printf '%-40s %9s %9s %9s\n' "postmortem analyze $a" "$(field "$r" seconds)" "$(field "$r" cpu_seconds)" "$(field "$r" peak_mib)"
  done
  # A fleet of five such archives (copies: one file named five times would be read once).
  mkdir -p "$data/fleet5"
  for i in 1 2 3 4 5; do [ -f "$data/fleet5/host$i.tar.zst" ] || cp "$data/host.tar.zst" "$data/fleet5/host$i.tar.zst"; done
  batch_out=$(mktemp -d)
  r=$(best "$bin" batch --utc -j 2 --out "$batch_out" "$data/fleet5")
  rm -rf "$batch_out"
  printf '%-40s %9s %9s %9s\n' "batch -j 2 over 5 x host.tar.zst" "$(field "$r" seconds)" "$(field "$r" cpu_seconds)" "$(field "$r" peak_mib)"
fi
if [ "$multiboot" = 1 ]; then
  mb=$data/multiboot
  if [ ! -f "$mb/.entries-$mb_entries-boots-$mb_boots" ]; then
    rm -rf "$mb"; mkdir -p "$mb"
    echo "generating $mb_entries entries in $mb_boots boots into $mb (once) ..."
    start=$(date +%s)
    python3 scripts/gen-incident.py --scenario bench --entries "$mb_entries" --boots "$mb_boots" --out "$mb/host"
    echo "generated in $(( $(date +%s) - start )) s"
    touch "$mb/.entries-$mb_entries-boots-$mb_boots"
  fi
  mb_dir=$(find "$mb/host" -type d -path '*var/log/journal' | head -n 1)
  mapfile -t mb_files < <(find "$mb_dir" -name '*.journal*' | sort)
  cat "${mb_files[@]}" > /dev/null
  mfl=$(best cat "${mb_files[@]}")
  mjc=$(best journalctl -D "$mb_dir" -o export)
  man=$(best "$bin" analyze --quiet --boot 0 --format json "$mb/host")
  mall=$(best "$bin" analyze --quiet --boot all --format json "$mb/host")
  mboots=$(best "$bin" boots -o json "$mb/host")
  # The newest boot's share of the bytes: its entries over all entries, times the floor.
  share=$("$bin" boots -o json "$mb/host" | python3 -c 'import json,sys; b=json.load(sys.stdin); print(b[-1]["entries"] / max(1, sum(x["entries"] for x in b)))')
  echo "multi-boot host: ${#mb_files[@]} files, $(du -sh "$mb_dir" | cut -f1), $mb_boots boots, newest boot's share of the entries $share"
  printf '%-40s %9s %9s %9s\n' "floor: cat the journal files (warm)" "$(field "$mfl" seconds)" "$(field "$mfl" cpu_seconds)" "$(field "$mfl" peak_mib)"
  printf '%-40s %9s %9s %9s\n' "journalctl -D DIR -o export" "$(field "$mjc" seconds)" "$(field "$mjc" cpu_seconds)" "$(field "$mjc" peak_mib)"
  printf '%-40s %9s %9s %9s\n' "postmortem analyze --boot 0" "$(field "$man" seconds)" "$(field "$man" cpu_seconds)" "$(field "$man" peak_mib)"
  printf '%-40s %9s %9s %9s\n' "postmortem analyze --boot all" "$(field "$mall" seconds)" "$(field "$mall" cpu_seconds)" "$(field "$mall" peak_mib)"
  printf '%-40s %9s %9s %9s\n' "postmortem boots" "$(field "$mboots" seconds)" "$(field "$mboots" cpu_seconds)" "$(field "$mboots" peak_mib)"
  python3 - "$mjc" "$man" "$mfl" "$share" <<'PY'
import json, sys
jc, an, fl = (json.loads(a) for a in sys.argv[1:4])
share = float(sys.argv[4])
print(f"newest boot: {jc['seconds'] / an['seconds']:.1f}x journalctl's export wall, {jc['cpu_seconds'] / max(an['cpu_seconds'], 0.001):.1f}x cpu;"
      f" {an['seconds'] / max(fl['seconds'] * share, 0.001):.1f}x the time to read its share of the bytes")
PY
fi
