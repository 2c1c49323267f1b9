import ArgumentParser
import KernelLog
import Pipeline
#if canImport(Glibc)
import Glibc
#endif

// Usage errors exit 2 (argument-parser's default is 64); output that could not be written
// exits 1 with one line; everything else as the command says.
do {
    var command = try PostmortemCommand.parseAsRoot()
    try command.run()
    if let reason = Console.writeFailure {
        Console.error("postmortem: cannot write to standard output: \(reason)")
        exit(1)
    }
} catch let failure as OutputFailure {
    Console.error("postmortem: \(failure)")
    exit(1)
} catch let failure as FileOutput.Failure {
    // A report folder or fleet file that cannot be written: the path and the system's reason.
    Console.error("postmortem: \(failure)")
    exit(1)
} catch {
    if let reason = Console.writeFailure {
        Console.error("postmortem: cannot write to standard output: \(reason)")
        exit(1)
    }
    let code = PostmortemCommand.exitCode(for: error)
    if code == .validationFailure {
        // The usage text is ours and spans lines; what the user typed in it was made printable.
        for line in PostmortemCommand.fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false) {
            Console.error(String(line))
        }
        exit(2)
    }
    PostmortemCommand.exit(withError: error)
}
