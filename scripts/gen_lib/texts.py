"""Message texts as systemd 252 (Debian 12) and Linux 6.1 (Debian 6.1.76-1) print them."""

KERNEL_RELEASE = "6.1.0-18-amd64"
KERNEL_BANNER = ("Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, "
                 "GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)")
# Debian's version.patch adds the package version to hung-task and dump_stack lines.
HUNG_TAINT = "      Not tainted 6.1.0-18-amd64 #1 Debian 6.1.76-1"
DUMP_VERSION = "6.1.0-18-amd64 #1  Debian 6.1.76-1"
HARDWARE = "Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.2-debian-1.16.2-1 04/01/2014"
SYSTEMD_BANNER = ("systemd 252.22-1~deb12u1 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK "
                  "+SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD "
                  "+LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD "
                  "-BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified)")
MODULES = ("Modules linked in: nft_chain_nat xt_MASQUERADE nf_nat nf_conntrack_netlink xfrm_user xfrm_algo "
           "br_netfilter bridge stp llc nls_ascii nls_cp437 vfat fat intel_rapl_msr intel_rapl_common "
           "kvm_intel kvm irqbypass ghash_clmulni_intel sha512_ssse3 sha512_generic aesni_intel crypto_simd "
           "cryptd rapl virtio_balloon evdev joydev serio_raw pcspkr button sg loop fuse efi_pstore dm_mod "
           "configfs ip_tables x_tables autofs4 ext4 crc16 mbcache jbd2 crc32c_generic virtio_net "
           "net_failover failover virtio_blk ahci libahci libata scsi_mod crc32_pclmul crc32c_intel "
           "virtio_pci virtio_pci_legacy_dev virtio_pci_modern_dev virtio scsi_common psmouse virtio_ring")

# sd-messages.h
MID_JOURNAL_START = "f77379a8490b408bbe5f6940505a777b"
MID_JOURNAL_STOP = "d93fb3c9c24d451a97cea615ce59c00b"
MID_JOURNAL_USAGE = "ec387f577b844b8fa948f33cad9a75e6"
MID_STARTUP_FINISHED = "b07a249cd024414a82dd00cd181378ff"
MID_SHUTDOWN = "98268866d1d54a499c4e98921d93bc40"
MID_SESSION_START = "8d45620c1a4348dbb17410da57c60c66"
MID_SESSION_STOP = "3354939424b4456d9802ca8333ed424a"
MID_UNIT_STARTING = "7d4958e842da4a758f6c1cdc7b36dcc5"
MID_UNIT_STARTED = "39f53479d3a045ac8e11786248231fbf"
MID_UNIT_FAILED = "be02cf6855d2428ba40df7e9d022f03d"
MID_UNIT_STOPPING = "de5b426a63be47a7b6ac3eaac82e2f6f"
MID_UNIT_STOPPED = "9d1aaa27d60140bd96365438aad20286"
MID_UNIT_SUCCESS = "7ad2d189f7e94e70a38c781354912448"
MID_UNIT_RESULT = "d9b373ed55a64feb8242e02dbe79a49c"
MID_PROCESS_EXIT = "98e322203f7a4ed290d09fe03c09fe15"
MID_RESTART_SCHEDULED = "5eb03494b6584870a536b337290809b3"
MID_UNIT_OOM = "fe6faa94e7774663a0da52717891d8ef"
MID_UNIT_RESOURCES = "ae8f7b866b0347b9af31fe1c80b127c0"
MID_TIME_SYNC = "7c8a41f37b764941a0e1780b1be2f037"

