/// What `postmortem --version` prints. The version is set here by hand; the commit and the
/// date come from `BuildStamp`, which `Plugins/BuildInfo` generates at build time.
enum BuildInfo {
    static let version = "0.1.0"

    /// `0.1.0 (commit 1a2b3c4d5e6f, built 2026-12-04)`; `unknown` for what the build could not tell.
    static var versionLine: String {
        "\(version) (commit \(BuildStamp.commit), built \(BuildStamp.date))"
    }
}
