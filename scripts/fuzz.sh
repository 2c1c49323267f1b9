#!/usr/bin/env bash
# Short, reproducible libFuzzer runs of the readers and of the whole analysis, seeded from the
# shared corpus (when present) and from files written by systemd-journal-remote, tar and zstd.
#   scripts/fuzz.sh [--runs N] [--seconds S] [--target NAME]... [--keep DIR]
# Targets: journal (the journal reader), kernel-log (kernel text logs and their line parsers),
# tar (archives: tar plain and compressed, zip, 7-Zip), host (a small host tree, discovered, analysed, rendered).
# --seconds applies to each target; --runs is scaled by what one input costs (the journal and
# tar targets get N, kernel-log N/8, host N/40), so that `make test`'s --runs 8000 takes about
# a minute and a half in all. --keep DIR keeps each target's grown corpus in DIR/<target>.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=8000; seconds=0; targets=(); keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2;;
    --seconds) seconds=$2; shift 2;;
    --target) targets+=("$2"); shift 2;;
    --keep) keep=$2; shift 2;;
    *) echo "usage: $0 [--runs N] [--seconds S] [--target journal|kernel-log|tar|host]... [--keep DIR]" >&2; exit 2;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(journal kernel-log tar host)
scratch=.build-fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=../shared/corpus

# A small journal written by systemd's own code, in both layouts.
journal_seed() {  # $1 = 0|1 (compact), $2 = output
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
  SYSTEMD_JOURNAL_COMPACT=$1 /lib/systemd/systemd-journal-remote --output="$work/seed.journal" "$work/in.export" 2>/dev/null
  head -c 65536 "$work/seed.journal" > "$2"
}