# (CODE_FILE, CODE_LINE, CODE_FUNC) of the PID 1 call sites in v252.
CODE_JOB_START = ("src/core/job.c", 596, "job_emit_start_message")
CODE_JOB_DONE = ("src/core/job.c", 768, "job_emit_done_message")
CODE_PROCESS_EXIT = ("src/core/unit.c", 5553, "unit_log_process_exit")
CODE_UNIT_FAILURE = ("src/core/unit.c", 5515, "unit_log_failure")
CODE_UNIT_SUCCESS = ("src/core/unit.c", 5501, "unit_log_success")
CODE_RESTART = ("src/core/service.c", 2456, "service_enter_restart")
CODE_OOM = ("src/core/unit.c", 3785, "unit_check_oom")
CODE_START_LIMIT = ("src/core/unit.c", 1898, "unit_test_start_limit")
CODE_RESOURCES = ("src/core/unit.c", 2367, "unit_log_resources")
CODE_STARTUP = ("src/core/manager.c", 3728, "manager_notify_finished")
CODE_SHUTDOWN_MAIN = ("src/core/main.c", 1623, "become_shutdown")
CODE_LOGIND_SHUTDOWN = ("src/login/logind-dbus.c", 1654, "bus_manager_log_shutdown")
CODE_LOGIND_SESSION_NEW = ("src/login/logind-session.c", 800, "session_start")
CODE_LOGIND_SESSION_GONE = ("src/login/logind-session.c", 943, "session_finalize")

