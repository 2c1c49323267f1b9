import Events

extension ShutdownInitiator {
    init(_ r: ShutdownRequest) {
        let kind: Kind = switch r.kind {
        case .sudoCommand: .sudoCommand
        case .powerKey: .powerKey
        case .scheduled: .scheduled
        }
        self.init(kind: kind, time: Timestamp(microseconds: r.time), user: r.user, command: r.command, text: r.text,
                  source: r.ref.cursor)
    }
}
