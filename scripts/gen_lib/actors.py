"""Actors of a Debian 12 server: the boot sequence, the background noise of dozens of
units, a clean shutdown. Each actor is a generator for `Sim` (yields µs delays)."""

from . import texts as T
from .host import US, syslog_date

SEC = US
MS = 1000


# -- daemons ----------------------------------------------------------------
# name, comm, exe, cmdline, uid, rss pages, vm pages, start messages (transport, text)
DAEMONS = [
    ("systemd-udevd.service", "systemd-udevd", "/usr/lib/systemd/systemd-udevd", "/lib/systemd/systemd-udevd",
     0, 1900, 6100, []),
    ("cron.service", "cron", "/usr/sbin/cron", "/usr/sbin/cron -f", 0, 700, 1700,
     [("syslog", "(CRON) INFO (pidfile fd = 3)"), ("syslog", "(CRON) INFO (Running @reboot jobs)")]),
    ("dbus.service", "dbus-daemon", "/usr/bin/dbus-daemon",
     "/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only",
     101, 1100, 2300, [("journal", "[system] Successfully activated service 'org.freedesktop.systemd1'")]),
    ("rsyslog.service", "rsyslogd", "/usr/sbin/rsyslogd", "/usr/sbin/rsyslogd -n -iNONE", 0, 1300, 55000,
     [("stdout", "imuxsock: Acquired UNIX socket '/run/systemd/journal/syslog' (fd 3) from systemd.  [v8.2302.0]"),
      ("stdout", "[origin software=\"rsyslogd\" swVersion=\"8.2302.0\" x-pid=\"%(pid)d\" "
                 "x-info=\"https://www.rsyslog.com\"] start")]),
    ("systemd-logind.service", "systemd-logind", "/usr/lib/systemd/systemd-logind", "/lib/systemd/systemd-logind",
     0, 1800, 4600, [("journal", "New seat seat0."),
                     ("journal", "Watching system buttons on /dev/input/event0 (Power Button)"),
                     ("journal", "Watching system buttons on /dev/input/event1 (AT Translated Set 2 keyboard)")]),
    ("NetworkManager.service", "NetworkManager", "/usr/sbin/NetworkManager", "/usr/sbin/NetworkManager --no-daemon",
     0, 4800, 64000, [("nm", "NetworkManager (version 1.42.4) is starting... (boot:%(bootuuid)s)"),
                      ("nm", "Read config: /etc/NetworkManager/NetworkManager.conf"),
                      ("nm", "manager[0x55f3c2a1e040]: monitoring kernel firmware directory '/lib/firmware'."),
                      ("nm", "device (enp1s0): state change: unavailable -> disconnected (reason 'carrier-changed', "
                             "sys-iface-state: 'managed')"),
                      ("nm", "dhcp4 (enp1s0): state changed new lease, address=192.0.2.44"),
                      ("nm", "manager: NetworkManager state is now CONNECTED_GLOBAL")]),
    ("smartmontools.service", "smartd", "/usr/sbin/smartd", "/usr/sbin/smartd -n", 0, 900, 2700,
     [("journal", "smartd 7.3 2022-02-28 r5338 [x86_64-linux-6.1.0-18-amd64] (local build)"),
      ("journal", "Device: /dev/sda [SAT], opened"),
      ("journal", "Monitoring 1 ATA/SATA, 0 SCSI/SAS and 0 NVMe devices")]),
    ("systemd-timesyncd.service", "systemd-timesyn", "/usr/lib/systemd/systemd-timesyncd",
     "/lib/systemd/systemd-timesyncd", 997, 1200, 22800, []),
    ("prometheus-node-exporter.service", "prometheus-node", "/usr/bin/prometheus-node-exporter",
     "/usr/bin/prometheus-node-exporter", 108, 5200, 180000,
     [("stdout", "ts=%(ts)s caller=node_exporter.go:180 level=info msg=\"Starting node_exporter\" "
                 "version=\"(version=1.5.0, branch=debian/sid, revision=1.5.0-1+b6)\""),
      ("stdout", "ts=%(ts)s caller=tls_config.go:232 level=info msg=\"Listening on\" address=[::]:9100")]),
    ("ssh.service", "sshd", "/usr/sbin/sshd", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", 0, 1900,
     3900, [("syslog", "Server listening on 0.0.0.0 port 22."), ("syslog", "Server listening on :: port 22.")]),
    ("getty@tty1.service", "agetty", "/usr/sbin/agetty", "/sbin/agetty -o \"-p -- \\u\" --noclear - linux", 0,
     300, 1400, []),
    ("serial-getty@ttyS0.service", "agetty", "/usr/sbin/agetty",
     "/sbin/agetty -o \"-p -- \\u\" --keep-baud 115200,57600,38400,9600 - vt220", 0, 300, 1400, []),
]

