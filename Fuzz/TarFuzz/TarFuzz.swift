import Compression
import Inputs
import Journal

#if canImport(Glibc)
import Glibc
#endif

/// Reads arbitrary bytes as a tar archive, plain or compressed (expanded with a small
/// limit, as an archive bomb would be), and walks every member as discovery does: the data
/// of files and hard links, symlink targets. Bytes that start like a zip or 7-Zip archive are
/// written to a file and discovered as one (libarchive's path), and every text found is loaded.
/// Any trap, hang or sanitizer report is a bug.
func fuzzOne(_ bytes: [UInt8]) {
    if bytes.starts(with: [0x50, 0x4B]) || bytes.starts(with: [0x37, 0x7A, 0xBC, 0xAF]) {
        fuzzZip(bytes)
    }
    var archives = [TarArchive(bytes: bytes)]
    if let algorithm = bytes.withUnsafeBytes({ CompressionAlgorithm.sniff($0) }) {
        let (expanded, _) = bytes.withUnsafeBytes { algorithm.expandKeepingPartial($0, limit: 16 << 20) }
        archives.append(TarArchive(store: SharedBytes(adopting: expanded)))
    }
    for archive in archives {
        _ = archive.problems.map(\.description)
        var total = 0
        for member in archive.members.prefix(10_000) {
            switch member.kind {
            case .file, .hardlink:
                // A member's range must lie inside the archive's bytes.
                if let first = archive.store.copy(member.range.lowerBound..<min(member.range.upperBound, member.range.lowerBound + 64)).first {
                    total &+= Int(first)
                }
                if member.path.hasSuffix(".journal"),
                   let file = try? JournalFile(name: member.path, shared: archive.store, range: member.range) {
                    total &+= file.health.fileSize
                }
            case .symlink(let target): total &+= target.utf8.count
            case .directory, .other: break
            }
            total &+= member.path.utf8.count
        }
        _ = total
    }
}

/// This process's zip file, rewritten for each input.
let zipPath: String = {
    var template = Array("/tmp/postmortem-tar-fuzz-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
    let dir = made.map { String(cString: $0) } ?? "/tmp"
    atexit {
        unlink(zipPath)
        rmdir(String(zipPath.dropLast("/input.zip".count)))
    }
    return dir + "/input.zip"
}()

func fuzzZip(_ bytes: [UInt8]) {
    let fd = open(zipPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return }
    _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    for host in InputDiscovery.discover(paths: [zipPath], root: nil) {
        _ = host.problems.map(\.description)
        for text in host.kernelLogs + host.pstore + host.kdump { _ = try? text.load(limit: 16 << 20) }
        for journal in host.journalFiles { _ = try? journal.open() }
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
@_cdecl("tar_fuzz_main")
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
