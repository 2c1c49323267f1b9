import Analysis
import Events
import KernelLog

/// Reads arbitrary bytes as a kernel text log under each of the names that choose a format
/// (syslog, raw dmesg, pstore, kdump), sniffs it as discovery does, puts the records on a clock, runs every typed
/// line parser over every line, reads systemd's lines as events (the syslog's and those inside the kernel's
/// lines), and analyses the file as a host without a journal. Any trap, hang or sanitizer report is a bug.
func fuzzOne(_ bytes: [UInt8]) {
    let names = ["var/log/kern.log", "var/log/messages", "dmesg", "sys/fs/pstore/dmesg-ramoops-0",
                 "var/crash/host-2024/vmcore-dmesg.txt", "journal.txt"]
    // The first byte picks the name, so the fuzzer explores each format's paths.
    let name = names[Int(bytes.first ?? 0) % names.count]
    // The second byte numbers the first line, as for a big log read from its end.
    let file = KernelLogReader.parse(bytes: bytes, path: name, modificationTime: 1_733_000_000_000_000,
                                     firstLine: Int(bytes.dropFirst().first ?? 0) &* 1_000_003 &+ 1)
    _ = KernelClock.place(files: [file], journal: [])
    _ = file.skipped.summary(path: name)
    // Discovery's look at a file's first bytes, cut anywhere.
    _ = TextLogSniff.sniff(bytes, complete: bytes.count % 2 == 0).isLog
    for m in file.messages.prefix(64) { _ = m.record.text.utf8.count &+ (m.pid ?? 0) }
    var header: OOMTaskHeader?
    for record in file.records.prefix(4096) {
        let text = record.text
        _ = KernelMessage.classify(text)
        _ = OOMKillLine(text)
        _ = OOMVictimSelectedLine(text)
        _ = OOMSummaryLine(text)
        _ = OOMInvokedLine(text)
        if let h = OOMTaskHeader(text) { header = h }
        _ = OOMTaskRow(text, header: header)
        _ = HungTaskLine(text)
        _ = SoftLockupLine(text)
        _ = ForkRejectedLine(text)
        _ = IOErrorLine(text)
        if case .commandLine(let c)? = KernelHostLine.parse(text) { _ = KernelCommandLine(c).int("pid_max") }
        if let sender = KmsgSender(text) { _ = sender.message.utf8.count &+ sender.pid }
    }
    // systemd's lines to events, units named by description as a text boot reads them.
    var unitNames = JournalEventExtractor.UnitNames()
    for m in file.messages.prefix(4096) {
        unitNames.descriptions.learn(text: m.record.text, identifier: m.identifier, pid: m.pid, time: m.record.wallclockUSec ?? 0)
    }
    for m in file.messages.prefix(4096) {
        _ = JournalEventExtractor.event(text: m.record.text, identifier: m.identifier, pid: m.pid, time: m.record.wallclockUSec ?? 0,
                                        ref: .none, names: &unitNames)
        _ = unitNames.descriptions.leavesUnitUnknown(text: m.record.text, identifier: m.identifier, pid: m.pid)
    }
    // The whole analysis of a small file (a large one costs the fuzzer its speed; HostFuzz reads trees).
    if bytes.count <= 4096 {
        _ = Analyzer.analyze(AnalysisInput(journal: nil, kernelLogs: [file]), options: AnalysisOptions())
    }
}

// libFuzzer glue, as in Fuzz/JournalFuzz.
#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func LLVMFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM renames an executable's entry point to `<module>_main`; hand it to libFuzzer's driver.
@_cdecl("kernel_log_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, LLVMFuzzerTestOneInput)
}
#else
import Foundation

/// Without the fuzzer: replays the given files (crash reproducers, corpus seeds).
@main
struct Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            fuzzOne([UInt8](data))
            print("ok \(path)")
        }
    }
}
#endif