ONESHOTS = ["systemd-remount-fs.service", "systemd-sysctl.service", "systemd-modules-load.service",
            "keyboard-setup.service", "systemd-random-seed.service", "systemd-tmpfiles-setup-dev.service",
            "systemd-udev-trigger.service", "systemd-journal-flush.service", "apparmor.service",
            "systemd-tmpfiles-setup.service", "systemd-update-utmp.service", "console-setup.service",
            "e2scrub_reap.service", "systemd-user-sessions.service"]
TIMERS = ["apt-daily.timer", "apt-daily-upgrade.timer", "logrotate.timer", "man-db.timer", "fstrim.timer",
          "e2scrub_all.timer", "systemd-tmpfiles-clean.timer", "sysstat-collect.timer"]
SOCKETS = ["dbus.socket", "uuidd.socket", "systemd-journald.socket", "systemd-journald-dev-log.socket",
           "systemd-udevd-control.socket", "systemd-udevd-kernel.socket"]
MOUNTS = ["dev-hugepages.mount", "dev-mqueue.mount", "sys-kernel-debug.mount", "sys-kernel-tracing.mount"]


class Ctx:
    """What the scenario tells the common actors."""

    def __init__(self, host, rng, root_dev="sda1", extra_cmdline="", services=(), prev_unclean=False,
                 pstore=False, data_dev=None, ip="192.0.2.44", initrd=False):
        self.host = host
        self.initrd = initrd                # systemd in the initrd: its journald stops at switch-root
        self.rng = rng
        self.root_dev = root_dev
        self.extra_cmdline = extra_cmdline
        self.services = list(services)      # callables(host) run at the end of the boot: scenario units
        self.prev_unclean = prev_unclean
        self.pstore = pstore
        self.data_dev = data_dev
        self.ip = ip
        self.daemons = {}                   # unit name -> Proc
        self.session_no = 0
        self.flags = {}
        self.root_uuid = "%08x-%04x-%04x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),
                                                        rng.getrandbits(16), rng.getrandbits(16),
                                                        rng.getrandbits(48))


def nm(host, proc, text, level="info", domain="core"):
    ts = host.sim.now / US
    msg = "<%s>  [%.4f] %s" % (level, ts, text)
    extra = "NM_LOG_LEVEL=%s\nNM_LOG_DOMAINS=%s\n" % (level, domain)
    return host.journal(proc, msg, 6 if level == "info" else 4, code=("src/core/nm-manager.c", 7318, "nm_manager_start"),
                        extra=extra)


def daemon_log(host, proc, transport, text, priority=6, facility=3):
    if transport == "syslog":
        return host.syslog(proc, text, priority, facility)
    if transport == "stdout":
        return host.stdout(proc, text, priority)
    if transport == "nm":
        return nm(host, proc, text)
    return host.journal(proc, text, priority)