DESCRIPTIONS = {
    "polyscan.service": "Polyscan worker",
    "video-pipeline.service": "Video transcoding pipeline",
    "worker.service": "Batch worker",
    "forker.service": "Job fan-out dispatcher",
    "backup-agent.service": "Backup agent",
    "systemd-journald.service": "Journal Service",
    "systemd-udevd.service": "Rule-based Manager for Device Events and Files",
    "systemd-udev-trigger.service": "Coldplug All udev Devices",
    "systemd-tmpfiles-setup-dev.service": "Create Static Device Nodes in /dev",
    "systemd-remount-fs.service": "Remount Root and Kernel File Systems",
    "systemd-random-seed.service": "Load/Save Random Seed",
    "systemd-sysctl.service": "Apply Kernel Variables",
    "systemd-modules-load.service": "Load Kernel Modules",
    "systemd-journal-flush.service": "Flush Journal to Persistent Storage",
    "systemd-tmpfiles-setup.service": "Create Volatile Files and Directories",
    "systemd-update-utmp.service": "Record System Boot/Shutdown in UTMP",
    "systemd-timesyncd.service": "Network Time Synchronization",
    "systemd-logind.service": "User Login Management",
    "systemd-user-sessions.service": "Permit User Sessions",
    "systemd-pstore.service": "Platform Persistent Storage Archival",
    "systemd-tmpfiles-clean.service": "Cleanup of Temporary Directories",
    "systemd-fsck-root.service": "File System Check on Root Device",
    "systemd-reboot.service": "System Reboot",
    "apparmor.service": "Load AppArmor profiles",
    "keyboard-setup.service": "Set the console keyboard layout",
    "console-setup.service": "Set console font and keymap",
    "NetworkManager.service": "Network Manager",
    "NetworkManager-wait-online.service": "Network Manager Wait Online",
    "cron.service": "Regular background program processing daemon",
    "dbus.service": "D-Bus System Message Bus",
    "rsyslog.service": "System Logging Service",
    "ssh.service": "OpenBSD Secure Shell server",
    "polkit.service": "Authorization Manager",
    "smartmontools.service": "Self Monitoring and Reporting Technology (SMART) Daemon",
    "prometheus-node-exporter.service": "Prometheus exporter for machine metrics",
    "postgresql@15-main.service": "PostgreSQL Cluster 15-main",
    "nginx.service": "A high performance web server and a reverse proxy server",
    "getty@tty1.service": "Getty on tty1",
    "serial-getty@ttyS0.service": "Serial Getty on ttyS0",
    "e2scrub_reap.service": "Remove Stale Online ext4 Metadata Check Snapshots",
    "unattended-upgrades.service": "Unattended Upgrades Shutdown",
    "sysstat-collect.service": "system activity accounting tool",
    "logrotate.service": "Rotate log files",
    "user@1000.service": "User Manager for UID 1000",
    "user-runtime-dir@1000.service": "User Runtime Directory /run/user/1000",
    "dbus.socket": "D-Bus System Message Bus Socket",
    "systemd-journald.socket": "Journal Socket",
    "systemd-journald-dev-log.socket": "Journal Socket (/dev/log)",
    "systemd-udevd-control.socket": "udev Control Socket",
    "systemd-udevd-kernel.socket": "udev Kernel Socket",
    "uuidd.socket": "UUID daemon activation socket",
    "sys-kernel-debug.mount": "Kernel Debug File System",
    "sys-kernel-tracing.mount": "Kernel Trace File System",
    "dev-hugepages.mount": "Huge Pages File System",
    "dev-mqueue.mount": "POSIX Message Queue File System",
    "var-lib-postgresql.mount": "/var/lib/postgresql",
    "apt-daily.timer": "Daily apt download activities",
    "apt-daily-upgrade.timer": "Daily apt upgrade and clean activities",
    "logrotate.timer": "Daily rotation of log files",
    "man-db.timer": "Daily man-db regeneration",
    "fstrim.timer": "Discard unused blocks once a week",
    "e2scrub_all.timer": "Periodic ext4 Online Metadata Check for All Filesystems",
    "systemd-tmpfiles-clean.timer": "Daily Cleanup of Temporary Directories",
    "sysstat-collect.timer": "Run system activity accounting tool every 10 minutes",
    "local-fs-pre.target": "Preparation for Local File Systems",
    "local-fs.target": "Local File Systems",
    "swap.target": "Swaps",
    "sysinit.target": "System Initialization",
    "sockets.target": "Socket Units",
    "timers.target": "Timer Units",
    "paths.target": "Path Units",
    "slices.target": "Slice Units",
    "basic.target": "Basic System",
    "network-pre.target": "Preparation for Network",
    "network.target": "Network",
    "network-online.target": "Network is Online",
    "nss-user-lookup.target": "User and Group Name Lookups",
    "getty.target": "Login Prompts",
    "time-set.target": "System Time Set",
    "multi-user.target": "Multi-User System",
    "remote-fs.target": "Remote File Systems",
    "cryptsetup.target": "Local Encrypted Volumes",
    "integritysetup.target": "Local Integrity Protected Volumes",
    "veritysetup.target": "Local Verity Protected Volumes",
    "shutdown.target": "System Shutdown",
    "final.target": "Late Shutdown Services",
    "reboot.target": "System Reboot",
    "umount.target": "Unmount All Filesystems",
    "system-getty.slice": "Slice /system/getty",
    "system-serial\\x2dgetty.slice": "Slice /system/serial-getty",
    "system-postgresql.slice": "Slice /system/postgresql",
    "user-1000.slice": "User Slice of UID 1000",
}


def describe(name):
    return DESCRIPTIONS.get(name, name)


EXIT_STATUS = {0: "SUCCESS", 1: "FAILURE", 2: "INVALIDARGUMENT", 3: "NOTIMPLEMENTED", 4: "NOPERMISSION",
               5: "NOTINSTALLED", 6: "NOTCONFIGURED", 7: "NOTRUNNING", 203: "EXEC", 217: "USER"}
SIGNALS = {6: "ABRT", 9: "KILL", 11: "SEGV", 15: "TERM"}


def exit_status_text(code, status):
    if code == "exited":
        return EXIT_STATUS.get(status, str(status))
    return SIGNALS.get(status, str(status))


