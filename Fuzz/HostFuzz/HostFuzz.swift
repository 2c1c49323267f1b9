import Analysis
import Inputs
import Pipeline
import Report
#if canImport(Glibc)
import Glibc
#endif

/// The whole analysis of a small host tree made of the input: the bytes are cut at each
/// `\n@@\n` into a journal, a kern.log, a unit file, a pstore record, a kdump dmesg, a
/// syslog and the machine's zone name; the tree is discovered, analysed and rendered in
/// every format. Any trap, hang or sanitizer report is a bug.
let layout = ["var/log/journal/65935178b7f7b28f006093b5970de8da/system.journal",
              "var/log/kern.log",
              "etc/systemd/system/polyscan.service",
              "var/lib/systemd/pstore/1707645143/dmesg-efi-170764514301001",
              "var/crash/127.0.0.1-2024-02-11-09:52/vmcore-dmesg.txt",
              "var/log/syslog",
              "etc/timezone"]

/// This process's scratch tree, made once, refilled for each input, removed at exit.
let root: String = {
    var template = Array("/tmp/postmortem-host-fuzz-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
    atexit {
        for rel in layout {
            unlink(root + "/" + rel)
            var parts = rel.split(separator: "/").dropLast()
            while !parts.isEmpty {
                rmdir(root + "/" + parts.joined(separator: "/"))
                parts = parts.dropLast()
            }
        }
        rmdir(root)
    }
    return made.map { String(cString: $0) } ?? "/tmp/postmortem-host-fuzz"
}()

func parts(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    let marker: [UInt8] = Array("\n@@\n".utf8)
    var out: [ArraySlice<UInt8>] = []
    var start = 0, i = 0
    while i + marker.count <= bytes.count, out.count < layout.count - 1 {
        if bytes[i..<(i + marker.count)].elementsEqual(marker) {
            out.append(bytes[start..<i])
            i += marker.count
            start = i
        } else {
            i += 1
        }
    }
    out.append(bytes[start...])
    return out
}

func write(_ bytes: ArraySlice<UInt8>, to rel: String) {
    var dir = ""
    for component in rel.split(separator: "/").dropLast() {
        dir += "/" + component
        mkdir(root + dir, 0o755)
    }
    let fd = open(root + "/" + rel, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { return }
    bytes.withUnsafeBytes { raw in
        var p = raw.baseAddress, left = raw.count
        while left > 0, let q = p {
            let n = Glibc.write(fd, q, left)
            if n <= 0 { break }
            left -= n
            p = q + n
        }
    }
    close(fd)
}

func fuzzOne(_ bytes: [UInt8]) {
    for rel in layout { unlink(root + "/" + rel) }
    for (rel, part) in zip(layout, parts(bytes)) { write(part, to: rel) }
    for host in InputDiscovery.discover(paths: [root], root: nil) {
        let result = HostAnalysis.run(host, options: AnalysisOptions())
        let options = RenderOptions(timeZone: .utc, width: 100)
        for format in ReportFormat.allCases {
            _ = ReportRenderer.render(result.report, as: format, options: options)
        }
        _ = TimelineRenderer.csv(result.report.timeline, options: options)
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
@_cdecl("host_fuzz_main")
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