def go_ts(rt):
    import datetime
    d = datetime.datetime.fromtimestamp(rt / US, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (rt // 1000 % 1000)


# -- the boot -----------------------------------------------------------------
def kernel_boot_lines(ctx):
    c = ctx
    cmdline = "BOOT_IMAGE=/boot/vmlinuz-%s root=UUID=%s ro quiet%s" % (T.KERNEL_RELEASE, c.root_uuid,
                                                                        c.extra_cmdline)
    lines = [
        (5, T.KERNEL_BANNER),
        (6, "Command line: " + cmdline),
        (6, "BIOS-provided physical RAM map:"),
        (6, "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable"),
        (6, "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdcfff] usable"),
        (6, "BIOS-e820: [mem 0x0000000100000000-0x000000067fffffff] usable"),
        (6, "NX (Execute Disable) protection: active"),
        (6, "SMBIOS 3.0.0 present."),
        (6, "DMI: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014"),
        (6, "Hypervisor detected: KVM"),
        (6, "tsc: Detected 2294.608 MHz processor"),
        (6, "smpboot: Allowing 2 CPUs, 0 hotplug CPUs"),
        (5, "Kernel command line: " + cmdline),
        (6, "Memory: 24329712K/25165280K available (14342K kernel code, 2331K rwdata, 9064K rodata, "
            "2792K init, 17396K bss, 835308K reserved, 0K cma-reserved)"),
        (6, "smpboot: CPU0: Intel Xeon Processor (Cascadelake) (family: 0x6, model: 0x55, stepping: 0x6)"),
        (6, "smp: Brought up 1 node, 2 CPUs"),
        (6, "devtmpfs: initialized"),
        (6, "NET: Registered PF_NETLINK/PF_ROUTE protocol family"),
        (6, "ACPI: Interpreter enabled"),
        (6, "PCI host bridge to bus 0000:00"),
        (5, "SCSI subsystem initialized"),
        (6, "clocksource: Switched to clocksource kvm-clock"),
        (6, "pstore: Registered efi as persistent store backend"),
        (6, "Freeing unused kernel image (initmem) memory: 2792K"),
        (6, "Write protecting the kernel read-only data: 26624k"),
        (6, "Run /init as init process"),
        (6, "ahci 0000:00:1f.2: AHCI 0001.0000 32 slots 6 ports 1.5 Gbps 0x3f impl SATA mode"),
        (6, "ata1: SATA link up 1.5 Gbps (SStatus 113 SControl 300)"),
        (5, "scsi 0:0:0:0: Direct-Access     ATA      QEMU HARDDISK    2.5+ PQ: 0 ANSI: 5"),
        (5, "sd 0:0:0:0: [sda] 419430400 512-byte logical blocks: (215 GB/200 GiB)"),
        (5, "sd 0:0:0:0: [sda] Write Protect is off"),
        (5, "sd 0:0:0:0: [sda] Write cache: enabled, read cache: enabled, doesn't support DPO or FUA"),
        (6, " sda: sda1"),
        (5, "sd 0:0:0:0: [sda] Attached SCSI disk"),
    ]
    if c.root_dev.startswith("nvme"):
        lines += [(6, "nvme nvme0: pci function 0000:00:04.0"), (6, "nvme nvme0: 2/0/0 default/read/poll queues"),
                  (6, " nvme0n1: p1 p2")]
    if c.prev_unclean:
        lines += [(6, "EXT4-fs (%s): recovery complete" % c.root_dev)]
    lines += [(6, "EXT4-fs (%s): mounted filesystem with ordered data mode. Quota mode: none." % c.root_dev),
              (6, "Not activating Mandatory Access Control as /sbin/tomoyo-init does not exist.")]
    return lines


def boot_sequence(ctx, rsyslog_delay=5.3):
    """From power-on to `Startup finished`, then the daemons' steady noise."""
    h, rng = ctx.host, ctx.rng
    b = h.boot
    b.rsyslog_rt = b.rt0 + int(rsyslog_delay * SEC)
    h.pids.last = 0
    h.pids.live = set()
    h.procs = {}
    # PID 1 and the kernel threads take the first PIDs.
    h.pid1 = h.spawn_proc("systemd", "/usr/lib/systemd/systemd", "/sbin/init", None, cap="1ffffffffff",
                          pid=1, keep=True)
    h.pids.last = 1
    h.pids.fork_many(230, h.sim.now)          # kthreadd, workers, initrd helpers
    klines = kernel_boot_lines(ctx)
    monos = []
    m = 0
    for i, _ in enumerate(klines):
        monos.append(m)
        m += (0 if i < 14 else 9000 + rng.randrange(40000))
    # Nothing reaches the journal before journald runs (~1.9 s in).
    yield int(1.9 * SEC)
    jd_unit = h.unit("systemd-journald.service")
    jd_unit.invocation = h.id128()
    h.journald = h.spawn_proc("systemd-journal", "/usr/lib/systemd/systemd-journald", "/lib/systemd/systemd-journald",
                              jd_unit, cap="25402800cf", keep=True)
    for (prio, text), mono in zip(klines, monos):
        h.kernel(text, prio, mono=mono, latency=5)
    for text in (T.SYSTEMD_BANNER, "Detected virtualization kvm.", "Detected architecture x86-64.",
                 "Hostname set to <%s>." % h.hostname):
        h.kmsg_user("systemd", 1, text)
    h.driver("Journal started", T.MID_JOURNAL_START)
    if ctx.initrd:
        # Fedora/RHEL/openSUSE: the initrd's own journald, PID 1 switching to the real root, the
        # initrd journald stopping ("Journal stopped", seconds into the boot), the real one starting.
        for s in ("initrd-root-device.target", "initrd-root-fs.target", "initrd-fs.target", "initrd.target",
                  "initrd-switch-root.target"):
            h.job_done(h.unit(s, slice_="-.slice"), "Reached target", new_invocation=True)
            yield 40 * MS
        h.pid1_plain("Switching root.", 6, ("src/core/main.c", 1751, "switch_root"))
        yield 40 * MS
        h.driver("Journal stopped", T.MID_JOURNAL_STOP)
        yield 500 * MS
        h.journald = h.spawn_proc("systemd-journal", "/usr/lib/systemd/systemd-journald",
                                  "/usr/lib/systemd/systemd-journald", jd_unit, cap="25402800cf", keep=True)
        h.driver("Journal started", T.MID_JOURNAL_START)
    h.driver("Runtime Journal (/run/log/journal/%s) is 4.8M, max 38.4M, 33.6M free." % h.machine_id,
             T.MID_JOURNAL_USAGE, extra="JOURNAL_NAME=Runtime Journal\nJOURNAL_PATH=/run/log/journal/%s\n"
                                        "CURRENT_USE=5033984\nCURRENT_USE_PRETTY=4.8M\nMAX_USE=40265318\n"
                                        "MAX_USE_PRETTY=38.4M\nDISK_KEEP_FREE=60397977\nDISK_KEEP_FREE_PRETTY=57.6M\n"
                                        "DISK_AVAILABLE=402653184\nDISK_AVAILABLE_PRETTY=384.0M\nLIMIT=40265318\n"
                                        "LIMIT_PRETTY=38.4M\nAVAILABLE=35232153\nAVAILABLE_PRETTY=33.6M\n"
                                        % h.machine_id)
    yield 3 * MS
    for s in ("system-getty.slice", "system-modprobe.slice", "system-serial\\x2dgetty.slice"):
        u = h.unit(s, T.describe(s) if s in T.DESCRIPTIONS else "Slice /system/modprobe", "-.slice")
        h.job_done(u, "Created slice", new_invocation=True)
        yield 300
    for s in ("cryptsetup.target", "integritysetup.target", "paths.target", "slices.target", "swap.target",
              "veritysetup.target"):
        h.job_done(h.unit(s, slice_="-.slice"), "Reached target", new_invocation=True)
        yield 200
    for s in SOCKETS:
        h.job_done(h.unit(s), "Listening on", new_invocation=True)
        yield 150
    for s in MOUNTS:
        u = h.unit(s)
        h.job_start(u, "Mounting")
        yield 400
    h.job_done(jd_unit, "Started")
    for s in MOUNTS:
        h.job_done(h.unit(s), "Mounted")
        yield 200
    for s in ONESHOTS[:7]:
        u = h.unit(s)
        h.job_start(u)
        h.pids.fork(h.sim.now)
        yield 2 * MS + rng.randrange(8 * MS)
        h.job_done(u, "Finished")
    # Flushing the runtime journal to /var (this is where a dirty file is found).
    u = h.unit("systemd-journal-flush.service")
    h.job_start(u)
    h.pids.fork(h.sim.now)
    yield 40 * MS
    h.kmsg_user("systemd-journald", h.journald.pid, "Received client request to flush runtime journal.")
    if ctx.prev_unclean:
        h.kmsg_user("systemd-journald", h.journald.pid,
                    "File /var/log/journal/%s/system.journal corrupted or uncleanly shut down, renaming and replacing."
                    % h.machine_id, priority=4)
        ctx.flags["renamed_at"] = h.sim.now
    yield 30 * MS
    n_flushed = len(b.rts)
    h.driver("Time spent on flushing to /var/log/journal/%s is %s for %d entries." %
             (h.machine_id, T.timespan(24318), n_flushed), None)
    h.driver("System Journal (/var/log/journal/%s) is 1.2G, max 4.0G, 2.7G free." % h.machine_id,
             T.MID_JOURNAL_USAGE, extra="JOURNAL_NAME=System Journal\nJOURNAL_PATH=/var/log/journal/%s\n"
                                        "CURRENT_USE=1288490188\nCURRENT_USE_PRETTY=1.2G\nMAX_USE=4294967296\n"
                                        "MAX_USE_PRETTY=4.0G\n" % h.machine_id)
    h.job_done(u, "Finished")
    udevd = None
    for s in ONESHOTS[7:]:
        if s == "systemd-journal-flush.service":
            continue
        u = h.unit(s)
        h.job_start(u)
        h.pids.fork(h.sim.now)
        yield 3 * MS + rng.randrange(15 * MS)
        h.job_done(u, "Finished")
        if udevd is None:
            uu = h.unit("systemd-udevd.service")
            h.job_start(uu)
            uu.invocation = h.id128()
            udevd = h.spawn_proc("systemd-udevd", "/usr/lib/systemd/systemd-udevd", "/lib/systemd/systemd-udevd",
                                 uu, cap="1ffffffffff", keep=True)
            udevd.rss_pages, udevd.vm_pages = 1900, 6100
            ctx.daemons[uu.name] = udevd
            h.job_done(uu, "Started")
            for text in ("input: PC Speaker as /devices/platform/pcspkr/input/input5",
                         "virtio_net virtio1 enp1s0: renamed from eth0",
                         "sd 0:0:0:0: Attached scsi generic sg0 type 0",
                         "EXT4-fs (%s): re-mounted. Quota mode: none." % ctx.root_dev):
                h.kernel(text, 6)
                yield 2 * MS
    if ctx.data_dev:
        u = h.unit("var-lib-postgresql.mount")
        h.job_start(u, "Mounting")
        yield 20 * MS
        h.kernel("EXT4-fs (%s): mounted filesystem with ordered data mode. Quota mode: none." % ctx.data_dev, 6)
        h.job_done(u, "Mounted")
    for s in ("local-fs-pre.target", "local-fs.target", "sysinit.target"):
        h.job_done(h.unit(s, slice_="-.slice"), "Reached target", new_invocation=True)
        yield 300
    for s in TIMERS:
        h.job_done(h.unit(s), "Started", new_invocation=True)
        yield 120
    for s in ("timers.target", "sockets.target", "basic.target", "network-pre.target"):
        h.job_done(h.unit(s, slice_="-.slice"), "Reached target", new_invocation=True)
        yield 250
    # The daemons.
    bootuuid = "%08x-%04x-%04x-%04x-%012x" % tuple(int(b.boot_id[a:z], 16) for a, z in
                                                   ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32)))
    for name, comm, exe, cmdline, uid, rss, vm, msgs in DAEMONS:
        if name == "systemd-udevd.service":
            continue
        u = h.unit(name)
        h.job_start(u)
        u.invocation = h.id128()
        p = h.spawn_proc(comm, exe, cmdline, u, uid=uid, gid=uid, keep=True,
                         ident={"sshd": "sshd", "systemd-timesyn": "systemd-timesyncd",
                                "prometheus-node": "prometheus-node-exporter"}.get(comm, comm))
        p.rss_pages, p.vm_pages = rss + rng.randrange(200), vm
        ctx.daemons[name] = p
        yield 5 * MS + rng.randrange(30 * MS)
        h.job_done(u, "Started")
        for transport, text in msgs:
            yield 300 + rng.randrange(3 * MS)
            daemon_log(h, p, transport, text % {"pid": p.pid, "bootuuid": bootuuid, "ts": go_ts(h.sim.now)}
                       if "%(" in text else text)
    h.job_done(h.unit("network.target", slice_="-.slice"), "Reached target", new_invocation=True)
    u = h.unit("NetworkManager-wait-online.service")
    h.job_start(u)
    h.pids.fork(h.sim.now)
    yield 2 * SEC + rng.randrange(1500 * MS)
    h.job_done(u, "Finished")
    for s in ("network-online.target", "nss-user-lookup.target", "getty.target", "remote-fs.target"):
        h.job_done(h.unit(s, slice_="-.slice"), "Reached target", new_invocation=True)
        yield 300
    if ctx.pstore:
        u = h.unit("systemd-pstore.service")
        h.job_start(u)
        h.pids.fork(h.sim.now)
        yield 20 * MS
        h.job_done(u, "Finished")
    for svc in ctx.services:
        yield from svc(ctx)
    yield 50 * MS
    h.job_done(h.unit("multi-user.target", slice_="-.slice"), "Reached target", new_invocation=True)
    k, i = 1102000 + rng.randrange(200000), 640000 + rng.randrange(200000)
    us = h.boot.mono(h.sim.now) - k - i
    h.manager(None, "Startup finished in %s (kernel) + %s (initrd) + %s (userspace) = %s." %
              (T.timespan(k), T.timespan(i), T.timespan(us), T.timespan(k + i + us)), 6, T.MID_STARTUP_FINISHED,
              T.CODE_STARTUP, "KERNEL_USEC=%d\nINITRD_USEC=%d\nUSERSPACE_USEC=%d\n" % (k, i, us))
    yield 2 * SEC
    ts = h.daemons_proc = ctx.daemons.get("systemd-timesyncd.service")
    if ts:
        h.journal(ts, "Initial synchronization to time server 192.0.2.123:123 (0.debian.pool.ntp.org).",
                  code=("src/timesync/timesyncd-manager.c", 554, "manager_receive_response"),
                  extra="MESSAGE_ID=%s\n" % T.MID_TIME_SYNC)