def timespan(usec):
    """format_timespan(..., USEC_PER_MSEC) as systemctl/PID 1 print it."""
    if usec < 1000:
        return "%dus" % usec
    msec = usec // 1000
    parts = []
    for unit, n in (("h", 3600_000), ("min", 60_000)):
        if msec >= n:
            parts.append("%d%s" % (msec // n, unit))
            msec %= n
    if msec >= 1000:
        s, ms = divmod(msec, 1000)
        parts.append(("%d.%03ds" % (s, ms)).replace(".000s", "s") if ms else "%ds" % s)
    elif msec or not parts:
        parts.append("%dms" % msec)
    return " ".join(parts)


def dump_stack_head(cpu, pid, comm, tainted=None):
    t = "Not tainted" if tainted is None else "Tainted: %s" % tainted
    return ["CPU: %d PID: %d Comm: %s %s %s" % (cpu, pid, comm, t, DUMP_VERSION), HARDWARE]


def call_trace(frames):
    return ["Call Trace:", " <TASK>"] + [" " + f for f in frames] + [" </TASK>"]


TRACE_OOM_GLOBAL = ["dump_stack_lvl+0x44/0x5c", "dump_header+0x4a/0x211", "oom_kill_process.cold+0xb/0x10",
                    "out_of_memory+0x1fd/0x4c0", "__alloc_pages_slowpath.constprop.0+0xc67/0xe30",
                    "__alloc_pages+0x305/0x330", "folio_alloc+0x17/0x50", "__filemap_get_folio+0x155/0x340",
                    "filemap_fault+0x139/0x910", "__do_fault+0x31/0x80", "do_fault+0x1b6/0x410",
                    "__handle_mm_fault+0x660/0xfa0", "handle_mm_fault+0xdb/0x2d0",
                    "do_user_addr_fault+0x191/0x550", "exc_page_fault+0x70/0x170", "asm_exc_page_fault+0x22/0x30"]
TRACE_OOM_MEMCG = ["dump_stack_lvl+0x44/0x5c", "dump_header+0x4a/0x211", "oom_kill_process.cold+0xb/0x10",
                   "out_of_memory+0x1fd/0x4c0", "mem_cgroup_out_of_memory+0x134/0x150",
                   "try_charge_memcg+0x696/0x780", "charge_memcg+0x39/0xf0", "__mem_cgroup_charge+0x28/0x80",
                   "__handle_mm_fault+0xb30/0xfa0", "handle_mm_fault+0xdb/0x2d0", "do_user_addr_fault+0x191/0x550",
                   "exc_page_fault+0x70/0x170", "asm_exc_page_fault+0x22/0x30"]
USER_REGS = ["RIP: 0033:0x7f6c1d2a8a3d",
             "Code: Unable to access opcode bytes at 0x7f6c1d2a8a13.",
             "RSP: 002b:00007ffc9a1e3b28 EFLAGS: 00010206",
             "RAX: 00007f5a3c000000 RBX: 0000000000a00000 RCX: 00007f5a3c9ff010",
             "RDX: 0000000000a00000 RSI: 0000000000000000 RDI: 00007f5a3c000010",
             "RBP: 00007ffc9a1e3b70 R08: 00000000ffffffff R09: 0000000000000000",
             "R10: 0000000000000022 R11: 0000000000000246 R12: 0000000000a00000",
             "R13: 00007f5a3c000010 R14: 0000000000000000 R15: 00005612a4d2c2a0"]

TRACE_JBD2 = ["__schedule+0x34d/0x9e0", "schedule+0x5a/0xd0", "io_schedule+0x42/0x70", "bit_wait_io+0xd/0x60",
              "__wait_on_bit+0x4b/0x140", "out_of_line_wait_on_bit+0x91/0xb0",
              "jbd2_journal_commit_transaction+0x1609/0x1860 [jbd2]", "kjournald2+0xab/0x280 [jbd2]",
              "kthread+0xd7/0x100", "ret_from_fork+0x1f/0x30"]
TRACE_FSYNC = ["__schedule+0x34d/0x9e0", "schedule+0x5a/0xd0", "io_schedule+0x42/0x70",
               "folio_wait_bit_common+0x13d/0x350", "folio_wait_writeback+0x28/0x80",
               "__filemap_fdatawait_range+0x8a/0x110", "file_write_and_wait_range+0x81/0xa0",
               "ext4_sync_file+0xfd/0x330 [ext4]", "__x64_sys_fsync+0x3b/0x70", "do_syscall_64+0x55/0xb0",
               "entry_SYSCALL_64_after_hwframe+0x6e/0xd8"]
TRACE_JOURNAL_WAIT = ["__schedule+0x34d/0x9e0", "schedule+0x5a/0xd0",
                      "jbd2_log_wait_commit+0xdd/0x140 [jbd2]", "ext4_sync_file+0x1b0/0x330 [ext4]",
                      "__x64_sys_fsync+0x3b/0x70", "do_syscall_64+0x55/0xb0",
                      "entry_SYSCALL_64_after_hwframe+0x6e/0xd8"]
TRACE_SOFTLOCKUP = ["watchdog_timer_fn+0x1b0/0x210", "__hrtimer_run_queues+0x112/0x2b0",
                    "hrtimer_interrupt+0xf4/0x210", "__sysvec_apic_timer_interrupt+0x5d/0x110",
                    "sysvec_apic_timer_interrupt+0x69/0x90"]
TRACE_PANIC = ["dump_stack_lvl+0x44/0x5c", "panic+0x118/0x2ed", "watchdog_timer_fn.cold+0x1b/0x1b",
               "__hrtimer_run_queues+0x112/0x2b0", "hrtimer_interrupt+0xf4/0x210",
               "__sysvec_apic_timer_interrupt+0x5d/0x110", "sysvec_apic_timer_interrupt+0x69/0x90"]


def hung_task(comm, pid, ppid, frames, flags="0x00004000", secs=120):
    return [(3, "INFO: task %s:%d blocked for more than %d seconds." % (comm, pid, secs)),
            (3, HUNG_TAINT),
            (3, "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message."),
            (6, "task:%-15.15s state:D stack:0     pid:%-5d ppid:%-6d flags:%s" % (comm, pid, ppid, flags))] + \
        [(4, line) for line in call_trace(frames)]


def soft_lockup(cpu, secs, comm, pid, rip):
    return [(0, "watchdog: BUG: soft lockup - CPU#%d stuck for %ds! [%s:%d]" % (cpu, secs, comm, pid)),
            (4, MODULES),
            (4, "CPU: %d PID: %d Comm: %s Tainted: G             L     %s" % (cpu, pid, comm, DUMP_VERSION)),
            (4, HARDWARE),
            (4, "RIP: 0010:%s" % rip),
            (4, "Code: 48 8b 45 00 48 39 c5 74 3a 48 8b 55 08 48 89 d7 e8 0c 6f 1d 00 84 c0 75 08 f3 90 "
                "<48> 8b 45 00 eb e0 48 8b 4d 08 48 8b 55 00"),
            (4, "RSP: 0018:ffffb3a6c0d1fb60 EFLAGS: 00000246"),
            (4, "RAX: 0000000000000000 RBX: ffff9d1c83a1c000 RCX: 0000000000000001"),
            (4, "Call Trace:"), (4, " <IRQ>")] + [(4, " " + f) for f in TRACE_SOFTLOCKUP] + \
        [(4, " </IRQ>"), (4, " <TASK>"), (4, " asm_sysvec_apic_timer_interrupt+0x16/0x20"),
         (4, " RIP: 0010:%s" % rip), (4, " </TASK>")]


def panic_lines(reason, cpu, pid, comm):
    return [(0, "Kernel panic - not syncing: %s" % reason)] + \
        [(4, line) for line in dump_stack_head(cpu, pid, comm, "G             L    ")] + \
        [(4, line) for line in call_trace(TRACE_PANIC)] + \
        [(0, "Kernel Offset: 0x2a800000 from 0xffffffff81000000 (relocation range: "
             "0xffffffff80000000-0xffffffffbfffffff)")]


PANIC_END = "---[ end Kernel panic - not syncing: %s ]---"


def mem_info(free_kb, anon_kb, file_kb, total_pages=6291327):
    """show_mem() for a 24 GiB box without swap, nearly exhausted."""
    free_p, anon_p, file_p = free_kb // 4, anon_kb // 4, file_kb // 4
    return [
        (4, "Mem-Info:"),
        (4, "active_anon:%d inactive_anon:%d isolated_anon:0\n active_file:%d inactive_file:%d isolated_file:0\n"
            " unevictable:0 dirty:0 writeback:0\n slab_reclaimable:21488 slab_unreclaimable:38022\n"
            " mapped:2412 shmem:4810 pagetables:33612\n sec_pagetables:0 bounce:0\n"
            " kernel_misc_reclaimable:0\n free:%d free_pcp:0 free_cma:0"
            % (anon_p * 95 // 100, anon_p * 5 // 100, file_p // 2, file_p - file_p // 2, free_p)),
        (4, "Node 0 active_anon:%dkB inactive_anon:%dkB active_file:%dkB inactive_file:%dkB unevictable:0kB "
            "isolated(anon):0kB isolated(file):0kB mapped:9648kB dirty:0kB writeback:0kB shmem:19240kB "
            "shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 2048kB writeback_tmp:0kB kernel_stack:6512kB "
            "pagetables:134448kB sec_pagetables:0kB all_unreclaimable? yes"
            % (anon_kb * 95 // 100, anon_kb * 5 // 100, file_kb // 2, file_kb - file_kb // 2)),
        (4, "Node 0 DMA free:11264kB boost:0kB min:32kB low:44kB high:56kB reserved_highatomic:0KB "
            "active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB "
            "writepending:0kB present:15992kB managed:15360kB mlocked:0kB bounce:0kB free_pcp:0kB "
            "local_pcp:0kB free_cma:0kB"),
        (4, "lowmem_reserve[]: 0 2991 23951 23951 23951"),
        (4, "Node 0 Normal free:%dkB boost:0kB min:67080kB low:88048kB high:109016kB reserved_highatomic:0KB "
            "active_anon:%dkB inactive_anon:%dkB active_file:%dkB inactive_file:%dkB unevictable:0kB "
            "writepending:0kB present:21495808kB managed:21145224kB mlocked:0kB bounce:0kB free_pcp:248kB "
            "local_pcp:0kB free_cma:0kB" % (free_kb - 11264 - 36000, anon_kb * 88 // 100, anon_kb * 4 // 100,
                                             file_kb // 2, file_kb - file_kb // 2)),
        (4, "lowmem_reserve[]: 0 0 0 0 0"),
        (4, "Node 0 DMA: 0*4kB 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 1*1024kB (U) 1*2048kB (M) "
            "2*4096kB (M) = 11264kB"),
        (4, "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=1048576kB"),
        (4, "Node 0 hugepages_total=0 hugepages_free=0 hugepages_surp=0 hugepages_size=2048kB"),
        (4, "%d total pagecache pages" % (file_p + 4810)),
        (4, "0 pages in swap cache"),
        (4, "Free swap  = 0kB"),
        (4, "Total swap = 0kB"),
        (4, "%d pages RAM" % total_pages),
        (4, "0 pages HighMem/MovableOnly"),
        (4, "151923 pages reserved"),
        (4, "0 pages hwpoisoned"),
    ]


def task_row(pid, uid, tgid, total_vm, rss, pgtables_bytes, swapents, adj, name):
    return "[%7d] %5d %5d %8d %8d %8d %8d         %5d %s" % (pid, uid, tgid, total_vm, rss, pgtables_bytes,
                                                              swapents, adj, name)


TASK_HEADER = "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name"
