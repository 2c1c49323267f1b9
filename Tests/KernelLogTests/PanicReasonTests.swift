import Testing
import KernelLog

/// `KernelMessage.panicReason`: the words after `not syncing:`, as the kernel's `panic()` calls
/// print them (messages from kernel/hung_task.c, kernel/watchdog.c, mm/oom_kill.c,
/// kernel/exit.c and init/do_mounts.c, Linux v6.x).
struct PanicReasonTests {
    @Test("the reason of real panic lines, and of the end-of-panic trailer", arguments: [
        ("Kernel panic - not syncing: hung_task: blocked tasks", "hung_task: blocked tasks"),
        ("Kernel panic - not syncing: softlockup: hung tasks", "softlockup: hung tasks"),
        ("Kernel panic - not syncing: Out of memory and no killable processes...", "Out of memory and no killable processes..."),
        ("Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009", "Attempted to kill init! exitcode=0x00000009"),
        ("Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)", "VFS: Unable to mount root fs on unknown-block(0,0)"),
        ("---[ end Kernel panic - not syncing: Fatal exception ]---", "Fatal exception"),
    ])
    func reasons(_ line: String, _ reason: String) {
        #expect(KernelMessage.panicReason(line) == reason)
    }

    @Test("no reason where there is none", arguments: [
        "Kernel panic - not syncing:", "Kernel panic - not syncing:   ",
        "watchdog: BUG: soft lockup - CPU#1 stuck for 134s! [syz-executor4:4588]",
        "Kernel command line: BOOT_IMAGE=/vmlinuz panic=10 hung_task_panic=1",
        "Oops: general protection fault, probably for non-canonical address 0xdffffc0000000000: 0000 [#1] PREEMPT SMP KASAN",
    ])
    func none(_ line: String) {
        #expect(KernelMessage.panicReason(line) == nil)
    }
}
