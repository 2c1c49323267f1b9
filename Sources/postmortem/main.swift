import ArgumentParser
import Pipeline
#if canImport(Glibc)
import Glibc
#endif

// Usage errors exit 2 (argument-parser's default is 64); everything else as the command says.
do {
    var command = try PostmortemCommand.parseAsRoot()
    try command.run()
} catch {
    let code = PostmortemCommand.exitCode(for: error)
    if code == .validationFailure {
        Console.error(PostmortemCommand.fullMessage(for: error))
        exit(2)
    }
    PostmortemCommand.exit(withError: error)
}
