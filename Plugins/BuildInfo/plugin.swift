import Foundation
import PackagePlugin

/// Stamps the `postmortem` executable with the git commit and the build date (`BuildStamp`),
/// for `postmortem --version`. A build command, not a prebuild one: SwiftPM skips prebuild
/// commands on incremental builds, while a build command runs again whenever its inputs
/// change, here the files git rewrites when HEAD moves (HEAD, its reflog, the branch's ref).
/// The file is rewritten only when the stamp changed, so nothing else is recompiled.
/// Outside a git checkout of this package (a source tarball) the commit is `unknown`.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let package = context.package.directoryURL
        let output = context.pluginWorkDirectoryURL.appending(path: "BuildStamp.swift")
        // SOURCE_DATE_EPOCH (reproducible builds) fixes the date when it is set.
        let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] ?? ""
        return [.buildCommand(
            displayName: "Stamping postmortem with its git commit and build date",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", Self.script, "stamp", package.path, output.path, epoch],
            inputFiles: Self.gitFiles(package),
            outputFiles: [output])]
    }

    /// The files of the checkout at `package` that change when HEAD moves; none outside a checkout.
    static func gitFiles(_ package: URL) -> [URL] {
        let fm = FileManager.default
        let dotGit = package.appending(path: ".git")
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: dotGit.path, isDirectory: &isDirectory) else { return [] }
        var gitDir = dotGit
        if !isDirectory.boolValue {
            // A worktree or submodule: `.git` is a file saying `gitdir: <path>`.
            guard let text = try? String(contentsOf: dotGit, encoding: .utf8),
                  let line = text.split(separator: "\n").first, line.hasPrefix("gitdir: ") else { return [] }
            let path = String(line.dropFirst("gitdir: ".count))
            gitDir = path.hasPrefix("/") ? URL(fileURLWithPath: path) : package.appending(path: path)
        }
        var common = gitDir
        if let text = try? String(contentsOf: gitDir.appending(path: "commondir"), encoding: .utf8) {
            let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
            common = path.hasPrefix("/") ? URL(fileURLWithPath: path) : gitDir.appending(path: path)
        }
        var files = [gitDir.appending(path: "HEAD"), gitDir.appending(path: "logs/HEAD"), common.appending(path: "packed-refs")]
        if let head = try? String(contentsOf: gitDir.appending(path: "HEAD"), encoding: .utf8), head.hasPrefix("ref: ") {
            files.append(common.appending(path: head.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        return files.filter { fm.fileExists(atPath: $0.path) }
    }

    /// `$1` the package folder, `$2` the file to write, `$3` SOURCE_DATE_EPOCH or empty.
    /// The commit counts only when `$1` is the top of its own checkout, not a folder that
    /// happens to lie inside some other repository.
    static let script = #"""
        set -u
        src=$1; out=$2; epoch=$3
        commit=unknown
        top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) || top=
        if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$src" && pwd -P)" ]; then
            commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
        fi
        if [ -n "$epoch" ]; then
            date=$(date -u -d "@$epoch" +%Y-%m-%d 2>/dev/null) || date=unknown
        else
            date=$(date -u +%Y-%m-%d 2>/dev/null) || date=unknown
        fi
        mkdir -p "$(dirname "$out")" || exit 1
        new="$out.new"
        cat > "$new" <<STAMP || exit 1
        // Generated at build time by Plugins/BuildInfo; not in git.
        enum BuildStamp {
            static let commit = "$commit"
            static let date = "$date"
        }
        STAMP
        if cmp -s "$new" "$out"; then rm -f "$new"; else mv -f "$new" "$out"; fi
        """#
}
