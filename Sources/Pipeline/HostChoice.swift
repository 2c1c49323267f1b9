import Inputs
import Journal

/// `--host NAME`: which of the hosts found the user means.
public enum HostChoice {
    /// The hosts `wanted` names: its hostname, label or a prefix of its machine ID; failing
    /// those, a hostname its journal holds. A journal directory is found by its machine ID and
    /// its hostname is only inside (`batch` names the host by it), so that name must work too.
    public static func hosts(named wanted: String, among hosts: [HostInputs]) -> [HostInputs] {
        let direct = hosts.filter {
            $0.hostname == wanted || $0.label == wanted || ($0.machineID.map { $0.hasPrefix(wanted.lowercased()) } ?? false)
        }
        guard direct.isEmpty else { return direct }
        return hosts.filter { $0.hostname == nil && journalHostnames($0).contains(wanted) }
    }

    /// Each host as a list of choices names it: its label, with the journal's hostname beside a
    /// label that is a machine ID. Past `namesLookedUp` hosts (a fleet's folder), labels alone:
    /// the list is a hint, not worth opening every journal of a fleet.
    public static func names(_ hosts: [HostInputs]) -> [String] {
        guard hosts.count <= namesLookedUp else { return hosts.map(\.label) }
        return hosts.map { h in
            guard h.hostname == nil, let name = journalHostnames(h).last, name != h.label else { return h.label }
            return "\(h.label) (\(name))"
        }
    }

    static let namesLookedUp = 20

    /// The `_HOSTNAME` values of the host's journal files, from their field hash tables (no
    /// entry is read); files that cannot be opened are passed over (the analysis names them).
    static func journalHostnames(_ host: HostInputs) -> [String] {
        var out: [String] = []
        for source in host.journalFiles {
            guard let file = try? source.open() else { continue }
            // A file of several machines: only the names this host's boots carried.
            let values = host.onlyBoots.map { only in
                file.firstAppearances(ofField: "_HOSTNAME").filter { only.contains($0.bootID.description) }.map(\.value)
            } ?? file.values(ofField: "_HOSTNAME")
            for value in values {
                let name = String(decoding: value, as: UTF8.self)
                if !out.contains(name) { out.append(name) }
            }
        }
        return out
    }
}
