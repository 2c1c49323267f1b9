"""The incidents. Each scenario function drives the simulation of one host: the
analysed (crashed or ended) boot, then the start of the next one."""

import datetime

from . import actors as A
from . import texts as T
from .host import US, Host, Sim
from .journalfile import JournalWriter, Lineage

SEC = US
MS = 1000


class Run:
    """One generation: host, writer, and what the truth needs to know."""

    def __init__(self, name, seed, out, hostname, pid_max=4194304, keep_rts=True):
        import random
        self.name = name
        self.seed = seed
        self.out = out
        self.rng = random.Random("%s:%d" % (name, seed))
        rng = self.rng
        # 2024-02-10 plus a seed-dependent offset of up to a day.
        self.t_base = int(datetime.datetime(2024, 2, 10, 6, 0, tzinfo=datetime.timezone.utc).timestamp()) * US
        self.t_base += rng.randrange(0, 86400) * US
        self.sim = Sim(self.t_base)
        machine_id = "%032x" % rng.getrandbits(128)
        self.host = Host(rng, self.sim, hostname, machine_id, pid_max)
        self.jdir = "%s/var/log/journal/%s" % (out, machine_id)
        self.writer = JournalWriter(self.jdir, machine_id, keep_rts=keep_rts)
        self.host.writer = self.writer
        self.analysed = None
        self.units_of_interest = []
        self.ooms = []
        self.root_cause = None
        self.contributing = []
        self.unrelated = []
        self.chain = []
        self.torn = None              # (JournalFile, tear realtime, final name)
        self.pstore = None            # (boot, header kind, unix time)
        self.unit_files = {}
        self.extra_files = {}
        self.fork_counts = None
        self.notes = []

    def lineage(self, first_seqnum=1):
        lin = Lineage("%032x" % self.rng.getrandbits(128), first_seqnum)
        self.host.lineage = lin
        return lin

    def start_counting_forks(self):
        self.host.pids.count_from_now()

    def stop_counting_forks(self):
        self.fork_counts = self.host.pids.stop_counting()


def oom_record(run, kind, victim, unit, memcg):
    run.ooms.append({"kind": kind, "pid": victim.pid, "comm": victim.comm, "uid": victim.uid,
                     "unit": unit.name if unit else None, "task_memcg": memcg})


