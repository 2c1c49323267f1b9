"""A simulated Debian 12 host: clock, PID allocator, processes, and the log sinks
(journal stream, /var/log/kern.log, the kernel ring buffer that pstore dumps).

Time is realtime in microseconds. `Sim` is a tiny discrete-event scheduler: every
actor is a generator that yields the delay (µs) until its next step, so all log
entries and all forks happen in one global time order.
"""

import collections
import datetime
import heapq

from . import texts as T

US = 1_000_000


def iso(rt):
    d = datetime.datetime.fromtimestamp(rt // US, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%06dZ" % (rt % US)


def syslog_date(rt):
    d = datetime.datetime.fromtimestamp(rt // US, tz=datetime.timezone.utc)
    return "%s %2d %s" % (d.strftime("%b"), d.day, d.strftime("%H:%M:%S"))


class Sim:
    def __init__(self, start):
        self.now = start
        self.heap = []
        self.seq = 0

    def spawn(self, gen, delay=0):
        self.seq += 1
        heapq.heappush(self.heap, (self.now + int(delay), self.seq, gen))

    def run(self, until):
        heap = self.heap
        while heap and heap[0][0] <= until:
            t, _, gen = heapq.heappop(heap)
            if t > self.now:
                self.now = t
            try:
                d = next(gen)
            except StopIteration:
                continue
            if d is None:
                continue
            self.seq += 1
            heapq.heappush(heap, (self.now + int(d), self.seq, gen))
        self.now = max(self.now, until)

    def clear(self):
        self.heap = []


class Pids:
    """Sequential PID allocation modulo pid_max, as alloc_pid/idr_alloc_cyclic does:
    after pid_max-1 the next PID is RESERVED_PIDS (300); PIDs in use are skipped."""

    RESERVED = 300

    def __init__(self, pid_max=4194304, last=0):
        self.max = pid_max
        self.last = last
        self.live = set()
        self.per_second = None       # second -> forks, while counting
        self.wraps = 0

    def count_from_now(self):
        self.per_second = collections.Counter()

    def stop_counting(self):
        counts, self.per_second = self.per_second, None
        return counts

    def fork(self, t):
        p = self.last + 1
        while True:
            if p >= self.max:
                p = self.RESERVED
                self.wraps += 1
            if p not in self.live:
                break
            p += 1
        self.last = p
        if self.per_second is not None:
            self.per_second[t // US] += 1
        return p

    def fork_many(self, n, t):
        """n forks at time t whose PIDs nobody logs; returns the last PID."""
        if n <= 0:
            return self.last
        if self.per_second is not None:
            self.per_second[t // US] += n
        span = self.max - self.RESERVED
        p = self.last + n
        while p >= self.max:
            p -= span
            self.wraps += 1
        self.last = p
        while self.last in self.live:
            self.fork(t)
            if self.per_second is not None:
                self.per_second[t // US] -= 1
        return self.last


class Unit:
    def __init__(self, name, description, slice_="system.slice"):
        self.name = name
        self.description = description
        self.slice = slice_
        self.invocation = None
        self.n_restarts = 0
        self.start_times = []

    @property
    def cgroup(self):
        if self.name.endswith(".scope") and self.slice.startswith("user-"):
            return "/user.slice/%s/%s" % (self.slice, self.name)
        return "/%s/%s" % (self.slice, self.name)

    @property
    def label(self):
        return "%s - %s" % (self.name, self.description)


class Proc:
    """A process that logs; `trusted` is what journald adds for it."""

    def __init__(self, host, pid, comm, exe, cmdline, unit, uid=0, gid=0, cap="0", ident=None):
        self.pid = pid
        self.comm = comm[:15]
        self.exe = exe
        self.cmdline = cmdline
        self.unit = unit
        self.uid = uid
        self.gid = gid
        self.ident = ident or self.comm
        self.stream_id = host.id128()
        self.rss_pages = 0
        self.vm_pages = 0
        inv = ("_SYSTEMD_INVOCATION_ID=%s\n" % unit.invocation) if unit is not None and unit.invocation else ""
        if unit is None:
            cg, un, sl = "/init.scope", "init.scope", "-.slice"
        else:
            cg, un, sl = unit.cgroup, unit.name, unit.slice
        self.trusted = ("_PID=%d\n_UID=%d\n_GID=%d\n_COMM=%s\n_EXE=%s\n_CMDLINE=%s\n_CAP_EFFECTIVE=%s\n"
                        "_SYSTEMD_CGROUP=%s\n_SYSTEMD_UNIT=%s\n_SYSTEMD_SLICE=%s\n%s"
                        % (pid, uid, gid, self.comm, exe, cmdline, cap, cg, un, sl, inv))
        if unit is not None and sl.startswith("user-"):
            self.trusted += "_SYSTEMD_USER_SLICE=-.slice\n_SYSTEMD_OWNER_UID=%d\n_SYSTEMD_SESSION=%s\n" % (
                uid, unit.name[len("session-"):-len(".scope")] if unit.name.startswith("session-") else "")


class Boot:
    def __init__(self, index, boot_id, rt0):
        self.index = index
        self.boot_id = boot_id
        self.rt0 = rt0                     # realtime at monotonic 0
        self.rsyslog_rt = None             # kern.log stamps early lines with rsyslog's start
        self.rts = []                      # __REALTIME_TIMESTAMP of every journal entry written
        self.first_index = None            # global journal index of its first entry
        self.kmsgs = []                    # every kernel record: KMsg
        self.ring = collections.deque(maxlen=600)
        self.end = "ongoing"
        self.header = None
        self.last_kmono = -1
        self.monos = []                    # __MONOTONIC_TIMESTAMP of every journal entry written
        self.final_skew = 0                # the wall clock's skew at its last entry

    def mono(self, rt):
        return rt - self.rt0


class KMsg:
    __slots__ = ("rt", "mono", "prio", "text", "jidx", "in_klog", "in_pstore", "event", "vacuumed")

    def __init__(self, rt, mono, prio, text, event):
        self.rt, self.mono, self.prio, self.text, self.event = rt, mono, prio, text, event
        self.jidx = None
        self.in_klog = False
        self.in_pstore = False
        self.vacuumed = False


class Host:
    """Log sinks and message helpers; the journal writer is attached by the scenario."""

    def __init__(self, rng, sim, hostname, machine_id, pid_max=4194304):
        self.rng = rng
        self.sim = sim
        self.hostname = hostname
        self.machine_id = machine_id
        self.pids = Pids(pid_max)
        self.writer = None
        self.boot = None
        self.boots = []
        self.klog = []
        self.journal_on = True             # False: journald no longer gets anything to disk
        self.vacuum_before = None          # entries before this realtime were vacuumed
        self.klog_on = True
        self.last_rt = 0
        self.tags = []                     # (global index, kind, data) of journal events
        self.units = {}
        self.procs = {}                    # pid -> Proc (long-lived ones, for OOM tables)
        self.pid1 = None
        self.journald = None
        self.rotate_every = None
        self.lineage = None
        self.max_entries = None
        self.job_id = 100
        self.host_tail = "_MACHINE_ID=%s\n_HOSTNAME=%s\n" % (machine_id, hostname)
        # Wall clock minus true time: a board without an RTC runs on a made-up time until NTP
        # steps it. Monotonic stamps never see it.
        self.clock_skew = 0

    # -- ids ---------------------------------------------------------------
    def id128(self):
        return "%032x" % self.rng.getrandbits(128)

    # -- boots -------------------------------------------------------------
    def new_boot(self, rt0):
        b = Boot(len(self.boots), self.id128(), rt0)
        b.header = "_BOOT_ID=%s\n" % b.boot_id
        self.boots.append(b)
        self.boot = b
        return b

    def unit(self, name, description=None, slice_="system.slice"):
        u = self.units.get(name)
        if u is None:
            u = Unit(name, description or T.describe(name), slice_)
            self.units[name] = u
        return u

    def spawn_proc(self, comm, exe, cmdline, unit, uid=0, gid=0, cap=None, ident=None, keep=False, pid=None):
        if cap is None:
            cap = "1ffffffffff" if uid == 0 else "0"
        if pid is None:
            pid = self.pids.fork(self.sim.now)
        p = Proc(self, pid, comm, exe, cmdline, unit, uid, gid, cap, ident)
        if keep:
            self.procs[pid] = p
            self.pids.live.add(pid)
        return p

    def exit_proc(self, p):
        self.procs.pop(p.pid, None)
        self.pids.live.discard(p.pid)

    # -- the journal stream -------------------------------------------------
    def _stamp(self, latency):
        rt = self.sim.now + latency
        if rt <= self.last_rt:
            rt = self.last_rt + 1
        self.last_rt = rt
        return rt

    def emit(self, body, latency=None, binary=None, tag=None, rt=None):
        """Writes one entry (body: `NAME=value\\n` lines) unless journald is gone or the
        time was vacuumed. Returns the global index or None."""
        if rt is None:
            rt = self._stamp(latency if latency is not None else 40 + self.rng.randrange(400))
        if not self.journal_on or (self.vacuum_before is not None and rt < self.vacuum_before):
            return None
        if self.max_entries is not None and self.writer.total >= self.max_entries:
            return None
        if self.rotate_every and self.writer.cur.count >= self.rotate_every:
            self.writer.close("archived")
            self.writer.open(self.lineage)
        b = self.boot
        wall = rt + self.clock_skew
        head = "__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n" % (wall, rt - b.rt0)
        if binary:
            data = (head + b.header + body + self.host_tail).encode()
            for name, value in binary:
                v = value.encode()
                data += name.encode() + b"\n" + len(v).to_bytes(8, "little") + v + b"\n"
            data += b"\n"
        else:
            data = (head + b.header + body + self.host_tail + "\n").encode()
        idx = self.writer.total
        self.writer.add(data, rt)
        if b.first_index is None:
            b.first_index = idx
        b.rts.append(wall)
        b.monos.append(rt - b.rt0)
        b.final_skew = self.clock_skew
        if tag is not None:
            self.tags.append((idx, b.index, tag))
        return idx

    # -- message helpers ------------------------------------------------------
    def journal(self, proc, message, priority=6, ident=None, facility=3, code=None, extra="", tag=None):
        """sd_journal_send-style entry (_TRANSPORT=journal)."""
        src = self.sim.now
        c = ""
        if code:
            c = "CODE_FILE=%s\nCODE_LINE=%d\nCODE_FUNC=%s\n" % code
        multi = "\n" in message
        body = ("PRIORITY=%d\nSYSLOG_FACILITY=%d\nSYSLOG_IDENTIFIER=%s\n%s%s%s_TRANSPORT=journal\n%s"
                "_SOURCE_REALTIME_TIMESTAMP=%d\n" % (priority, facility, ident or proc.ident, c,
                                                     "" if multi else "MESSAGE=%s\n" % message, extra,
                                                     proc.trusted, src))
        return self.emit(body, tag=tag, binary=[("MESSAGE", message)] if multi else None)

    def syslog(self, proc, message, priority=6, facility=3, ident=None, tag=None):
        src = self.sim.now
        body = ("PRIORITY=%d\nSYSLOG_FACILITY=%d\nSYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%d\nSYSLOG_TIMESTAMP=%s \n"
                "MESSAGE=%s\n_TRANSPORT=syslog\n%s_SOURCE_REALTIME_TIMESTAMP=%d\n"
                % (priority, facility, ident or proc.ident, proc.pid, syslog_date(src), message, proc.trusted, src))
        return self.emit(body, tag=tag)

    def stdout(self, proc, message, priority=6, tag=None):
        body = ("PRIORITY=%d\nSYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=%s\nMESSAGE=%s\n_TRANSPORT=stdout\n_STREAM_ID=%s\n%s"
                % (priority, proc.ident, message, proc.stream_id, proc.trusted))
        return self.emit(body, tag=tag)

    def driver(self, message, message_id, priority=6, extra=""):
        """journald's own structured messages (_TRANSPORT=driver)."""
        mid = ("MESSAGE_ID=%s\n" % message_id) if message_id else ""
        body = ("PRIORITY=%d\nSYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=systemd-journald\n%sMESSAGE=%s\n%s"
                "_TRANSPORT=driver\n%s" % (priority, mid, message, extra, self.journald.trusted))
        return self.emit(body)

    def kmsg_user(self, ident, pid, message, priority=6, facility=3):
        """A userspace line written to /dev/kmsg (journald's own log, systemd-shutdown),
        read back by journald: kernel transport, no _PID."""
        mono = self.boot.mono(self.sim.now)
        body = ("_SOURCE_MONOTONIC_TIMESTAMP=%d\n_TRANSPORT=kernel\nPRIORITY=%d\nSYSLOG_FACILITY=%d\n"
                "SYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%d\nMESSAGE=%s\n" % (mono, priority, facility, ident, pid, message))
        return self.emit(body)

    def kernel(self, text, priority=6, event=None, mono=None, klog=None, latency=None):
        """One printk record. Goes to the journal (while journald writes), kern.log (while
        rsyslog's writes reach the disk) and the ring buffer that pstore dumps."""
        b = self.boot
        if mono is None:
            mono = max(b.mono(self.sim.now), b.last_kmono + 1)
        b.last_kmono = max(b.last_kmono, mono)
        rt_src = b.rt0 + mono
        k = KMsg(rt_src, mono, priority, text, event)
        b.kmsgs.append(k)
        b.ring.append(k)
        if self.vacuum_before is not None and rt_src < self.vacuum_before:
            k.vacuumed = True
        body = ("_SOURCE_MONOTONIC_TIMESTAMP=%d\n_TRANSPORT=kernel\nPRIORITY=%d\nSYSLOG_FACILITY=0\n"
                "SYSLOG_IDENTIFIER=kernel\n" % (mono, priority))
        if "\n" in text:
            k.jidx = self.emit(body, binary=[("MESSAGE", text)], latency=latency,
                               tag=("kernel", event) if event else None)
        else:
            k.jidx = self.emit(body + "MESSAGE=%s\n" % text, latency=latency,
                               tag=("kernel", event) if event else None)
        if (self.klog_on if klog is None else klog):
            k.in_klog = True
            stamp = (rt_src if b.rsyslog_rt is None else max(rt_src, b.rsyslog_rt)) + self.clock_skew
            date = syslog_date(stamp)
            for line in text.split("\n"):
                self.klog.append("%s %s kernel: [%5d.%06d] %s" % (date, self.hostname, mono // US, mono % US, line))
        return k

    def kernel_lines(self, lines, priority=6, step=3, event=None):
        """A burst of printk records a few µs apart (stack traces, OOM dumps)."""
        b = self.boot
        mono = max(b.mono(self.sim.now), b.last_kmono + step)
        first = None
        for i, item in enumerate(lines):
            ev = event if i == 0 else None
            if isinstance(item, tuple):
                if len(item) == 3:
                    prio, text, ev = item
                else:
                    prio, text = item
            else:
                prio, text = priority, item
            k = self.kernel(text, prio, event=ev, mono=mono + i * step, latency=50 + i * step)
            first = first or k
        return first

    # -- PID 1 ------------------------------------------------------------------
    def manager(self, unit, message, priority=6, message_id=None, code=T.CODE_JOB_DONE, extra="",
                invocation=None, tag=None):
        src = self.sim.now
        mid = ("MESSAGE_ID=%s\n" % message_id) if message_id else ""
        inv = invocation if invocation is not None else (unit.invocation if unit is not None else None)
        u = ""
        if unit is not None:
            u = "UNIT=%s\n" % unit.name
            if inv:
                u += "INVOCATION_ID=%s\n" % inv
        body = ("PRIORITY=%d\nSYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=systemd\nTID=1\nCODE_FILE=%s\nCODE_LINE=%d\n"
                "CODE_FUNC=%s\nMESSAGE=%s\n%s%s%s_TRANSPORT=journal\n%s_SOURCE_REALTIME_TIMESTAMP=%d\n"
                % (priority, code[0], code[1], code[2], message, mid, u, extra, self.pid1.trusted, src))
        return self.emit(body, tag=tag)

    def job_start(self, unit, verb="Starting"):
        unit.invocation = self.id128()
        self.job_id += 1
        return self.manager(unit, "%s %s..." % (verb, unit.label), message_id=T.MID_UNIT_STARTING,
                            code=T.CODE_JOB_START, extra="JOB_ID=%d\nJOB_TYPE=start\n" % self.job_id)

    def job_done(self, unit, verb="Started", job_type="start", result="done", new_invocation=False):
        if new_invocation or unit.invocation is None:
            unit.invocation = self.id128()
        if verb in ("Started", "Finished", "Reached target", "Listening on", "Mounted", "Created slice",
                    "Activated swap", "Set up automount"):
            mid = T.MID_UNIT_STARTED
        elif verb == "Stopped" or verb.startswith("Stopped") or verb in ("Closed", "Unmounted", "Removed slice"):
            mid = T.MID_UNIT_STOPPED
        else:
            mid = None
        prio = 6
        if result == "failed":
            mid, prio = T.MID_UNIT_FAILED, 3
        text = ("%s %s." % (verb, unit.label)) if verb != "Failed to start" else "Failed to start %s." % unit.label
        if verb == "Reached target":
            text = "Reached target %s." % unit.label
        if verb == "Stopped target":
            text = "Stopped target %s." % unit.label
        tag = ("started", unit.name) if verb == "Started" else None
        return self.manager(unit, text, prio, mid, T.CODE_JOB_DONE,
                            "JOB_ID=%d\nJOB_TYPE=%s\nJOB_RESULT=%s\n" % (self.job_id, job_type, result), tag=tag)

    def unit_exited(self, unit, code, status, kind="Main process"):
        st = T.exit_status_text(code, status)
        return self.manager(unit, "%s: %s exited, code=%s, status=%d/%s" % (unit.name, kind, code, status, st),
                            5, T.MID_PROCESS_EXIT, T.CODE_PROCESS_EXIT,
                            "EXIT_CODE=%s\nEXIT_STATUS=%d\nCOMMAND=ExecStart\n" % (code, status),
                            tag=("exit", unit.name, code, status))

    def unit_failed(self, unit, result):
        return self.manager(unit, "%s: Failed with result '%s'." % (unit.name, result), 4, T.MID_UNIT_RESULT,
                            T.CODE_UNIT_FAILURE, "UNIT_RESULT=%s\n" % result, tag=("result", unit.name, result))

    def unit_restart_scheduled(self, unit):
        unit.n_restarts += 1
        n = unit.n_restarts
        return self.manager(unit, "%s: Scheduled restart job, restart counter is at %d." % (unit.name, n), 6,
                            T.MID_RESTART_SCHEDULED, T.CODE_RESTART, "N_RESTARTS=%d\n" % n,
                            tag=("restart", unit.name, n))

    def unit_oom(self, unit):
        return self.manager(unit, "%s: A process of this unit has been killed by the OOM killer." % unit.name, 5,
                            T.MID_UNIT_OOM, T.CODE_OOM, tag=("unit_oom", unit.name))

    def unit_start_limit(self, unit):
        return self.manager(unit, "%s: Start request repeated too quickly." % unit.name, 4, None,
                            T.CODE_START_LIMIT, tag=("start_limit", unit.name))

    def unit_deactivated(self, unit):
        return self.manager(unit, "%s: Deactivated successfully." % unit.name, 6, T.MID_UNIT_SUCCESS,
                            T.CODE_UNIT_SUCCESS)

    def unit_consumed(self, unit, cpu_ns):
        return self.manager(unit, "%s: Consumed %s CPU time." % (unit.name, T.timespan(cpu_ns // 1000)), 6,
                            T.MID_UNIT_RESOURCES, T.CODE_RESOURCES, "CPU_USAGE_NSEC=%d\n" % cpu_ns)

    def user_manager(self, proc, message, user_unit=None, message_id=None):
        """A user manager (`systemd --user`, its own PID) about one of its units: it reaches its
        own shutdown.target whenever the user's last session ends."""
        body = ("PRIORITY=6\nSYSLOG_FACILITY=3\nSYSLOG_IDENTIFIER=systemd\nMESSAGE=%s\n%s%s_TRANSPORT=journal\n%s"
                % (message, ("MESSAGE_ID=%s\n" % message_id) if message_id else "",
                   ("USER_UNIT=%s\nUSER_INVOCATION_ID=%s\n" % (user_unit, self.id128())) if user_unit else "",
                   proc.trusted))
        return self.emit(body)

    def pid1_plain(self, message, priority=6, code=("src/core/main.c", 2958, "main")):
        return self.manager(None, message, priority, None, code)
