#!/usr/bin/env python3
"""Runs one command with stdout to /dev/null; prints wall and CPU seconds and peak RSS (MiB) as JSON."""
import json, resource, subprocess, sys, time
start = time.monotonic()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = usage.ru_maxrss / 1024
cpu = usage.ru_utime + usage.ru_stime
print(json.dumps({"seconds": round(wall, 3), "cpu_seconds": round(cpu, 3), "peak_mib": round(peak, 1), "status": proc.returncode,
                  "stderr": proc.stderr.decode(errors="replace")[-300:]}))