def task_rows(h, extra=()):
    procs = sorted(list(h.procs.values()) + [p for p in extra if p.pid not in h.procs], key=lambda p: p.pid)
    rows = []
    for p in procs:
        if p.pid == 1 or p.rss_pages == 0:
            continue
        rows.append((6, T.task_row(p.pid, p.uid, p.pid, p.vm_pages or p.rss_pages * 2, p.rss_pages,
                                   (p.rss_pages // 512 + 12) * 4096, 0, -1000 if p.comm == "systemd-udevd" else 0,
                                   p.comm)))
    return rows


def global_oom(run, invoker, victim, unit, cpu=0):
    """The kernel's global OOM report and kill, as 6.1 mm/oom_kill.c prints it."""
    h = run.host
    memcg = victim_memcg = unit.cgroup
    lines = [(4, "%s invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, "
                 "oom_score_adj=0" % invoker.comm)]
    lines += [(4, x) for x in T.dump_stack_head(cpu, invoker.pid, invoker.comm)]
    lines += [(4, x) for x in ["Call Trace:", " <TASK>"] + [" " + f for f in T.TRACE_OOM_GLOBAL] + T.USER_REGS +
              [" </TASK>"]]
    total_anon = sum(p.rss_pages for p in h.procs.values()) * 4
    lines += T.mem_info(free_kb=66612, anon_kb=total_anon, file_kb=9184)
    lines += [(6, "Tasks state (memory values in pages):"), (6, T.TASK_HEADER)]
    lines += task_rows(h, (victim, invoker))
    lines.append((6, "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
                     "task_memcg=%s,task=%s,pid=%d,uid=%d" % (victim_memcg, victim.comm, victim.pid, victim.uid)))
    h.kernel_lines(lines, event=None)
    h.kernel("Out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, shmem-rss:0kB, "
             "UID:%d pgtables:%dkB oom_score_adj:0" % (victim.pid, victim.comm, victim.vm_pages * 4,
                                                     victim.rss_pages * 4, 1234 + victim.pid % 977, victim.uid,
                                                     victim.rss_pages // 128 + 48), 3, event="oom_kill",
             latency=60 + 3 * len(lines))
    oom_record(run, "global", victim, unit, memcg)
    h.exit_proc(victim)


def memcg_oom(run, victim, unit, limit_kb):
    h = run.host
    lines = [(4, "%s invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0" % victim.comm)]
    lines += [(4, x) for x in T.dump_stack_head(1, victim.pid, victim.comm)]
    lines += [(4, x) for x in ["Call Trace:", " <TASK>"] + [" " + f for f in T.TRACE_OOM_MEMCG] + T.USER_REGS +
              [" </TASK>"]]
    anon = limit_kb * 1024 - 1720320 - 98304
    lines += [(6, "memory: usage %dkB, limit %dkB, failcnt %d" % (limit_kb, limit_kb, 2000 + run.rng.randrange(900))),
              (6, "swap: usage 0kB, limit 9007199254740988kB, failcnt 0"),
              (6, "Memory cgroup stats for %s:" % unit.cgroup),
              (6, "anon %d\nfile 98304\nkernel 1720320\nkernel_stack 32768\npagetables 1130496\nsec_pagetables 0\n"
                  "percpu 480\nsock 0\nvmalloc 0\nshmem 0\nzswap 0\nzswapped 0\nfile_mapped 0\nfile_dirty 0\n"
                  "file_writeback 0\nswapcached 0\nanon_thp 0\nfile_thp 0\nshmem_thp 0\ninactive_anon %d\n"
                  "active_anon 57344\ninactive_file 57344\nactive_file 40960\nunevictable 0\nslab_reclaimable 152936\n"
                  "slab_unreclaimable 230744\nslab 383680\nworkingset_refault_anon 0\nworkingset_refault_file 3\n"
                  "workingset_activate_anon 0\nworkingset_activate_file 0\nworkingset_restore_anon 0\n"
                  "workingset_restore_file 0\nworkingset_nodereclaim 0\npgscan 1291\npgsteal 1288\npgscan_kswapd 0\n"
                  "pgscan_direct 1291\npgsteal_kswapd 0\npgsteal_direct 1288\npgfault 131877\npgmajfault 0\n"
                  "pgrefill 12\npgactivate 10\npgdeactivate 12\npglazyfree 0\npglazyfreed 0\nzswpin 0\nzswpout 0\n"
                  "thp_fault_alloc 0\nthp_collapse_alloc 0" % (anon, anon - 57344)),
              (6, "Tasks state (memory values in pages):"), (6, T.TASK_HEADER)]
    lines += task_rows(h, (victim,)) if False else [(6, T.task_row(victim.pid, victim.uid, victim.pid,
                                                                    victim.vm_pages, victim.rss_pages,
                                                                    (victim.rss_pages // 512 + 12) * 4096, 0, 0,
                                                                    victim.comm))]
    lines.append((6, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=%s,"
                     "task_memcg=%s,task=%s,pid=%d,uid=%d" % (unit.cgroup, unit.cgroup, victim.comm, victim.pid,
                                                              victim.uid)))
    h.kernel_lines(lines)
    h.kernel("Memory cgroup out of memory: Killed process %d (%s) total-vm:%dkB, anon-rss:%dkB, file-rss:%dkB, "
             "shmem-rss:0kB, UID:%d pgtables:%dkB oom_score_adj:0"
             % (victim.pid, victim.comm, victim.vm_pages * 4, victim.rss_pages * 4, 1104, victim.uid,
                victim.rss_pages // 128 + 48), 3, event="oom_kill",
             latency=60 + 3 * len(lines))
    oom_record(run, "memcg", victim, unit, unit.cgroup)
    h.exit_proc(victim)


def oom_reaper(h, victim):
    h.kernel("oom_reaper: reaped process %d (%s), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB"
             % (victim.pid, victim.comm), 6)


# -- restart loops -----------------------------------------------------------------
def crash_loop(ctx, unit, spawn, message, run_us=(25 * MS, 65 * MS), restart_us=100 * MS, stop_at=None):
    """Restart=always, RestartSec=100ms, start limits off: start, die with status 1, restart."""
    h, rng = ctx.host, ctx.rng
    while True:
        unit.invocation = h.id128()
        p = spawn()
        h.job_done(unit, "Started")
        if stop_at is not None and unit.n_restarts >= stop_at:
            ctx.flags["loop_end"] = h.sim.now
            return
        yield rng.randrange(run_us[0], run_us[1])
        h.stdout(p, message, 3)
        yield 300 + rng.randrange(2 * MS)
        h.unit_exited(unit, "exited", 1)
        yield 150 + rng.randrange(300)
        h.unit_failed(unit, "exit-code")
        yield restart_us + rng.randrange(400)
        h.unit_restart_scheduled(unit)
        yield 100 + rng.randrange(200)
        h.job_done(unit, "Stopped", job_type="restart")
        yield 200 + rng.randrange(600)


def polyscan_spawner(h, unit):
    def spawn():
        return h.spawn_proc("polyscan", "/usr/local/bin/polyscan",
                            "/usr/local/bin/polyscan --config /etc/polyscan/polyscan.toml", unit, uid=997, gid=997)
    return spawn


POLYSCAN_MSG = ("polyscan: fatal: cannot open index /var/lib/polyscan/index.db: database disk image is malformed "
                "(sqlite code 11)")

POLYSCAN_UNIT = """[Unit]
Description=Polyscan worker
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
Type=simple
User=polyscan
Group=polyscan
ExecStart=/usr/local/bin/polyscan --config /etc/polyscan/polyscan.toml
Restart=always
RestartSec=100ms

[Install]
WantedBy=multi-user.target
"""

VIDEO_UNIT = """[Unit]
Description=Video transcoding pipeline
After=network-online.target

[Service]
Type=simple
User=media
Group=media
WorkingDirectory=/srv/media
ExecStart=/usr/bin/python3 /opt/video-pipeline/pipeline.py --workers 2 --encoder ffmpeg
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
"""


# -- 1. reference-incident ------------------------------------------------------------
def reference(run, bench_entries=None, bench_boots=1):
    h, sim, rng = run.host, run.sim, run.rng
    bench = bench_entries is not None
    run.unit_files["polyscan.service"] = POLYSCAN_UNIT
    run.unit_files["video-pipeline.service"] = VIDEO_UNIT
    poly = h.unit("polyscan.service")
    video = h.unit("video-pipeline.service")
    run.units_of_interest = ["polyscan.service", "video-pipeline.service"]
    # The primary cause (issue 11): video-pipeline's memory ran out; kswapd stuck in reclaim
    # (the soft lockup) and softlockup_panic=1 turned that into the panic. polyscan's crash loop
    # went on all the while, but nothing measured links it to the memory: unrelated.
    run.root_cause = {"kind": "memory-exhaustion", "subject": "video-pipeline.service"}
    run.unrelated = [{"kind": "crash-loop", "subject": "polyscan.service"}]
    run.chain = ["lockup", "kernel-panic"]
    state = {}

    def start_video(ctx):
        video.invocation = h.id128()
        h.job_start(video)
        py = h.spawn_proc("python3", "/usr/bin/python3.11",
                          "/usr/bin/python3 /opt/video-pipeline/pipeline.py --workers 2 --encoder ffmpeg", video,
                          uid=1000, gid=1000, keep=True)
        py.rss_pages, py.vm_pages = 60000, 180000
        h.job_done(video, "Started")
        state["py"] = py
        yield 20 * MS

    def start_poly(ctx):
        poly.invocation = h.id128()
        h.job_start(poly)
        polyscan_spawner(h, poly)()
        h.job_done(poly, "Started")
        yield 5 * MS

    boot = h.new_boot(run.t_base)
    run.analysed = boot
    ctx = A.Ctx(h, rng, extra_cmdline=" softlockup_panic=1", services=[start_video, start_poly])
    # ~13 h of crash loop before the oldest file still on disk: 317,245 restarts at ~0.146 s.
    if bench:
        window = run.t_base + 45 * SEC
        first_restart = 0
        h.rotate_every = 45000
        h.max_entries = bench_entries
    else:
        window = run.t_base + 46318 * SEC + rng.randrange(0, 1000) * SEC
        first_restart = 317245
        h.vacuum_before = window
        h.rotate_every = 5200
    run.writer.open(run.lineage(first_seqnum=1 if bench else 2_800_000 + rng.randrange(400_000)))
    sim.now = boot.rt0
    sim.spawn(A.boot_sequence(ctx))
    sim.run(boot.rt0 + 40 * SEC)
    # Fast-forward to the window: the daemons kept running, the PIDs kept advancing.
    sim.clear()
    sim.now = window - 2 * SEC
    if not bench:
        h.vacuum_before = sim.now
        h.pids.last = 452000 + rng.randrange(20000)
    poly.n_restarts = first_restart
    py = state["py"]
    # ffmpeg started some thousand PIDs before the window; the bench starts near boot, where
    # that would be below the first PIDs: it then simply gets the next one.
    ff_pid = h.pids.last - 3000 - rng.randrange(2000)
    ff = h.spawn_proc("ffmpeg", "/usr/bin/ffmpeg", "ffmpeg -hide_banner -loglevel error -i pipe:0 -c:v libx264 "
                      "-preset veryfast -f segment -segment_time 10 /srv/media/out/seg%05d.ts", video, uid=1000,
                      gid=1000, keep=True, pid=ff_pid if ff_pid > 300 else None)
    ff.rss_pages, ff.vm_pages = 1_500_000, 2_400_000
    py.rss_pages = 900_000
    run.start_counting_forks()
    A.start_noise(ctx, sim)
    cycle_s = 0.146
    n_loop = (bench_entries // 6) if bench else 3000
    stop_at = first_restart + n_loop
    sim.spawn(crash_loop(ctx, poly, polyscan_spawner(h, poly), POLYSCAN_MSG, stop_at=stop_at), 0)
    duration = int(n_loop * cycle_s * SEC)
    sim.spawn(video_pipeline(run, ctx, video, state, window, duration), 100 * MS)
    if bench:
        # With several boots, each but the last is cut off (power lost) once it holds its share of
        # the entries; the next starts 40 s later and loops the same way.
        for i in range(bench_boots):
            if i > 0:
                boot.end = "unclean"
                sim.clear()
                boot = h.new_boot(sim.now + 40 * SEC)
                run.analysed = boot
                ctx = A.Ctx(h, rng, extra_cmdline=" softlockup_panic=1", services=[start_video, start_poly],
                            prev_unclean=True)
                sim.now = boot.rt0
                sim.spawn(A.boot_sequence(ctx))
                sim.run(boot.rt0 + 40 * SEC)
                A.start_noise(ctx, sim)
                sim.spawn(crash_loop(ctx, poly, polyscan_spawner(h, poly), POLYSCAN_MSG,
                                     stop_at=poly.n_restarts + n_loop), 0)
            target = bench_entries * (i + 1) // bench_boots
            while h.writer.total < target and sim.heap:
                sim.run(sim.now + 20 * SEC)
        run.stop_counting_forks()
        run.writer.close("online", "system.journal")
        boot.end = "ongoing"
        return
    while "loop_end" not in ctx.flags:
        sim.run(sim.now + 5 * SEC)
    sim.spawn(reference_freeze(run, ctx), 0)
    sim.run(sim.now + 60 * SEC)
    run.stop_counting_forks()
    boot.end = "unclean"
    f = run.writer.close("torn", ".torn.journal")
    next_boot(run, ctx.flags["panic_rt"] + 38 * SEC, f, pstore=True)


def video_pipeline(run, ctx, video, state, window, duration):
    """python3 feeds ffmpeg; memory climbs; two global OOM kills, restarts in between."""
    h, rng = run.host, run.rng
    t_oom1 = window + int(duration * 0.68)
    t_oom2 = window + int(duration * 0.91)
    seg = 48000 + rng.randrange(1000)
    steps = max(1, (t_oom1 - h.sim.now) // (10 * SEC))
    py_step = (3_150_000 - state["py"].rss_pages) // steps
    while h.sim.now < t_oom1:
        py = state["py"]
        seg += 1
        py.rss_pages += py_step
        ff = next((p for p in h.procs.values() if p.comm == "ffmpeg"), None)
        if ff:
            ff.rss_pages = min(2_220_000, ff.rss_pages + 24000)
        h.stdout(py, "pipeline: segment %d encoded, queue depth %d, rss %.1f GiB" %
                 (seg, 40 + seg % 17, py.rss_pages * 4096 / 2 ** 30))
        yield min(10 * SEC + rng.randrange(-300 * MS, 300 * MS), max(1, t_oom1 - h.sim.now))
    if h.max_entries is not None and h.writer.total >= h.max_entries:
        return
    # OOM #1: ffmpeg, the biggest; OOMPolicy=stop ends the unit with result 'oom-kill'.
    py = state["py"]
    ff = next(p for p in h.procs.values() if p.comm == "ffmpeg")
    ff.rss_pages, ff.vm_pages = 2_220_000, 2_470_000
    py.rss_pages = 3_150_000
    global_oom(run, py, ff, video, cpu=1)
    yield 2 * MS
    h.unit_oom(video)
    yield 40 * MS
    oom_reaper(h, ff)
    yield 60 * MS
    h.journal(py, PIPELINE_TRACEBACK % (ff.pid, seg), 3, ident="video-pipeline",
              code=("/opt/video-pipeline/pipeline.py", 412, "supervise"),
              extra="SEGMENT=%d\nENCODER_PID=%d\n" % (seg, ff.pid))
    h.stdout(py, "pipeline: encoder exited with -9, shutting down", 4)
    h.exit_proc(py)
    yield 90 * MS
    h.unit_failed(video, "oom-kill")
    yield 5 * SEC
    h.unit_restart_scheduled(video)
    h.job_done(video, "Stopped", job_type="restart")
    video.invocation = h.id128()
    py = h.spawn_proc("python3", "/usr/bin/python3.11",
                      "/usr/bin/python3 /opt/video-pipeline/pipeline.py --workers 2 --encoder ffmpeg", video,
                      uid=1000, gid=1000, keep=True)
    py.rss_pages, py.vm_pages = 80_000, 200_000
    state["py"] = py
    h.job_done(video, "Started")
    yield 300 * MS
    ff = h.spawn_proc("ffmpeg", "/usr/bin/ffmpeg", "ffmpeg", video, uid=1000, gid=1000, keep=True)
    ff.rss_pages, ff.vm_pages = 300_000, 900_000
    h.stdout(py, "pipeline: resuming from segment %d, backlog 3124 segments" % seg)
    while h.sim.now < t_oom2:
        py.rss_pages += 160_000
        h.stdout(py, "pipeline: backlog replay, rss %.1f GiB" % (py.rss_pages * 4096 / 2 ** 30))
        yield min(5 * SEC, max(1, t_oom2 - h.sim.now))
    # OOM #2: python3 itself, now the biggest: the main process dies by SIGKILL.
    py.rss_pages, py.vm_pages = 4_410_000, 4_600_000
    global_oom(run, ff, py, video, cpu=0)
    yield 3 * MS
    h.unit_oom(video)
    h.unit_exited(video, "killed", 9)
    yield 30 * MS
    oom_reaper(h, py)
    h.unit_failed(video, "oom-kill")
    h.exit_proc(ff)
    yield 5 * SEC
    h.unit_restart_scheduled(video)
    h.job_done(video, "Stopped", job_type="restart")
    video.invocation = h.id128()
    py = h.spawn_proc("python3", "/usr/bin/python3.11", "/usr/bin/python3 /opt/video-pipeline/pipeline.py", video,
                      uid=1000, gid=1000, keep=True)
    py.rss_pages = 90_000
    h.job_done(video, "Started")


PIPELINE_TRACEBACK = """pipeline: encoder process %d died (signal 9), segment %d lost
Traceback (most recent call last):
  File "/opt/video-pipeline/pipeline.py", line 398, in supervise
    chunk = await self.encoder.stdout.readexactly(SEGMENT_BYTES)
            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/usr/lib/python3.11/asyncio/streams.py", line 750, in readexactly
    raise exceptions.IncompleteReadError(incomplete, n)
asyncio.exceptions.IncompleteReadError: 1048576 bytes read on a total of 4194304 expected bytes

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/opt/video-pipeline/pipeline.py", line 412, in supervise
    raise EncoderDied(self.encoder.returncode) from exc
pipeline.errors.EncoderDied: encoder exited with -9 (SIGKILL)"""


def reference_freeze(run, ctx):
    """After the last restart the box stalls: hung tasks, a soft lockup, softlockup_panic."""
    h, rng = run.host, run.rng
    yield 500 * MS
    run.tear_rt = h.sim.now           # journald's last sync: what follows is lost in the tear
    yield 1500 * MS + rng.randrange(300 * MS)
    h.kernel_lines(T.hung_task("jbd2/sda1-8", 312, 2, T.TRACE_JBD2), event="hung_task")
    yield 2 * MS
    h.journal_on = False              # journald itself is stuck now
    ctx.flags["frozen"] = True
    h.kernel_lines(T.hung_task("systemd-journal", h.journald.pid, 1, T.TRACE_JOURNAL_WAIT), event="hung_task")
    yield 3 * MS
    h.kernel_lines(T.hung_task("kworker/u4:2", 48213, 2, T.TRACE_JBD2[:6] + ["wb_workfn+0x2a1/0x4b0",
                                                                              "process_one_work+0x1c7/0x380",
                                                                              "worker_thread+0x4d/0x380",
                                                                              "kthread+0xd7/0x100",
                                                                              "ret_from_fork+0x1f/0x30"]),
                   event="hung_task")
    yield 21 * SEC + rng.randrange(2 * SEC)
    h.kernel_lines(T.soft_lockup(0, 23, "kswapd0", 89, "shrink_lruvec+0x3f2/0x5c0"), event="soft_lockup")
    yield 4 * MS
    h.klog_on = False                 # rsyslog's last page never reached the disk
    h.kernel_lines(T.panic_lines("softlockup: hung tasks", 0, 89, "kswapd0"), event="panic")
    run.pstore = (h.boot, "Panic", h.sim.now)
    ctx.flags["panic_rt"] = h.sim.now


def next_boot(run, rt0, torn_file, pstore=False, clean=False, length=75 * SEC, services=(), actors=(),
              wall_rt0=None):
    """The short boot after the incident. After an unclean end journald finds the ONLINE
    system.journal, renames it to system@….journal~ and starts a new file. `wall_rt0`: the
    made-up wall clock of a board without an RTC at power-on; `actors`: (delay, generator fn)."""
    h, sim, rng = run.host, run.sim, run.rng
    sim.clear()
    h.journal_on = True
    h.klog_on = True
    h.vacuum_before = None
    h.rotate_every = None
    h.clock_skew = 0 if wall_rt0 is None else wall_rt0 - rt0
    b = h.new_boot(rt0)
    ctx = A.Ctx(h, rng, prev_unclean=not clean, pstore=pstore, services=services,
                root_dev=run.notes_root if hasattr(run, "notes_root") else "sda1",
                data_dev=getattr(run, "data_dev", None))
    if not clean:
        run.writer.open(run.lineage(1))
    sim.now = rt0
    sim.spawn(A.boot_sequence(ctx))
    sim.spawn(_noise_later(ctx, sim), 30 * SEC)
    for delay, fn in actors:
        sim.spawn(fn(ctx), delay)
    sim.run(rt0 + length)
    b.end = "ongoing"
    run.writer.close("online", "system.journal")
    if torn_file is not None:
        when = ctx.flags.get("renamed_at", rt0 + 2 * SEC)
        run.torn = (torn_file, run.tear_rt, "system@%016x-%016x.journal~" % (when, rng.getrandbits(64)))


def _noise_later(ctx, sim):
    A.start_noise(ctx, sim)
    return
    yield


# -- 2. memcg-oom-loop ----------------------------------------------------------------------
WORKER_UNIT = """[Unit]
Description=Batch worker
After=network-online.target

[Service]
Type=simple
User=worker
Group=worker
ExecStart=/opt/worker/bin/worker --shards /srv/data/shards
MemoryMax=512M
Restart=on-failure
RestartSec=1

[Install]
WantedBy=multi-user.target
"""


def memcg_loop(run, ctx, unit):
    h, rng = run.host, run.rng
    starts = []
    shard = 17
    while True:
        now = h.sim.now
        starts = [s for s in starts if now - s < 10 * SEC]
        if len(starts) >= 5:           # StartLimitBurst=5 in StartLimitIntervalSec=10s (defaults)
            h.unit_start_limit(unit)
            h.unit_failed(unit, "start-limit-hit")
            h.job_done(unit, "Failed to start", result="failed")
            ctx.flags["worker_dead"] = h.sim.now
            return
        starts.append(now)
        unit.invocation = h.id128()
        p = h.spawn_proc("worker", "/opt/worker/bin/worker", "/opt/worker/bin/worker --shards /srv/data/shards",
                         unit, uid=998, gid=998)
        h.job_done(unit, "Started")
        yield 40 * MS + rng.randrange(20 * MS)
        h.stdout(p, "worker: loading shard %d (1.9 GiB) from /srv/data/shards" % shard)
        yield 650 * MS + rng.randrange(150 * MS)
        p.rss_pages, p.vm_pages = 129_600 + rng.randrange(300), 161_234 + rng.randrange(900)
        memcg_oom(run, p, unit, 524288)
        yield 2 * MS + rng.randrange(3 * MS)
        h.unit_oom(unit)
        h.unit_exited(unit, "killed", 9)
        yield 20 * MS
        oom_reaper(h, p)
        h.unit_failed(unit, "oom-kill")
        yield 1 * SEC + rng.randrange(300)
        h.unit_restart_scheduled(unit)
        yield 200
        h.job_done(unit, "Stopped", job_type="restart")
        yield 300 + rng.randrange(500)


def memcg(run):
    h, sim, rng = run.host, run.sim, run.rng
    run.unit_files["worker.service"] = WORKER_UNIT
    unit = h.unit("worker.service")
    run.units_of_interest = ["worker.service"]
    run.root_cause = {"kind": "memcg-oom", "subject": "worker.service"}
    run.chain = ["crash-loop"]
    boot = h.new_boot(run.t_base)
    run.analysed = boot
    ctx = A.Ctx(h, rng)
    h.rotate_every = 420
    run.writer.open(run.lineage(1_000_000 + rng.randrange(100_000)))
    sim.now = boot.rt0
    run.start_counting_forks()
    sim.spawn(A.boot_sequence(ctx))
    sim.spawn(_noise_later(ctx, sim), 15 * SEC)

    def admin():
        yield 70 * SEC
        sess = A.admin_session(ctx, commands=())
        yield from sess
        s = h.spawn_proc("sudo", "/usr/bin/sudo", "sudo systemctl start worker.service", ctx.flags["session_unit"],
                         uid=1000, gid=1000)
        h.syslog(s, "    deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl start "
                    "worker.service", 5, 10, ident="sudo")
        yield 30 * MS
        sim.spawn(memcg_loop(run, ctx, unit), 0)
        while "worker_dead" not in ctx.flags:
            yield 1 * SEC
        yield 25 * SEC
        s = h.spawn_proc("sudo", "/usr/bin/sudo", "sudo reboot", ctx.flags["session_unit"], uid=1000, gid=1000)
        h.syslog(s, "    deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/sbin/reboot", 5, 10,
                 ident="sudo")
        yield 100 * MS
        sim.spawn(A.shutdown(ctx), 0)
    sim.spawn(admin(), 0)
    while not ctx.flags.get("frozen"):
        sim.run(sim.now + 5 * SEC)
    run.stop_counting_forks()
    boot.end = "clean"
    next_boot(run, sim.now + 25 * SEC, None, clean=True, length=60 * SEC)


# -- 3. fork-bomb --------------------------------------------------------------------------
FORKER_UNIT = """[Unit]
Description=Job fan-out dispatcher
After=network-online.target

[Service]
Type=simple
User=jobs
Group=jobs
ExecStart=/usr/local/bin/forker --fanout 64 --respawn
TasksMax=4096

[Install]
WantedBy=multi-user.target
"""


def forker_actor(run, ctx, unit, main, t_lockup, log_every=5):
    h, rng = run.host, run.rng
    t0 = h.sim.now
    acc = 0.0
    step = 10 * MS
    i = 0
    rejected = False
    job = 1000
    while h.sim.now < t_lockup:
        el = (h.sim.now - t0) / SEC
        rate = min(3600.0, 300.0 + el * 140.0) * (0.93 + 0.14 * rng.random())
        if rejected:
            rate *= 0.86
        acc += rate * step / SEC
        n = int(acc)
        acc -= n
        if i % log_every == 0 and n > 0 and h.journal_on:
            child = h.spawn_proc("forker-job", "/usr/local/bin/forker-job", "/usr/local/bin/forker-job --id %d" % job,
                                 unit, uid=1001, gid=1001, ident="forker-job")
            job += 1 + n * 5
            h.syslog(child, "job %d finished in %.1fms (%d siblings)" % (job, 0.2 + rng.random(), 64), 6, 1)
            n -= 1
        h.pids.fork_many(n, h.sim.now)
        if not rejected and el > 38:
            h.kernel("cgroup: fork rejected by pids controller in %s" % unit.cgroup, 6, event="fork_rejected")
            rejected = True
        if rejected and i % 40 == 0:
            h.stdout(main, "forker: fork: Resource temporarily unavailable (retrying)", 3)
        i += 1
        yield step


def fork_bomb(run, log_every=5):
    """`log_every`: one logged job per that many 10 ms steps. The sparse variant logs so few
    that PIDs wrap (pid_max 32768) between the entries the journal keeps."""
    h, sim, rng = run.host, run.sim, run.rng
    run.unit_files["forker.service"] = FORKER_UNIT
    run.extra_files["etc/sysctl.d/90-pid-max.conf"] = "# small boxes: keep PIDs short\nkernel.pid_max = 32768\n"
    unit = h.unit("forker.service")
    run.units_of_interest = ["forker.service"]
    run.root_cause = {"kind": "fork-bomb", "subject": "forker.service"}
    run.chain = ["lockup", "kernel-panic"]
    boot = h.new_boot(run.t_base)
    run.analysed = boot
    ctx = A.Ctx(h, rng, extra_cmdline=" softlockup_panic=1")
    h.rotate_every = 1400
    run.writer.open(run.lineage(400_000 + rng.randrange(100_000)))
    sim.now = boot.rt0
    run.start_counting_forks()
    sim.spawn(A.boot_sequence(ctx))
    sim.spawn(_noise_later(ctx, sim), 15 * SEC)
    t_start = boot.rt0 + 75 * SEC
    t_lockup = t_start + 170 * SEC

    def dispatcher():
        yield t_start - h.sim.now
        unit.invocation = h.id128()
        h.job_start(unit)
        main = h.spawn_proc("forker", "/usr/local/bin/forker", "/usr/local/bin/forker --fanout 64 --respawn", unit,
                            uid=1001, gid=1001, keep=True)
        main.rss_pages = 2000
        h.job_done(unit, "Started")
        h.stdout(main, "forker: dispatcher up, fanout 64, respawn on")
        sim.spawn(forker_actor(run, ctx, unit, main, t_lockup, log_every), 5 * MS)
        yield t_lockup - 21 * SEC - 1500 * MS - h.sim.now
        run.tear_rt = h.sim.now
        yield 1500 * MS
        h.journal_on = False          # journald starves: no more writes reach the file
        h.klog_on = False
        ctx.flags["frozen"] = True
        yield t_lockup - h.sim.now
        h.kernel_lines(T.soft_lockup(1, 22, "forker", main.pid, "queued_write_lock_slowpath+0x5e/0x90"),
                       event="soft_lockup")
        yield 3 * MS
        h.kernel_lines(T.panic_lines("softlockup: hung tasks", 1, main.pid, "forker"), event="panic")
        run.pstore = (h.boot, "Panic", h.sim.now)
        ctx.flags["panic_rt"] = h.sim.now
    sim.spawn(dispatcher(), 0)
    while "panic_rt" not in ctx.flags:
        sim.run(sim.now + 5 * SEC)
    sim.run(sim.now + 20 * MS)
    run.stop_counting_forks()
    boot.end = "unclean"
    f = run.writer.close("torn", ".torn.journal")
    next_boot(run, ctx.flags["panic_rt"] + 41 * SEC, f, pstore=True)


# -- 4. storage-io ----------------------------------------------------------------------------
def ata_error(h, rng, sector, write=True):
    tag = rng.randrange(32)
    cmd = "61" if write else "60"
    name = "WRITE FPDMA QUEUED" if write else "READ FPDMA QUEUED"
    lba = "%02x:%02x:%02x" % (sector & 0xff, (sector >> 8) & 0xff, (sector >> 16) & 0xff)
    h.kernel_lines([
        (3, "ata1.00: exception Emask 0x0 SAct 0x%x SErr 0x0 action 0x0" % (1 << tag)),
        (3, "ata1.00: irq_stat 0x40000008"),
        (3, "ata1.00: failed command: %s" % name),
        (3, "ata1.00: cmd %s/08:%02x:%s/00:00:00:00:00/40 tag %d ncq dma 4096 %s"
            % (cmd, tag * 8, lba, tag, "out" if write else "in")),
        (3, "         res 41/40:00:%s/00:00:00:00:00/40 Emask 0x409 (media error) <F>" % lba),
        (3, "ata1.00: status: { DRDY ERR }"),
        (3, "ata1.00: error: { UNC }"),
        (6, "ata1.00: configured for UDMA/133"),
        (6, "sd 0:0:0:0: [sda] tag#%d FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK cmd_age=%ds"
            % (tag, rng.randrange(1, 4))),
        (6, "sd 0:0:0:0: [sda] tag#%d Sense Key : Medium Error [current]" % tag),
        (6, "sd 0:0:0:0: [sda] tag#%d Add. Sense: %s" % (tag, "Write error - auto reallocation failed" if write
                                                         else "Unrecovered read error - auto reallocate failed")),
        (6, "sd 0:0:0:0: [sda] tag#%d CDB: %s 00 %02x %02x %02x %02x 00 00 08 00"
            % (tag, "Write(10) 2a" if write else "Read(10) 28", (sector >> 24) & 0xff, (sector >> 16) & 0xff,
               (sector >> 8) & 0xff, sector & 0xff)),
        (3, "I/O error, dev sda, sector %d op 0x%d:(%s) flags 0x%s phys_seg 1 prio class 2"
            % (sector, 1 if write else 0, "WRITE" if write else "READ", "800" if write else "80700"), "io_error"),
        (6, "ata1: EH complete"),
    ], event=None)


def storage_io(run, extra=()):
    """`extra`: (delay, actor(run, ctx)) pairs spawned beside the incident."""
    h, sim, rng = run.host, run.sim, run.rng
    run.notes_root = "nvme0n1p2"
    run.data_dev = "sda1"
    run.units_of_interest = ["postgresql@15-main.service"]
    run.root_cause = {"kind": "storage-io", "subject": "sda"}
    boot = h.new_boot(run.t_base)
    run.analysed = boot
    pg_unit = h.unit("postgresql@15-main.service", slice_="system-postgresql.slice")
    procs = {}

    def start_pg(ctx):
        pg_unit.invocation = h.id128()
        h.job_start(pg_unit)
        pm = h.spawn_proc("postgres", "/usr/lib/postgresql/15/bin/postgres",
                          "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main -c "
                          "config_file=/etc/postgresql/15/main/postgresql.conf", pg_unit, uid=105, gid=111, keep=True)
        pm.rss_pages = 7000
        procs["pm"] = pm
        for role in ("checkpointer", "background writer", "walwriter", "autovacuum launcher",
                     "logical replication launcher"):
            p = h.spawn_proc("postgres", "/usr/lib/postgresql/15/bin/postgres", "postgres: 15/main: " + role,
                             pg_unit, uid=105, gid=111, keep=True)
            p.rss_pages = 3000
            procs[role] = p
        yield 400 * MS
        h.stdout(pm, "%s UTC [%d] LOG:  starting PostgreSQL 15.6 (Debian 15.6-0+deb12u1) on x86_64-pc-linux-gnu, "
                     "compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit" % (_pgts(h), pm.pid))
        h.stdout(pm, "%s UTC [%d] LOG:  listening on IPv4 address \"127.0.0.1\", port 5432" % (_pgts(h), pm.pid))
        h.stdout(pm, "%s UTC [%d] LOG:  database system is ready to accept connections" % (_pgts(h), pm.pid))
        h.job_done(pg_unit, "Started")

    ctx = A.Ctx(h, rng, root_dev="nvme0n1p2", data_dev="sda1", services=[start_pg])
    h.rotate_every = 170
    run.writer.open(run.lineage(700_000 + rng.randrange(100_000)))
    sim.now = boot.rt0
    run.start_counting_forks()
    sim.spawn(A.boot_sequence(ctx))
    sim.spawn(_noise_later(ctx, sim), 15 * SEC)
    jbd2_pid = 0
    t0 = boot.rt0 + 150 * SEC

    def clients():
        """An app's short connections: each a forked backend."""
        while not ctx.flags.get("io_dead"):
            pm = procs.get("pm")
            if pm:
                h.pids.fork(h.sim.now)
            yield rng.randrange(300 * MS, 2 * SEC)

    def checkpoints():
        yield 40 * SEC
        while not ctx.flags.get("io_dead"):
            cp = procs["checkpointer"]
            h.stdout(procs["pm"], "%s UTC [%d] LOG:  checkpoint starting: time" % (_pgts(h), cp.pid))
            yield 2 * SEC + rng.randrange(SEC)
            h.stdout(procs["pm"], "%s UTC [%d] LOG:  checkpoint complete: wrote %d buffers (%.1f%%); 0 WAL file(s) "
                                  "added, 0 removed, 1 recycled; write=%.3f s, sync=0.004 s, total=%.3f s"
                     % (_pgts(h), cp.pid, 400 + rng.randrange(900), rng.random() * 5, 1.5 + rng.random(),
                        2.0 + rng.random()))
            yield 60 * SEC

    def incident():
        yield t0 - h.sim.now
        sector = 2048000 + rng.randrange(100000)
        for _ in range(3):
            ata_error(h, rng, sector + rng.randrange(64) * 8)
            h.kernel("Buffer I/O error on dev sda1, logical block %d, lost async page write" % ((sector - 2048) // 8),
                     3)
            yield 9 * SEC + rng.randrange(4 * SEC)
        h.kernel("EXT4-fs warning (device sda1): ext4_end_bio:343: I/O error 10 writing to inode 1835017 starting "
                 "block %d)" % ((sector - 2048) // 8 + 1), 4)
        ata_error(h, rng, sector + 4096)
        h.kernel("JBD2: Detected IO errors while flushing file data on sda1-8", 3)
        yield 300 * MS
        h.kernel("Aborting journal on device sda1-8.", 3)
        yield 2 * MS
        h.kernel("EXT4-fs error (device sda1): ext4_journal_check_start:83: comm postgres: Detected aborted journal",
                 2, event="fs_error")
        yield 1 * MS
        h.kernel("EXT4-fs (sda1): Remounting filesystem read-only", 2)
        wal = procs["walwriter"]
        yield 15 * MS
        h.stdout(procs["pm"], "%s UTC [%d] PANIC:  could not fdatasync file \"000000010000000000000012\": "
                              "Input/output error" % (_pgts(h), wal.pid), 3)
        yield 40 * MS
        h.stdout(procs["pm"], "%s UTC [%d] LOG:  WAL writer process (PID %d) was terminated by signal 6: Aborted"
                 % (_pgts(h), procs["pm"].pid, wal.pid))
        h.stdout(procs["pm"], "%s UTC [%d] LOG:  terminating any other active server processes"
                 % (_pgts(h), procs["pm"].pid))
        yield 1 * SEC
        h.stdout(procs["pm"], "%s UTC [%d] LOG:  all server processes terminated; reinitializing"
                 % (_pgts(h), procs["pm"].pid))
        h.kernel("EXT4-fs error (device sda1): ext4_find_entry:1659: inode #2: comm postgres: reading directory "
                 "lblock 0", 2, event="fs_error")
        ata_error(h, rng, 2048 + 4096, write=False)
        ctx.flags["io_dead"] = True
        for _ in range(3):
            yield 20 * SEC + rng.randrange(8 * SEC)
            ata_error(h, rng, sector + 8192 + rng.randrange(500) * 8, write=False)
            h.kernel("EXT4-fs error (device sda1): __ext4_find_entry:1700: inode #1835009: comm postgres: reading "
                     "directory lblock 0", 2, event="fs_error")
        yield t0 + 124 * SEC - h.sim.now
        h.kernel_lines(T.hung_task("jbd2/sda1-8", jbd2_pid, 2, T.TRACE_JBD2), event="hung_task")
        h.kernel_lines(T.hung_task("postgres", procs["pm"].pid, 1, T.TRACE_FSYNC, flags="0x00000002"),
                       event="hung_task")
        yield 120 * SEC
        h.kernel_lines(T.hung_task("jbd2/sda1-8", jbd2_pid, 2, T.TRACE_JBD2, secs=241), event="hung_task")
        yield 2 * MS
        h.kernel_lines(T.hung_task("postgres", procs["pm"].pid, 1, T.TRACE_FSYNC, flags="0x00000002", secs=241),
                       event="hung_task")
        yield 7 * SEC
        ctx.flags["reset"] = h.sim.now      # the operator power-cycles the box
        ctx.flags["frozen"] = True
        h.journal_on = False
        h.klog_on = False

    def tear_mark():
        yield t0 + 244 * SEC - 1500 * MS - h.sim.now
        run.tear_rt = h.sim.now
    # the jbd2 thread of sda1 is a kernel thread forked at mount time
    jbd2_pid = 398 + rng.randrange(40)
    sim.spawn(clients(), 20 * SEC)
    sim.spawn(checkpoints(), 10 * SEC)
    sim.spawn(incident(), 0)
    sim.spawn(tear_mark(), 0)
    for delay, actor in extra:
        sim.spawn(actor(run, ctx), delay)
    while "reset" not in ctx.flags:
        sim.run(sim.now + 5 * SEC)
    run.stop_counting_forks()
    boot.end = "unclean"
    f = run.writer.close("torn", ".torn.journal")
    next_boot(run, ctx.flags["reset"] + 52 * SEC, f)


def _pgts(h):
    d = datetime.datetime.fromtimestamp(h.sim.now / US, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (h.sim.now // 1000 % 1000)


# -- 5. healthy-reboot --------------------------------------------------------------------------
BACKUP_UNIT = """[Unit]
Description=Backup agent
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=/usr/local/bin/backup-agent --config /etc/backup-agent.yaml
Restart=on-failure
RestartSec=30

[Install]
WantedBy=multi-user.target
"""


BACKUP_ERROR = ('{"snapshot":%d,"started":%d,"target":"https://backup.example.net/v2/web04/","attempts":['
                '{"n":1,"error":"dial tcp 192.0.2.200:443: i/o timeout","after_ms":30000},'
                '{"n":2,"error":"dial tcp 192.0.2.200:443: i/o timeout","after_ms":30000},'
                '{"n":3,"error":"dial tcp 192.0.2.200:443: i/o timeout","after_ms":30000},'
                '{"n":4,"error":"dial tcp 192.0.2.201:443: connect: no route to host","after_ms":3},'
                '{"n":5,"error":"dial tcp 192.0.2.200:443: i/o timeout","after_ms":30000}],'
                '"bytes_pending":1288490188,"chunks_pending":307,"policy":"retry=5,backoff=linear"}')


def healthy(run):
    h, sim, rng = run.host, run.sim, run.rng
    run.unit_files["backup-agent.service"] = BACKUP_UNIT
    unit = h.unit("backup-agent.service")
    run.units_of_interest = ["backup-agent.service"]
    run.root_cause = None
    state = {}

    def spawn_agent():
        unit.invocation = h.id128()
        p = h.spawn_proc("backup-agent", "/usr/local/bin/backup-agent",
                         "/usr/local/bin/backup-agent --config /etc/backup-agent.yaml", unit, keep=True)
        p.rss_pages = 12000
        state["p"] = p
        return p

    def start_agent(ctx):
        h.job_start(unit)
        spawn_agent()
        h.job_done(unit, "Started")
        yield 5 * MS

    boot = h.new_boot(run.t_base)
    run.analysed = boot
    ctx = A.Ctx(h, rng, services=[start_agent])
    ctx.flags["extra_units"] = ["backup-agent.service"]
    h.rotate_every = 700
    run.writer.open(run.lineage(120_000 + rng.randrange(10_000)))
    sim.now = boot.rt0
    run.start_counting_forks()
    sim.spawn(A.boot_sequence(ctx))
    sim.spawn(_noise_later(ctx, sim), 15 * SEC)

    def agent():
        yield 60 * SEC
        fails = [boot.rt0 + 21 * 60 * SEC + rng.randrange(60 * SEC), boot.rt0 + 81 * 60 * SEC + rng.randrange(60 * SEC)]
        snap = 0
        while fails:
            nxt = min(fails[0], h.sim.now + 15 * 60 * SEC)
            yield nxt - h.sim.now
            p = state["p"]
            if h.sim.now >= fails[0]:
                fails.pop(0)
                h.stdout(p, "backup-agent: upload of snapshot %d failed: dial tcp 192.0.2.200:443: i/o timeout" % snap,
                         3)
                yield 4 * MS
                h.journal(p, "backup-agent: upload failed: " + BACKUP_ERROR % (snap, h.sim.now // US), 3,
                          code=("agent/upload.go", 211, "main.(*Uploader).Run"),
                          extra="SNAPSHOT=%d\nATTEMPTS=5\n" % snap)
                h.stdout(p, "backup-agent: giving up after 5 attempts", 3)
                h.exit_proc(p)
                h.unit_exited(unit, "exited", 1)
                h.unit_failed(unit, "exit-code")
                yield 30 * SEC
                h.unit_restart_scheduled(unit)
                h.job_done(unit, "Stopped", job_type="restart")
                spawn_agent()
                h.job_done(unit, "Started")
            else:
                snap += 1
                h.stdout(p, "backup-agent: snapshot %d uploaded (%.1f GiB in %ds)" % (snap, 1 + rng.random(),
                                                                                    30 + rng.randrange(30)))
                h.pids.fork_many(3, h.sim.now)

    def admin():
        yield 94 * 60 * SEC
        sess = A.admin_session(ctx, commands=("/usr/bin/apt-get -y upgrade", "/usr/sbin/reboot"))
        yield from sess
        sim.spawn(A.shutdown(ctx), 0)
    sim.spawn(agent(), 0)
    sim.spawn(admin(), 0)
    while not ctx.flags.get("frozen"):
        sim.run(sim.now + 30 * SEC)
    run.stop_counting_forks()
    boot.end = "clean"
    next_boot(run, sim.now + 28 * SEC, None, clean=True, length=120 * SEC, services=[start_agent])


# -- 6. how boots end: traps of real machines ---------------------------------------------------
def _boot(run, rt0, length, initrd=False, actors=(), wall_rt0=None, prev_unclean=False, first=False):
    """One ordinary boot of `length` µs (boot sequence, noise, extra actors), left running."""
    h, sim, rng = run.host, run.sim, run.rng
    sim.clear()
    h.journal_on = True
    h.klog_on = True
    h.clock_skew = 0 if wall_rt0 is None else wall_rt0 - rt0
    b = h.new_boot(rt0)
    ctx = A.Ctx(h, rng, initrd=initrd, prev_unclean=prev_unclean)
    if first:
        run.analysed = b
    sim.now = rt0
    sim.spawn(A.boot_sequence(ctx))
    sim.spawn(_noise_later(ctx, sim), 15 * SEC)
    for delay, fn in actors:
        sim.spawn(fn(ctx), delay)
    sim.run(rt0 + length)
    return b, ctx


def _power_cut(run, ctx):
    """The power goes: nothing more reaches the disk; the last second of the journal is torn."""
    h = run.host
    run.tear_rt = h.sim.now - 1500 * MS
    ctx.flags["frozen"] = True
    h.journal_on = False
    h.klog_on = False
    return h.sim.now


def _clean_shutdown(run, ctx):
    h, sim = run.host, run.sim
    sim.spawn(A.shutdown(ctx), 0)
    while not ctx.flags.get("frozen"):
        sim.run(sim.now + 1 * SEC)
    return sim.now


def _unclean_then_next(run, boot, ctx, **next_args):
    t = _power_cut(run, ctx)
    boot.end = "unclean"
    run.analysed = boot
    f = run.writer.close("torn", ".torn.journal")
    next_boot(run, t + 45 * SEC, f, **next_args)


def initrd_crash(run):
    """systemd in the initrd (Fedora, RHEL, openSUSE): its journald logs `Journal stopped` at
    switch-root, seconds into the boot. The boot later loses power: not a clean end."""
    run.writer.open(run.lineage(300_000 + run.rng.randrange(100_000)))
    run.host.rotate_every = 600
    b, ctx = _boot(run, run.t_base, 7 * 60 * SEC, initrd=True, first=True)
    _unclean_then_next(run, b, ctx)


def journald_restart_crash(run):
    """`systemctl restart systemd-journald` 90 s before a power cut: `Journal stopped` mid-boot,
    followed by `Journal started`, is not the end."""
    run.writer.open(run.lineage(500_000 + run.rng.randrange(100_000)))
    run.host.rotate_every = 600
    length = 6 * 60 * SEC
    b, ctx = _boot(run, run.t_base, length, first=True, actors=[(length - 90 * SEC, A.journald_restart)])
    _unclean_then_next(run, b, ctx)


def user_shutdown_crash(run):
    """Users' sessions end in the last minutes (`systemd[4529]: Reached target Shutdown.`, with
    and without USER_UNIT), then the power goes."""
    run.writer.open(run.lineage(600_000 + run.rng.randrange(100_000)))
    run.host.rotate_every = 600
    length = 6 * 60 * SEC

    def old_style(ctx):
        return A.user_session_ends(ctx, uid=1001, old_style=True)
    b, ctx = _boot(run, run.t_base, length, first=True,
                   actors=[(length - 100 * SEC, A.user_session_ends), (length - 40 * SEC, old_style)])
    _unclean_then_next(run, b, ctx)


def power_cut(run):
    """A server simply loses power: no shutdown markers, a torn ONLINE file, the next boot's
    journald and ext4 notices."""
    run.writer.open(run.lineage(200_000 + run.rng.randrange(100_000)))
    run.host.rotate_every = 600
    b, ctx = _boot(run, run.t_base, 9 * 60 * SEC, first=True)
    _unclean_then_next(run, b, ctx)


def clean_shutdown(run):
    """systemd in the initrd, a journald restart, a user session ending, then an orderly
    reboot: every trap present, and yet a clean end."""
    run.writer.open(run.lineage(900_000 + run.rng.randrange(100_000)))
    run.host.rotate_every = 600
    length = 5 * 60 * SEC
    b, ctx = _boot(run, run.t_base, length, initrd=True, first=True,
                   actors=[(length - 200 * SEC, A.journald_restart), (length - 60 * SEC, A.user_session_ends)])
    t = _clean_shutdown(run, ctx)
    b.end = "clean"
    next_boot(run, t + 25 * SEC, None, clean=True, length=60 * SEC)


def rtc_less(run):
    """A board without an RTC: every boot starts at the same made-up wall-clock time until NTP
    steps it. Boot 1 runs 50 min and reboots, boot 2 runs 4 min and reboots, boot 3 gets no
    network (its clock is never set) and loses power after 3 min, boot 4 is the next one.
    journald rotates when the clock goes back, so each clean boot begins a new file of the same
    journald run; after the power cut a new run begins."""
    h = run.host
    fake = int(datetime.datetime(2023, 11, 14, 9, 0, tzinfo=datetime.timezone.utc).timestamp()) * US
    run.writer.open(run.lineage(50_000 + run.rng.randrange(10_000)))
    t = run.t_base
    for i, (length, sync) in enumerate(((50 * 60 * SEC, True), (4 * 60 * SEC, True), (3 * 60 * SEC, False))):
        if i > 0:
            run.writer.close("archived")
            run.writer.open(h.lineage)
        actors = [(25 * SEC, A.ntp_step)] if sync else []
        b, ctx = _boot(run, t, length, actors=actors, wall_rt0=fake)
        if i < 2:
            t = _clean_shutdown(run, ctx) + 20 * SEC
            b.end = "clean"
        else:
            _unclean_then_next(run, b, ctx, wall_rt0=fake, length=90 * SEC, actors=[(25 * SEC, A.ntp_step)])


# -- issue 11: the causal model's scenarios -------------------------------------------------------
def fork_bomb_sparse(run):
    """The fork bomb on pid_max = 32768 with only a few PIDs logged during it: PIDs wrap
    between the entries kept, so the rate is a lower bound; the pids controller's one line
    says the limit was reached."""
    fork_bomb(run, log_every=400)


def sdb_archive_errors(run, ctx):
    """A second disk (an archive disk, sdb) fails early and is then left alone: its errors
    stop long before the end, and nothing on it stops the journal."""
    h, rng = run.host, run.rng
    for i in range(4):
        sector = 9_000_000 + rng.randrange(100_000) * 8
        h.kernel("sd 1:0:0:0: [sdb] tag#%d FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE" % i, 6)
        h.kernel("sd 1:0:0:0: [sdb] tag#%d Sense Key : Medium Error [current]" % i, 6)
        h.kernel("critical medium error, dev sdb, sector %d op 0x0:(READ) flags 0x80700 phys_seg 1 prio class 2"
                 % sector, 3, event="io_error")
        yield 3 * SEC + rng.randrange(2 * SEC)


def two_disks(run):
    """storage-io plus a second failing disk: two findings; sda, whose journal aborted and
    whose errors went on to the end, is the one linked to the end."""
    storage_io(run, extra=[(40 * SEC, sdb_archive_errors)])
    run.unrelated = [{"kind": "storage-io", "subject": "sdb"}]


POLLER_UNIT = """[Unit]
Description=Metrics poller (one scrape per start)

[Service]
Type=simple
ExecStart=/usr/local/bin/metrics-poll --once
Restart=always
RestartSec=30

[Install]
WantedBy=multi-user.target
"""


def poller_actor(run, ctx):
    """A Restart=always poller: runs a second, exits 0, restarted 30 s later. Harmless."""
    h, rng = run.host, run.rng
    unit = h.unit("metrics-poller.service")
    while not ctx.flags.get("frozen"):
        h.job_start(unit)
        p = h.spawn_proc("metrics-poll", "/usr/local/bin/metrics-poll", "/usr/local/bin/metrics-poll --once", unit,
                         uid=65534, gid=65534)
        h.job_done(unit, "Started")
        yield 800 * MS + rng.randrange(400 * MS)
        h.stdout(p, "metrics-poll: scraped 412 series in 0.8s")
        h.exit_proc(p)
        h.unit_deactivated(unit)
        yield 30 * SEC
        h.unit_restart_scheduled(unit)
        yield 2 * MS
        h.job_done(unit, "Stopped", job_type="restart")


def poller_beside_failure(run):
    """storage-io with a harmless Restart=always poller beside it: the poller is no crash
    loop, and the failing disk stays the primary cause."""
    run.unit_files["metrics-poller.service"] = POLLER_UNIT
    storage_io(run, extra=[(20 * SEC, poller_actor)])
    run.units_of_interest.append("metrics-poller.service")


SCENARIOS = {
    "reference-incident": ("polybox", reference),
    "memcg-oom-loop": ("batch01", memcg),
    "fork-bomb": ("jobs02", fork_bomb),
    "storage-io": ("db03", storage_io),
    "fork-bomb-sparse": ("jobs12", fork_bomb_sparse),
    "two-disks": ("db13", two_disks),
    "poller-beside-failure": ("db14", poller_beside_failure),
    "healthy-reboot": ("web04", healthy),
    "initrd-crash": ("fedora05", initrd_crash),
    "journald-restart-crash": ("app06", journald_restart_crash),
    "user-shutdown-crash": ("desk07", user_shutdown_crash),
    "power-cut": ("edge08", power_cut),
    "clean-shutdown": ("web09", clean_shutdown),
    "rtc-less": ("pi10", rtc_less),
    "bench": ("polybox", None),
}
