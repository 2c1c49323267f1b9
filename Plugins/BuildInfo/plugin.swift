import Foundation
import PackagePlugin

/// Stamps the `postmortem` executable with the git commit and the build date (`BuildStamp`),
/// for `postmortem --version`. It runs before every build, as one `/bin/sh` call, and rewrites
/// its file only when the stamp changed, so an unchanged tree is not recompiled. Outside a git
/// checkout of this package (a source tarball) the commit is `unknown`.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let outputs = context.pluginWorkDirectoryURL.appending(path: "stamp")
        // SOURCE_DATE_EPOCH (reproducible builds) fixes the date when it is set.
        let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] ?? ""
        return [.prebuildCommand(
            displayName: "Stamping postmortem with its git commit and build date",
            executable: URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", Self.script, "stamp", context.package.directoryURL.path, outputs.path, epoch],
            outputFilesDirectory: outputs)]
    }

    /// `$1` the package folder, `$2` the output folder, `$3` SOURCE_DATE_EPOCH or empty.
    /// The commit counts only when `$1` is the top of its own checkout, not a folder that
    /// happens to lie inside some other repository.
    static let script = #"""
        set -u
        src=$1; out=$2; epoch=$3
        commit=unknown
        top=$(git -C "$src" rev-parse --show-toplevel 2>/dev/null) || top=
        if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(cd "$src" && pwd -P)" ]; then
            commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
            if [ "$commit" != unknown ] && ! git -C "$src" diff --quiet HEAD -- 2>/dev/null; then
                commit="$commit-dirty"
            fi
        fi
        if [ -n "$epoch" ]; then
            date=$(date -u -d "@$epoch" +%Y-%m-%d 2>/dev/null) || date=unknown
        else
            date=$(date -u +%Y-%m-%d 2>/dev/null) || date=unknown
        fi
        mkdir -p "$out" || exit 1
        new="$out/.BuildStamp.swift.new"
        cat > "$new" <<STAMP || exit 1
        // Generated before each build by Plugins/BuildInfo; not in git.
        enum BuildStamp {
            static let commit = "$commit"
            static let date = "$date"
        }
        STAMP
        if cmp -s "$new" "$out/BuildStamp.swift"; then rm -f "$new"; else mv -f "$new" "$out/BuildStamp.swift"; fi
        """#
}