seed_journal() {  # $1 = seed dir
  if [ -d "$corpus/journals" ]; then
    for f in "$corpus"/journals/*; do head -c 65536 "$f" > "$1/$(basename "$f" | tr -c 'A-Za-z0-9.\n' _)"; done
  fi
  for compact in 0 1; do journal_seed "$compact" "$1/generated-compact$compact.journal"; done
  # journalctl dumps, which the target also makes back into journal files.
  if command -v journalctl >/dev/null; then
    for format in export json verbose; do
      journalctl --file "$1/generated-compact0.journal" -o "$format" > "$work/dump" 2>/dev/null || true
      head -c 32768 "$work/dump" > "$1/generated.$format"
    done
  fi
}

kernel_sample() {  # a few lines of every format the kernel-log reader knows
  cat <<'EOF'
Feb 11 09:49:34 polybox kernel: [360123.456789] python3 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
Feb 11 09:49:34 polybox kernel: [360123.456800] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
Feb 11 09:49:34 polybox kernel: [360123.456801] [    260]     0   260  3150000  3150000 25300000        0             0 python3
Feb 11 09:49:34 polybox kernel: [360123.456900] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/video-pipeline.service,task=ffmpeg,pid=450172,uid=0
Feb 11 09:49:34 polybox kernel: [360123.457000] Out of memory: Killed process 450172 (ffmpeg) total-vm:9000000kB, anon-rss:8900000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:17000kB oom_score_adj:0
2024-02-11T09:52:02.123456+00:00 polybox kernel: INFO: task jbd2/sda1-8:312 blocked for more than 120 seconds.
<3>1 2024-02-11T09:52:23.000001Z polybox kernel - - - watchdog: BUG: soft lockup - CPU#0 stuck for 23s! [kswapd0:89]
[  200.999653] Kernel panic - not syncing: softlockup: hung tasks
[Sun Feb 11 09:52:24 2024] cgroup: fork rejected by pids controller in /system.slice/polyscan.service
6,1234,360200000000,-;blk_update_request: I/O error, dev sda, sector 123456 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 0
EOF
}

seed_kernel_log() {
  if [ -d "$corpus/kernel" ]; then
    for f in "$corpus"/kernel/*; do head -c 65536 "$f" > "$1/$(basename "$f" | tr -c 'A-Za-z0-9.\n' _)"; done
  fi
  kernel_sample > "$1/formats.log"
  kernel_sample | gzip -c > "$1/formats.log.gz"
}

seed_tar() {
  local tree="$work/tree"
  rm -rf "$tree"; mkdir -p "$tree/var/log/journal/65935178b7f7b28f006093b5970de8da" "$tree/etc/systemd/system"
  journal_seed 1 "$tree/var/log/journal/65935178b7f7b28f006093b5970de8da/system.journal"
  kernel_sample > "$tree/var/log/kern.log"
  ln "$tree/var/log/kern.log" "$tree/var/log/kern.log.1"
  ln -s ../usr/share/zoneinfo/Europe/Berlin "$tree/etc/localtime"
  printf '[Service]\nRestart=always\n' > "$tree/etc/systemd/system/polyscan.service"
  tar -C "$tree" -cf "$1/host.tar" .
  tar -C "$tree" --format=pax -cf "$1/host-pax.tar" .
  zstd -q -c "$1/host.tar" > "$1/host.tar.zst"
  gzip -c "$1/host.tar" > "$1/host.tar.gz"
  xz -c "$1/host.tar" > "$1/host.tar.xz"
  (cd "$tree" && zip -q -r "$1/host.zip" . && 7zz a -bd -bso0 -snl "$1/host.7z" .)
}

seed_host() {  # parts cut at \n@@\n: journal, kern.log, unit, pstore, kdump, syslog, zone
  journal_seed 1 "$work/host.journal"
  local k="$work/kern.log"
  kernel_sample > "$k"
  if [ -d "$corpus/kernel" ]; then head -c 16384 "$(ls "$corpus"/kernel/* | head -n 1)" >> "$k"; fi
  { cat "$work/host.journal"; printf '\n@@\n'; cat "$k"; printf '\n@@\n[Unit]\nDescription=scanner\n[Service]\nRestart=always\nRestartSec=100ms\nStartLimitIntervalSec=0\n'
    printf '\n@@\nPanic#1 Part1\n<0>[  200.999653] Kernel panic - not syncing: softlockup: hung tasks\n'
    printf '\n@@\n[  200.999653] Kernel panic - not syncing: Fatal exception\n'
    printf '\n@@\nFeb 11 09:51:57 polybox systemd[1]: polyscan.service: Scheduled restart job, restart counter is at 320245.\n'
    printf '\n@@\nEurope/Berlin\n'; } > "$1/host.seed"
}

failed=0
for target in "${targets[@]}"; do
  case "$target" in
    journal|tar) len=65536; n=$runs;;
    kernel-log) len=16384; n=$(( runs / 8 > 0 ? runs / 8 : 1 ));;
    host) len=131072; n=$(( runs / 40 > 0 ? runs / 40 : 1 ));;
    *) echo "fuzz: unknown target $target" >&2; exit 2;;
  esac
  product="$target-fuzz"
  swift build --scratch-path "$scratch" --product "$product" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING 2>&1 | grep -E "error|warning: unre|Build" || true
  bin="$scratch/debug/$product"
  [ -x "$bin" ] || { echo "fuzz: $product did not build" >&2; exit 1; }
  seeds="$work/seeds-$target"; mkdir -p "$seeds"
  "seed_${target//-/_}" "$seeds"
  grown="$work/corpus-$target"
  if [ -n "$keep" ]; then grown="$keep/$target"; fi
  mkdir -p "$grown"
  args=(-seed=1 -max_len=$len -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/$target-")
  if [ "$seconds" -gt 0 ]; then args+=(-max_total_time="$seconds"); else args+=(-runs="$n"); fi
  echo "fuzz $target: $(ls "$seeds" | wc -l) seeds, ${args[*]}"
  if "$bin" "${args[@]}" "$grown" "$seeds" > "$work/$target.log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^Done" "$work/$target.log" || tail -n 3 "$work/$target.log"
    echo "fuzz $target: no crash"
  else
    tail -n 40 "$work/$target.log"
    mkdir -p fuzz-findings
    cp "$work/$target"-* fuzz-findings/ 2>/dev/null || true
    echo "fuzz $target: FAILED (reproducers, if any, in fuzz-findings/)" >&2
    failed=1
  fi
done
exit $failed