def start_noise(ctx, sim, quiet=False):
    """Spawns the steady background of a running server."""
    sim.spawn(cron(ctx), 1000)
    sim.spawn(ssh_scanner(ctx), ctx.rng.randrange(10 * SEC, 50 * SEC))
    sim.spawn(ufw(ctx), ctx.rng.randrange(3 * SEC, 20 * SEC))
    sim.spawn(dhcp_renew(ctx), ctx.rng.randrange(30 * SEC, 280 * SEC))
    sim.spawn(sysstat(ctx), ctx.rng.randrange(60 * SEC, 590 * SEC))
    sim.spawn(smartd(ctx), ctx.rng.randrange(200 * SEC, 1700 * SEC))
    sim.spawn(background_forks(ctx), 500 * MS)


def background_forks(ctx):
    """Shell helpers, health checks, exporters' scrapes: forks nobody logs."""
    h, rng = ctx.host, ctx.rng
    while not ctx.flags.get("frozen"):
        h.pids.fork_many(rng.choice((0, 1, 1, 2, 2, 3, 4)), h.sim.now)
        yield SEC


def cron(ctx):
    h, rng = ctx.host, ctx.rng
    # align to the next minute
    yield (60 * SEC - h.sim.now % (60 * SEC)) + rng.randrange(20 * MS, 400 * MS)
    unit = h.unit("cron.service")
    while not ctx.flags.get("frozen"):
        minute = (h.sim.now // (60 * SEC)) % 60
        jobs = [("prometheus", 108, "/usr/share/prometheus-node-exporter-collectors/apt_info.py | sponge "
                 "/var/lib/prometheus/node-exporter/apt.prom")] if minute % 15 == 0 else []
        if minute % 10 == 0:
            jobs.append(("root", 0, "command -v debian-sa1 > /dev/null && debian-sa1 1 1"))
        if minute % 5 == 2:
            jobs.append(("root", 0, "[ -x /usr/local/sbin/check-disk ] && /usr/local/sbin/check-disk -q"))
        jobs.append(("root", 0, "/usr/local/bin/heartbeat >/dev/null 2>&1"))
        for user, uid, cmd in jobs:
            p = h.spawn_proc("cron", "/usr/sbin/cron", "/usr/sbin/CRON -f", unit, ident="CRON")
            h.syslog(p, "pam_unix(cron:session): session opened for user %s(uid=%d) by (uid=0)" % (user, uid),
                     6, 10)
            yield 500 + rng.randrange(2 * MS)
            h.syslog(p, "(%s) CMD (%s)" % (user, cmd), 6, 9)
            h.pids.fork_many(2 + rng.randrange(3), h.sim.now)
            yield 50 * MS + rng.randrange(900 * MS)
            h.syslog(p, "pam_unix(cron:session): session closed for user %s" % user, 6, 10)
            yield 1000
        yield (60 * SEC - h.sim.now % (60 * SEC)) + rng.randrange(20 * MS, 400 * MS)


SCANNER_USERS = ["admin", "test", "oracle", "ubuntu", "user", "git", "postgres", "ftpuser", "pi", "support"]


def ssh_scanner(ctx):
    h, rng = ctx.host, ctx.rng
    unit = h.unit("ssh.service")
    while not ctx.flags.get("frozen"):
        p = h.spawn_proc("sshd", "/usr/sbin/sshd", "sshd: unknown [priv]", unit, ident="sshd")
        h.pids.fork(h.sim.now)   # the unprivileged pre-auth child
        ip = "203.0.113.%d" % rng.randrange(2, 250)
        port = rng.randrange(32768, 61000)
        user = rng.choice(SCANNER_USERS)
        h.syslog(p, "Invalid user %s from %s port %d" % (user, ip, port), 6, 4)
        yield 200 * MS + rng.randrange(2 * SEC)
        h.syslog(p, "Received disconnect from %s port %d:11: Bye Bye [preauth]" % (ip, port), 6, 4)
        h.syslog(p, "Disconnected from invalid user %s %s port %d [preauth]" % (user, ip, port), 6, 4)
        yield rng.randrange(40 * SEC, 160 * SEC)


def ufw(ctx):
    h, rng = ctx.host, ctx.rng
    while not ctx.flags.get("frozen"):
        src = "198.51.100.%d" % rng.randrange(2, 250)
        dpt = rng.choice((23, 445, 3389, 5900, 8080, 2375, 6379, 1433))
        h.kernel("[UFW BLOCK] IN=enp1s0 OUT= MAC=52:54:00:6b:1f:2e:52:54:00:12:35:02:08:00 SRC=%s DST=%s LEN=44 "
                 "TOS=0x00 PREC=0x00 TTL=%d ID=%d PROTO=TCP SPT=%d DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0"
                 % (src, ctx.ip, rng.randrange(40, 250), rng.randrange(65536), rng.randrange(1024, 65535), dpt), 4)
        yield rng.randrange(8 * SEC, 50 * SEC)


def dhcp_renew(ctx):
    h, rng = ctx.host, ctx.rng
    while not ctx.flags.get("frozen"):
        p = ctx.daemons.get("NetworkManager.service")
        if p:
            nm(h, p, "dhcp4 (enp1s0): state changed new lease, address=%s" % ctx.ip, domain="dhcp4")
        yield 300 * SEC + rng.randrange(-5 * SEC, 5 * SEC)


def sysstat(ctx):
    h, rng = ctx.host, ctx.rng
    u = h.unit("sysstat-collect.service")
    while not ctx.flags.get("frozen"):
        h.job_start(u)
        h.pids.fork_many(2, h.sim.now)
        yield 30 * MS + rng.randrange(60 * MS)
        h.unit_deactivated(u)
        h.job_done(u, "Finished")
        yield 600 * SEC - h.sim.now % (600 * SEC) + rng.randrange(100 * MS)


def smartd(ctx):
    h, rng = ctx.host, ctx.rng
    t = 37
    while not ctx.flags.get("frozen"):
        p = ctx.daemons.get("smartmontools.service")
        if p:
            n = t + rng.choice((-1, 1))
            h.journal(p, "Device: /dev/sda [SAT], SMART Usage Attribute: 194 Temperature_Celsius changed from %d to %d"
                      % (t, n), 6)
            t = n
        yield 1800 * SEC + rng.randrange(-2 * SEC, 2 * SEC)


def admin_session(ctx, user="deploy", uid=1000, commands=(), reboot=False):
    """An admin logs in by ssh and runs some sudo commands (optionally `reboot`)."""
    h, rng = ctx.host, ctx.rng
    ctx.session_no += 1
    sess = ctx.session_no + 2
    sshu = h.unit("ssh.service")
    p = h.spawn_proc("sshd", "/usr/sbin/sshd", "sshd: %s [priv]" % user, sshu, ident="sshd")
    ip, port = "198.51.100.23", rng.randrange(40000, 60000)
    h.syslog(p, "Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:q4TmN2bPzVYbRrK0g3x8o5kJc1l9uWfXy"
                "AZ7dE6hS0s" % (user, ip, port), 6, 4)
    h.syslog(p, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)" % (user, uid), 6, 10)
    lg = ctx.daemons.get("systemd-logind.service")
    if lg:
        h.journal(lg, "New session %d of user %s." % (sess, user), code=T.CODE_LOGIND_SESSION_NEW,
                  extra="MESSAGE_ID=%s\nSESSION_ID=%d\nUSER_ID=%s\nLEADER=%d\n" % (T.MID_SESSION_START, sess, user,
                                                                                    p.pid))
    su = h.unit("session-%d.scope" % sess, "Session %d of User %s" % (sess, user), "user-%d.slice" % uid)
    su.invocation = h.id128()
    ctx.flags["session_unit"] = su
    h.job_done(su, "Started")
    shell = h.spawn_proc("bash", "/usr/bin/bash", "-bash", su, uid=uid, gid=uid)
    yield rng.randrange(3 * SEC, 9 * SEC)
    for cmd in commands:
        s = h.spawn_proc("sudo", "/usr/bin/sudo", "sudo " + cmd, su, uid=uid, gid=uid, cap="1ffffffffff")
        h.syslog(s, "    %s : TTY=pts/0 ; PWD=/home/%s ; USER=root ; COMMAND=%s" % (user, user, cmd), 5, 10)
        h.syslog(s, "pam_unix(sudo:session): session opened for user root(uid=0) by %s(uid=%d)" % (user, uid), 6, 10)
        h.pids.fork(h.sim.now)
        if cmd.endswith("reboot"):
            yield 80 * MS
            ctx.flags["reboot_requested"] = True
            return
        yield 300 * MS + rng.randrange(2 * SEC)
        h.syslog(s, "pam_unix(sudo:session): session closed for user root", 6, 10)
        yield rng.randrange(2 * SEC, 12 * SEC)
    del shell


def journald_restart(ctx):
    """`systemctl restart systemd-journald`: journald stops and a new one starts, mid-boot."""
    h = ctx.host
    u = h.unit("systemd-journald.service")
    h.manager(u, "Stopping %s..." % u.label, 6, T.MID_UNIT_STOPPING, T.CODE_JOB_START, "JOB_TYPE=restart\n")
    h.driver("Journal stopped", T.MID_JOURNAL_STOP)
    yield 60 * MS
    h.exit_proc(h.journald)
    u.invocation = h.id128()
    h.journald = h.spawn_proc("systemd-journal", "/usr/lib/systemd/systemd-journald", "/lib/systemd/systemd-journald",
                              u, cap="25402800cf", keep=True)
    h.driver("Journal started", T.MID_JOURNAL_START)
    h.driver("System Journal (/var/log/journal/%s) is 1.2G, max 4.0G, 2.7G free." % h.machine_id, T.MID_JOURNAL_USAGE)
    h.job_done(u, "Started")


def user_session_ends(ctx, uid=1000, old_style=False):
    """A user's last session ends: their user manager (`systemd[pid]`) reaches its own
    shutdown.target. Older systemd logs it without USER_UNIT or MESSAGE_ID."""
    h = ctx.host
    um = h.unit("user@%d.service" % uid, "User Manager for UID %d" % uid, "user-%d.slice" % uid)
    um.invocation = h.id128()
    mgr = h.spawn_proc("systemd", "/usr/lib/systemd/systemd", "/lib/systemd/systemd --user", um, uid=uid, gid=uid)
    for target in ("default.target", "basic.target", "sockets.target"):
        h.user_manager(mgr, "Stopped target %s." % T.describe(target), None if old_style else target)
        yield 2 * MS
    h.user_manager(mgr, "Reached target Shutdown.", None if old_style else "shutdown.target",
                   None if old_style else T.MID_UNIT_STARTED)
    yield 3 * MS
    h.user_manager(mgr, "Finished Exit the Session.", None if old_style else "systemd-exit.service",
                   None if old_style else T.MID_UNIT_STARTED)
    h.user_manager(mgr, "Reached target Exit the Session.", None if old_style else "exit.target",
                   None if old_style else T.MID_UNIT_STARTED)
    yield 20 * MS
    h.job_done(um, "Stopped", job_type="stop")


def ntp_step(ctx):
    """systemd-timesyncd's first answer sets a clock that was wrong by far: the wall clock steps."""
    h = ctx.host
    ts = ctx.daemons.get("systemd-timesyncd.service")
    wrong = -h.clock_skew
    h.clock_skew = 0
    if ts:
        h.journal(ts, "Initial clock synchronization to %s." % syslog_date(h.sim.now),
                  code=("src/timesync/timesyncd-manager.c", 450, "manager_adjust_clock"))
        h.journal(ts, "Initial synchronization to time server 192.0.2.123:123 (0.debian.pool.ntp.org).",
                  code=("src/timesync/timesyncd-manager.c", 554, "manager_receive_response"),
                  extra="MESSAGE_ID=%s\n" % T.MID_TIME_SYNC)
    ctx.flags["clock_stepped"] = wrong
    return
    yield


# -- a clean shutdown ---------------------------------------------------------------
def shutdown(ctx, action="reboot"):
    """logind announces it, PID 1 stops everything, systemd-shutdown syncs, journald stops."""
    h, rng = ctx.host, ctx.rng
    lg = ctx.daemons.get("systemd-logind.service")
    verb = {"reboot": "rebooting", "poweroff": "powering down"}[action]
    h.journal(lg, "System is %s." % verb, 5, code=T.CODE_LOGIND_SHUTDOWN,
              extra="MESSAGE_ID=%s\nSHUTDOWN=%s\n" % (T.MID_SHUTDOWN, "reboot" if action == "reboot" else "power-off"),
              tag=("shutdown", action))
    yield 2 * MS
    running = [n for n in ctx.daemons if n != "systemd-udevd.service"] + ctx.flags.get("extra_units", [])
    for name in running:
        u = h.unit(name)
        h.manager(u, "Stopping %s..." % u.label, 6, T.MID_UNIT_STOPPING, T.CODE_JOB_START, "JOB_TYPE=stop\n")
        yield 300
    for name in running:
        u = h.unit(name)
        yield 5 * MS + rng.randrange(40 * MS)
        h.unit_deactivated(u)
        h.job_done(u, "Stopped", job_type="stop")
        if name in ("NetworkManager.service", "rsyslog.service", "prometheus-node-exporter.service"):
            h.unit_consumed(u, rng.randrange(400, 9000) * 10_000_000)
        p = ctx.daemons.get(name)
        if p:
            h.exit_proc(p)
    for t in ("multi-user.target", "network-online.target", "network.target", "timers.target", "sockets.target",
              "basic.target", "sysinit.target", "local-fs.target", "swap.target"):
        h.job_done(h.unit(t, slice_="-.slice"), "Stopped target", job_type="stop")
        yield 200
    yield 20 * MS
    for t in ("shutdown.target", "umount.target", "final.target"):
        h.job_done(h.unit(t, slice_="-.slice"), "Reached target", new_invocation=True)
        yield 400
    u = h.unit("systemd-reboot.service")
    h.job_done(u, "Finished", new_invocation=True)
    h.job_done(h.unit("reboot.target", slice_="-.slice"), "Reached target", new_invocation=True)
    yield 1 * MS
    h.pid1_plain("Shutting down.", 6, T.CODE_SHUTDOWN_MAIN)
    yield 30 * MS
    for text in ("Syncing filesystems and block devices.", "Sending SIGTERM to remaining processes..."):
        h.kmsg_user("systemd-shutdown", 1, text)
        yield 20 * MS
    h.kmsg_user("systemd-journald", h.journald.pid, "Received SIGTERM from PID 1 (systemd-shutdow).")
    h.driver("Journal stopped", T.MID_JOURNAL_STOP)
    ctx.flags["journal_stopped"] = True
    h.journal_on = False
    yield 200 * MS
    # After journald: only the console and kern.log would see these (rsyslog is gone, too).
    ctx.flags["frozen"] = True
