#!/usr/bin/env python3
"""Writes host trees of known incidents whose journal files are real systemd journal files.

    gen-incident.py --scenario NAME --out DIR [--seed N] [--entries N]
    gen-incident.py --samples samples          # regenerates samples/reference-incident, samples/healthy-reboot
    gen-incident.py --check DIR                # journalctl over DIR's files against DIR/truth.json

Scenarios: reference-incident, memcg-oom-loop, fork-bomb, storage-io, healthy-reboot, bench;
fork-bomb-sparse, two-disks, poller-beside-failure (the causal model's cases); how boots
end: initrd-crash, journald-restart-crash, user-shutdown-crash, power-cut, clean-shutdown, rtc-less.
The journal is written as journal export format and converted by systemd-journal-remote;
the known answers go to DIR/truth.json. Python 3.11 standard library only.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from gen_lib import scenarios as S            # noqa: E402
from gen_lib import texts as T                 # noqa: E402
from gen_lib.host import US, iso               # noqa: E402
from gen_lib.journalfile import GenError, entry_objects, tear  # noqa: E402

GENERATOR_VERSION = 1
SAMPLES = ("reference-incident", "healthy-reboot")


# -- generation ---------------------------------------------------------------------
def generate(name, out, seed=1, entries=None, boots=1):
    if name not in S.SCENARIOS:
        raise GenError("unknown scenario %r (known: %s)" % (name, ", ".join(S.SCENARIOS)))
    if os.path.exists(out) and os.listdir(out):
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    hostname, fn = S.SCENARIOS[name]
    pid_max = 32768 if name in ("fork-bomb", "fork-bomb-sparse") else 4194304
    run = S.Run(name, seed, out, hostname, pid_max=pid_max, keep_rts=name != "bench")
    if name == "bench":
        S.reference(run, bench_entries=entries or 2_000_000, bench_boots=max(1, boots or 1))
    else:
        fn(run)
    finish(run)
    return run


def finish(run):
    h, w = run.host, run.writer
    lost = (0, 0)
    if run.torn is not None:
        f, tear_rt, final_name = run.torn
        keep = sum(1 for rt in f.entry_rts if rt <= tear_rt)
        tear(f, keep, run.rng)
        new_path = os.path.join(os.path.dirname(f.path), final_name)
        os.replace(f.path, new_path)
        f.path = new_path
        lost = (f.first_index + f.recoverable, f.first_index + f.count)
    run.lost = lost
    write_pstore(run)
    write_tree(run)
    truth = make_truth(run)
    with open(os.path.join(run.out, "truth.json"), "w") as fh:
        json.dump(truth, fh, indent=1)
        fh.write("\n")
    return truth


def write_tree(run):
    h, out = run.host, run.out

    def put(rel, text, mode=0o644):
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
        os.chmod(path, mode)
    put("etc/machine-id", h.machine_id + "\n", 0o444)
    put("etc/hostname", h.hostname + "\n")
    put("etc/timezone", "Etc/UTC\n")
    put("etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
                          'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
    for unit, text in run.unit_files.items():
        put("etc/systemd/system/" + unit, text)
    for rel, text in run.extra_files.items():
        put(rel, text)
    put("var/log/kern.log", "\n".join(h.klog) + ("\n" if h.klog else ""), 0o640)


def write_pstore(run):
    if run.pstore is None:
        return
    boot, kind, when = run.pstore
    lines = []
    for k in boot.ring:
        for text in k.text.split("\n"):
            lines.append((k, "<%d>[%5d.%06d] %s" % (k.prio, k.mono // US, k.mono % US, text)))
    # efi-pstore records hold 1024 bytes; Part1 holds the newest lines, older parts go back in time.
    unix = when // US
    parts = []
    cur, size = [], 0
    for k, line in reversed(lines):
        if size + len(line) + 1 > 1024 - 20 and cur:
            parts.append(cur)
            if len(parts) == 6:
                cur = None
                break
            cur, size = [], 0
        cur.append((k, line))
        size += len(line) + 1
    if cur:
        parts.append(cur)
    d = os.path.join(run.out, "var/lib/systemd/pstore/%d" % unix)
    os.makedirs(d, exist_ok=True)
    for i, part in enumerate(parts, start=1):
        rid = (unix * 100 + i) * 1000 + 1
        with open(os.path.join(d, "dmesg-efi-%d" % rid), "w") as fh:
            fh.write("%s#1 Part%d\n" % (kind, i))
            for k, line in reversed(part):
                k.in_pstore = True
                fh.write(line + "\n")
    run.pstore_dir = d


def sliding_peak(counts, window=60):
    if not counts:
        return 0.0
    secs = sorted(counts)
    lo, hi = secs[0], secs[-1]
    best = 0
    run = 0
    for s in range(lo, hi + 1):
        run += counts.get(s, 0)
        if s - window >= lo:
            run -= counts.get(s - window, 0)
        best = max(best, run)
    return best / float(window)


def make_truth(run):
    h, w = run.host, run.writer
    l0, l1 = run.lost
    a = run.analysed

    def recovered(idx):
        return not (l0 <= idx < l1)
    boots = []
    for b in h.boots:
        if not b.rts:
            continue
        n = len(b.rts)
        idxs = range(b.first_index, b.first_index + n)
        keep = [rt for i, rt in zip(idxs, b.rts) if recovered(i)]
        monos = [m for i, m in zip(idxs, b.monos) if recovered(i)]
        boots.append({"boot_id": b.boot_id, "first": iso(keep[0]) if keep else None,
                      "last": iso(keep[-1]) if keep else None, "entries": len(keep), "entries_written": n,
                      "end": b.end,
                      # the kernel's start on the boot's last wall clock; monotonic run time
                      "start": iso(b.rt0 + b.final_skew),
                      "uptime_seconds": max(monos) / US if monos else None,
                      "first_entry_uptime_seconds": min(monos) / US if monos else None})
    units = []
    for name in run.units_of_interest:
        restarts = [t for (i, bi, t) in h.tags if bi == a.index and recovered(i) and t[0] == "restart"
                    and t[1] == name]
        counters = [t[2] for t in restarts]
        times = [a.rts[i - a.first_index] for (i, bi, t) in h.tags
                 if bi == a.index and recovered(i) and t[0] == "restart" and t[1] == name]
        gaps = sorted(y - x for x, y in zip(times, times[1:]))
        median_gap = gaps[len(gaps) // 2] if gaps else None
        limit = any(t[0] == "result" and t[1] == name and t[2] == "start-limit-hit"
                    for (i, bi, t) in h.tags if bi == a.index and recovered(i))
        units.append({"unit": name, "restarts_observed": len(restarts),
                      "restart_counter_max": max(counters) if counters else None,
                      "crash_loop": len(restarts) >= 5 and median_gap is not None and median_gap <= 60 * US,
                      "start_limit_hit": limit,
                      "oom_kills": sum(1 for o in run.ooms if o["unit"] == name)})
    events = {"hung_task": 0, "soft_lockup": 0, "panic": 0, "io_error": 0, "fs_error": 0, "fork_rejected": 0,
              "oom_kill": 0}
    last_words = []
    for k in a.kmsgs:
        if k.vacuumed:
            continue
        if k.event:
            events[k.event] += 1
        in_journal = k.jidx is not None and recovered(k.jidx)
        if (k.in_klog or k.in_pstore) and not in_journal:
            last_words.append(k.text)
    counts = run.fork_counts or {}
    per_minute = []
    if counts:
        lo = min(counts) // 60 * 60
        hi = max(counts)
        for m in range(lo, hi + 1, 60):
            per_minute.append({"minute": iso(m * US), "forks": sum(counts.get(s, 0) for s in range(m, m + 60))})
    files = []
    for f in w.files:
        rec = f.recoverable if f.kind == "torn" else f.count
        files.append({"path": os.path.relpath(f.path, run.out), "state": f.kind, "entries_written": f.count,
                      "entries_recoverable": rec, "seqnum_first": f.first_seqnum,
                      "journalctl_reads": f.kind != "torn"})
    truth = {
        "scenario": run.name,
        "hostname": h.hostname,
        "machine_id": h.machine_id,
        "boots": boots,
        "analyzed_boot": a.boot_id,
        "units": units,
        "oom_kills": run.ooms,
        "fork_rate_peak_per_second": round(sliding_peak(counts), 3),
        "root_cause": run.root_cause,
        "kernel_events": events,
        "journal_entries": w.total - (l1 - l0),
        "lost_to_tear": l1 - l0,
        "last_words": last_words,
        # extras (not part of the fixed contract)
        "contributing": run.contributing,
        # The causal model's roles (issue 11): root_cause is the primary; unrelated findings
        # are reported apart; chain lists the kinds the primary's chain runs through.
        "primary": run.root_cause,
        "unrelated": run.unrelated,
        "chain": run.chain,
        "seed": run.seed,
        "pid_max": h.pids.max,
        "pid_wraps": h.pids.wraps,
        "fork_rate_per_minute": per_minute,
        "files": files,
        "kern_log_lines": len(h.klog),
        "pstore_files": sorted(os.listdir(run.pstore_dir)) if getattr(run, "pstore_dir", None) else [],
        "generator_version": GENERATOR_VERSION,
    }
    return truth


# -- self-check -----------------------------------------------------------------------
def journalctl_count(path):
    """(entries journalctl prints with -o export, per-boot counts, stderr)."""
    p = subprocess.Popen(["journalctl", "--file", path, "-o", "export", "--no-pager"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    n = 0
    boots = {}
    # Export output can hold binary fields; a line starting __CURSOR= only appears at entry starts.
    for line in p.stdout:
        if line.startswith(b"__CURSOR="):
            n += 1
        elif line.startswith(b"_BOOT_ID="):
            bid = line[9:].strip().decode()
            boots[bid] = boots.get(bid, 0) + 1
    err = p.stderr.read().decode("utf-8", "replace")
    p.wait()
    return n, boots, err


def torn_boot_counts(path):
    """Per-boot counts of the ENTRY objects that lie wholly inside a torn file."""
    size = os.path.getsize(path)
    out = {}
    with open(path, "rb") as fh:
        data = fh.read()
    header_size = int.from_bytes(data[88:96], "little")
    off = header_size
    while off + 16 <= size:
        otype = data[off]
        osize = int.from_bytes(data[off + 8:off + 16], "little")
        if osize < 16 or off + osize > size:
            break
        if otype == 3:
            bid = data[off + 40:off + 56].hex()
            out[bid] = out.get(bid, 0) + 1
        off = (off + osize + 7) & ~7
    return out


KLOG_RE = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ kernel: \[ *\d+\.\d{6}\] ")


def check(root, verify=True):
    with open(os.path.join(root, "truth.json")) as fh:
        truth = json.load(fh)
    problems = []
    total = 0
    per_boot = {}
    t0 = time.time()
    for i, f in enumerate(truth["files"]):
        path = os.path.join(root, f["path"])
        with open(path, "rb") as fh:
            head = fh.read(272)
        state = head[16]
        mid = head[40:56].hex()
        if mid != truth["machine_id"]:
            problems.append("%s: header machine ID %s" % (f["path"], mid))
        want_state = {"archived": 2, "online": 1, "torn": 1}[f["state"]]
        if state != want_state:
            problems.append("%s: header state %d, expected %d" % (f["path"], state, want_state))
        n, boots, err = journalctl_count(path)
        if f["state"] == "torn":
            objs = torn_boot_counts(path)
            rec = sum(objs.values())
            if rec != f["entries_recoverable"]:
                problems.append("%s: %d whole entry objects before the cut, truth says %d" % (f["path"], rec,
                                                                                            f["entries_recoverable"]))
            if n >= f["entries_written"]:
                problems.append("%s: torn, yet journalctl read all %d entries" % (f["path"], n))
            print("  %-75s torn: journalctl reads %d of %d (%s); %d entries lie before the cut"
                  % (f["path"], n, f["entries_written"], err.strip().splitlines()[-1] if err.strip() else "no error",
                     rec))
            total += rec
            for k, v in objs.items():
                per_boot[k] = per_boot.get(k, 0) + v
        else:
            if n != f["entries_written"]:
                problems.append("%s: journalctl reads %d entries, wrote %d (%s)" % (f["path"], n,
                                                                                    f["entries_written"], err.strip()))
            total += n
            for k, v in boots.items():
                per_boot[k] = per_boot.get(k, 0) + v
            if verify and (len(truth["files"]) <= 12 or i in (0, len(truth["files"]) - 1)):
                r = subprocess.run(["journalctl", "--file", path, "--verify", "-q"], capture_output=True, text=True)
                if r.returncode != 0:
                    problems.append("%s: journalctl --verify failed: %s" % (f["path"], r.stderr.strip()[-300:]))
            print("  %-75s %-8s journalctl reads %d of %d" % (f["path"], f["state"], n, f["entries_written"]))
    if total != truth["journal_entries"]:
        problems.append("journal entries: %d readable, truth says %d" % (total, truth["journal_entries"]))
    for b in truth["boots"]:
        got = per_boot.get(b["boot_id"], 0)
        if got != b["entries"]:
            problems.append("boot %s: %d entries readable, truth says %d" % (b["boot_id"], got, b["entries"]))
    klog = os.path.join(root, "var/log/kern.log")
    if os.path.exists(klog):
        with open(klog, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        bad = [l for l in lines if not KLOG_RE.match(l)]
        if bad:
            problems.append("kern.log: %d malformed lines, e.g. %r" % (len(bad), bad[0]))
        if len(lines) != truth["kern_log_lines"]:
            problems.append("kern.log: %d lines, truth says %d" % (len(lines), truth["kern_log_lines"]))
        text = "\n".join(lines)
        missing = [w for w in truth["last_words"] if w.split("\n")[0] not in text]
        pdir = os.path.join(root, "var/lib/systemd/pstore")
        pst = ""
        if os.path.isdir(pdir):
            for d in os.listdir(pdir):
                for n_ in os.listdir(os.path.join(pdir, d)):
                    with open(os.path.join(pdir, d, n_)) as fh:
                        pst += fh.read()
        missing = [w for w in missing if w.split("\n")[0] not in pst]
        if missing:
            problems.append("last words found neither in kern.log nor pstore: %r" % missing[:3])
    print("  %d journal entries readable (truth %d, %d lost to the tear), %d boots, checked in %.1fs"
          % (total, truth["journal_entries"], truth["lost_to_tear"], len(truth["boots"]), time.time() - t0))
    for p in problems:
        print("PROBLEM: " + p)
    return not problems


# -- CLI -------------------------------------------------------------------------------
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario")
    ap.add_argument("--out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--entries", type=int)
    ap.add_argument("--boots", type=int, default=1, help="bench: the entries spread over this many boots, each but the last ending uncleanly")
    ap.add_argument("--samples", metavar="DIR")
    ap.add_argument("--check", metavar="DIR")
    ap.add_argument("--no-verify", action="store_true", help="with --check: skip journalctl --verify")
    args = ap.parse_args(argv)
    try:
        if args.check:
            ok = check(args.check, verify=not args.no_verify)
            print("check: %s" % ("OK" if ok else "FAILED"))
            return 0 if ok else 1
        if args.samples:
            for name in SAMPLES:
                t = time.time()
                out = os.path.join(args.samples, name)
                generate(name, out, 1)
                print("%s: written in %.1fs" % (out, time.time() - t))
            return 0
        if not args.scenario or not args.out:
            ap.error("--scenario NAME --out DIR, --samples DIR or --check DIR")
        t = time.time()
        run = generate(args.scenario, args.out, args.seed, args.entries, args.boots)
        print("%s: %d journal entries in %d files, written in %.1fs" % (args.out, run.writer.total,
                                                                      len(run.writer.files), time.time() - t))
        return 0
    except GenError as e:
        print("gen-incident: error: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
