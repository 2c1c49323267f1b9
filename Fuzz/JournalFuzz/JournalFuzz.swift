import Journal

/// Reads arbitrary bytes as a journal file through every path the analysis uses. Any
/// trap, hang or sanitizer report is a bug in the reader.
func fuzzOne(_ bytes: [UInt8]) {
    guard let file = try? JournalFile(name: "fuzz-input", bytes: bytes) else { return }
    let reader = JournalReader(files: [file])
    var out: [UInt8] = []
    reader.forEachEntry { e in
        ExportFormat.appendExport(e, to: &out)
        if out.count > 1 << 20 { out.removeAll(keepingCapacity: true) }
    }
    reader.forEachEntry(fields: .only(["MESSAGE", "_PID"])) { _ in }
    // The analysis pass and the export fast path, each with its own cache of DATA objects.
    var total = 0
    var locations: [EntryLocation] = []
    reader.scan(fields: ["MESSAGE", "_PID", "MESSAGE_ID", "UNIT", "_BOOT_ID"]) { v in
        for slot in 0..<6 { total &+= v.value(slot)?.count ?? 0 }
        if locations.count < 8 { locations.append(v.location) }
    }
    for l in locations { _ = reader.entry(at: l, fields: .only(["MESSAGE"])) }
    reader.writeExport { chunk in total &+= chunk.count }
    reader.forEachEntry(matching: "MESSAGE_ID", value: "5eb03494b6584870a536b337290809b3") { _ in }
    _ = reader.values(ofField: "_SYSTEMD_UNIT")
    _ = reader.firstAppearances(ofField: "_PID")
    _ = reader.health.map { ($0.missingBytes, $0.isDamaged, $0.entriesRead) }
    // The same bytes as a journalctl dump: made into journal files, which are then read.
    for format in [JournalTextFormat.export, .json, .verbose] {
        let made = JournalTextImport.convert(SharedBytes(bytes: bytes), format: format, path: "fuzz-input")
        for f in made.files {
            guard let file = try? JournalFile(name: f.name, shared: f.bytes, range: 0..<f.bytes.count) else { continue }
            JournalReader(files: [file]).forEachEntry { e in total &+= e.fields.count }
        }
    }
    _ = total
}

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
@_cdecl("journal_fuzz_main")
public func journalFuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, LLVMFuzzerTestOneInput)
}
#else
import Foundation

/// Without the fuzzer: replays the given files (crash reproducers, corpus seeds).
@main
struct JournalFuzzReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            fuzzOne([UInt8](data))
            print("ok \(path)")
        }
    }
}
#endif
