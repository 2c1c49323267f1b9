import Foundation
import KernelLog
@testable import Analysis

/// Kernel text logs of a host tree: `var/log/kern.log` and the pstore records.
enum KernelInputs {
    static func add(root: String, to input: inout AnalysisInput) {
        let kern = root + "/var/log/kern.log"
        if FileManager.default.fileExists(atPath: kern), let f = try? KernelLogReader.read(path: kern) {
            input.kernelLogs.append(f)
        }
        let pstore = root + "/var/lib/systemd/pstore"
        if FileManager.default.fileExists(atPath: pstore) {
            input.kernelLogs += PstoreReader.read(directory: pstore)
        }
    }
}
