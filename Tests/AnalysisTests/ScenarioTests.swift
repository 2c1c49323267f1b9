import Foundation
import Journal
import TestSupport
import Testing
@testable import Analysis
import Events

/// The generator's scenarios, each checked against its truth.json.
@Suite(.enabled(if: Scenario.generatorAvailable), .serialized)
struct ScenarioTests {
    static let names = ["reference-incident", "memcg-oom-loop", "fork-bomb", "storage-io", "healthy-reboot"]

    @Test(arguments: names)
    func bootsAndEnd(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        let t = s.truth
        #expect(r.host.hostname == t.hostname)
        #expect(r.host.machineID == t.machine_id)
        #expect(r.boots.map(\.bootID) == t.boots.map(\.boot_id))
        // truth counts the ENTRY objects wholly before a tear; the reader also keeps the one
        // entry cut at EOF with the items that reached the disk.
        for (got, want) in zip(r.boots.map(\.entries), t.boots.map(\.entries)) {
            #expect(got >= want && got <= want + 1, "\(name): \(got) entries, truth \(want)")
        }
        #expect(r.boots.map(\.end.rawValue) == t.boots.map(\.end))
        #expect(r.analyzedBoot == t.analyzed_boot)
        let analysed = try #require(t.boots.first { $0.boot_id == t.analyzed_boot })
        #expect(r.end?.kind.rawValue == analysed.end)
    }

    @Test(arguments: names)
    func units(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        for want in s.truth.units {
            let got = r.units.first { $0.unit == want.unit }
            if want.restarts_observed == 0 && want.oom_kills == 0 && !want.start_limit_hit {
                #expect(got == nil || got?.crashLoop == false, "\(name): \(want.unit)")
                continue
            }
            let u = try #require(got, "\(name): \(want.unit) missing")
            #expect(u.restartsObserved == want.restarts_observed, "\(name): \(want.unit)")
            #expect(u.restartCounterMax == want.restart_counter_max, "\(name): \(want.unit)")
            #expect(u.crashLoop == want.crash_loop, "\(name): \(want.unit)")
            #expect(u.startLimitHit == want.start_limit_hit, "\(name): \(want.unit)")
            #expect(u.oomKills == want.oom_kills, "\(name): \(want.unit)")
        }
        // No unit the generator did not make crash-loop is called one.
        let loops = Set(r.units.filter(\.crashLoop).map(\.unit))
        #expect(loops == Set(s.truth.units.filter(\.crash_loop).map(\.unit)), "\(name)")
    }

    @Test(arguments: names)
    func oomKills(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        let got = r.oomKills.map { "\($0.kind.rawValue) \($0.pid ?? -1) \($0.comm ?? "?") \($0.uid ?? -1) \($0.unit ?? "-")" }
        let want = s.truth.oom_kills.map { "\($0.kind) \($0.pid) \($0.comm) \($0.uid ?? -1) \($0.unit ?? "-")" }
        #expect(got == want, "\(name)")
        #expect(r.oomKills.map(\.taskMemcg) == s.truth.oom_kills.map(\.task_memcg), "\(name)")
    }

    @Test(arguments: names)
    func forkRate(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        let f = try #require(r.forkRate)
        let want = s.truth.fork_rate_peak_per_second
        #expect(abs(f.peakPerSecond - want) <= want * 0.2, "\(name): \(f.peakPerSecond) vs \(want)")
    }

    @Test(arguments: names)
    func rootCause(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        if let want = s.truth.root_cause {
            let first = try #require(r.rootCauses.first, "\(name): no root cause")
            #expect(first.kind.rawValue == want.kind, "\(name)")
            #expect(first.subject.name == want.subject, "\(name)")
            #expect(first.rank == 1 && first.role == .primary)
            #expect(!first.evidence.isEmpty)
            for c in s.truth.contributing ?? [] {
                #expect(r.rootCauses.dropFirst().contains { $0.kind.rawValue == c.kind && $0.subject.name == c.subject }, "\(name): \(c.kind)")
            }
            Self.checkRoles(r, s.truth, primary: first, name)
            // Every evidence line says where it was read and how to see it in context.
            for c in r.rootCauses {
                for e in c.evidence { #expect(!e.command.isEmpty && !e.text.isEmpty, "\(name): \(c.id)") }
            }
        } else {
            #expect(r.rootCauses.isEmpty, "\(name): \(r.rootCauses.map(\.kind))")
        }
    }

    /// Kernel distress from the journal, kern.log and pstore together, each line counted once.
    @Test(arguments: names)
    func kernelEvents(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        for (kind, want) in s.truth.kernel_events {
            #expect(r.kernelEvents.filter { $0.kind.rawValue == kind }.count == want, "\(name): \(kind)")
        }
    }

    /// What only kern.log and pstore kept (after the journal's last entry) ends the timeline.
    @Test(arguments: names)
    func lastWords(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        let kernelWords = r.timeline.filter { $0.lastWords && $0.subject == "kernel" }.map(\.detail)
        let distress = s.truth.last_words.filter { KernelDistress.classify($0) != nil }
        for line in distress {
            #expect(r.kernelEvents.contains { $0.text == line && $0.lastWords }, "\(name): \(line)")
        }
        if !s.truth.last_words.isEmpty {
            #expect(!kernelWords.isEmpty, "\(name)")
            #expect(r.timeline.last { $0.kind != .bootEnd }?.lastWords == true, "the last words end the timeline, before the boot's end")
        }
        // Each kernel report is one row counted once, its call trace folded into the detail.
        for row in r.timeline where row.lastWords && row.subject == "kernel" {
            #expect(row.count == 1, "\(name): \(row.detail)")
        }
        for line in distress where line.hasPrefix("INFO: task ") {
            let reports: [(headline: String, furtherLines: Int)] = r.timeline.compactMap { row in
                guard row.lastWords, case .kernelReport(let headline, let further) = row.detail, headline.hasPrefix(line) else { return nil }
                return (headline, further)
            }
            #expect(reports.count == 1, "\(name): one row for \(line)")
            #expect((reports.first?.furtherLines ?? 0) > 0, "\(name): trace folded into \(line)")
        }
    }

    /// Truth's unrelated findings are set apart, and the primary's chain runs through truth's kinds.
    static func checkRoles(_ r: PostmortemReport, _ truth: Truth, primary first: RootCause, _ name: String) {
        for c in truth.unrelated ?? [] {
            #expect(r.rootCauses.contains { $0.kind.rawValue == c.kind && $0.subject.name == c.subject && $0.role == .unrelated },
                    "\(name): \(c.kind) \(c.subject) should be set apart as unrelated")
        }
        if let chain = truth.chain, !chain.isEmpty {
            let kinds = first.chain.compactMap { id in r.rootCauses.first { $0.id == id }?.kind.rawValue }
            #expect(kinds == chain, "\(name): chain \(first.chain)")
        }
    }

    /// The causal model's scenarios (issue 11): each has its primary cause, chain and unrelated
    /// findings in truth.json.
    static let causalNames = ["fork-bomb-sparse", "two-disks", "poller-beside-failure"]

    @Test(arguments: causalNames)
    func causalScenario(_ name: String) throws {
        let s = try Scenario.generate(name)
        let r = s.analyze()
        let want = try #require(s.truth.root_cause)
        let first = try #require(r.rootCauses.first, "\(name): no finding")
        #expect(first.kind.rawValue == want.kind && first.subject.name == want.subject && first.role == .primary, "\(name): \(first.id)")
        Self.checkRoles(r, s.truth, primary: first, name)
        switch name {
        case "fork-bomb-sparse":
            // Few PIDs seen: they wrapped between entries, so the rate is a stated lower bound.
            let f = try #require(r.forkRate)
            #expect(f.pidMax == 32768 && f.lowerBound)
            #expect(f.peakPerSecond < s.truth.fork_rate_peak_per_second)
            guard case .forkBomb(let facts) = first.facts else { Issue.record("\(first.facts)"); return }
            #expect(facts.rate?.lowerBound == true && facts.rejectedIn != nil)
        case "two-disks":
            let disks = r.rootCauses.filter { $0.kind == .storageIO }
            #expect(Set(disks.map(\.subject)) == [.device("sda"), .device("sdb")])
            #expect(first.ledTo.contains { $0.to == CauseLink.endOfBoot && $0.rule == .storageEnd })
            #expect(disks.first { $0.subject == .device("sdb") }?.persistedToEnd == false)
        default:
            let poller = try #require(r.units.first { $0.unit == "metrics-poller.service" })
            #expect(poller.restartsObserved >= 3 && !poller.crashLoop, "a poller exiting 0 is no crash loop")
            #expect(!r.rootCauses.contains { $0.subject == .unit("metrics-poller.service") })
        }
    }

    /// The reference incident's crash loop, told the way the brief wants it.
    @Test func referenceIncidentStory() throws {
        let s = try Scenario.generate("reference-incident")
        let r = s.analyze()
        let loop = try #require(r.units.first { $0.unit == "polyscan.service" })
        #expect(loop.exitStatuses["1/FAILURE"] == loop.restartsObserved)
        #expect(loop.impliedSettings.contains { $0.isStartLimit })
        #expect(loop.unitFileLines.contains { $0.hasPrefix("/etc/systemd/system/polyscan.service:") && $0.contains("Restart=") })
        let row = try #require(r.timeline.first { $0.kind == .crashLoop && $0.subject == "polyscan.service" })
        #expect(row.count == loop.restartsObserved)
        #expect(r.timeline.last { $0.kind != .bootEnd }?.lastWords == true, "the last words end the timeline, before the boot's end")
        let cause = try #require(r.rootCauses.first { $0.kind == .crashLoop })
        guard case .crashLoop(let facts) = cause.facts else { Issue.record("\(cause.facts)"); return }
        #expect(facts.restarts == loop.restartsObserved && !facts.startLimitHit)
        #expect(facts.impliedStartLimit?.isStartLimit == true)
        // Its own words: polyscan's error, counted, quoted as evidence and in the fix.
        let words = try #require(loop.ownWords.first)
        #expect(words.example.contains("database disk image is malformed"))
        #expect(words.count == loop.restartsObserved)
        #expect(cause.evidence.first?.text.contains("database disk image is malformed") == true)
        #expect(facts.ownWords == words.example)
        // Its provenance: the unit file's lines, ExecStart= and User= among them.
        let p = try #require(loop.provenance)
        #expect(p.files == ["/etc/systemd/system/polyscan.service"])
        #expect(p.settings.contains { $0.hasPrefix("/etc/systemd/system/polyscan.service:") && $0.contains(": ExecStart=/usr/local/bin/polyscan") })
        #expect(p.settings.contains { $0.hasSuffix(": User=polyscan") })
        #expect(p.firstBoot == s.truth.analyzed_boot, "polyscan first appears in the crashed boot")
        // The loop went on to the end, but nothing links it to the memory that ran out.
        #expect(cause.role == .unrelated && cause.persistedToEnd)
        // The primary's chain runs to the panic and the end, each link on its rule.
        let primary = try #require(r.rootCauses.first)
        #expect(primary.kind == .memoryExhaustion && primary.subject == .unit("video-pipeline.service"))
        #expect(primary.chain.last == CauseLink.endOfBoot)
        let lockup = try #require(r.rootCauses.first { $0.kind == .lockup })
        #expect(primary.ledTo.contains { $0.to == lockup.id && $0.rule == .memoryReclaimStall && $0.conditions.contains(.namesResource("kswapd")) })
        #expect(lockup.ledTo.contains { $0.rule == .lockupPanic })
        // Evidence lines from the journal name the file that holds them.
        for e in primary.evidence {
            if case .journal(let file, _) = e.source { #expect(file?.hasSuffix(".journal") == true || file?.hasSuffix(".journal~") == true) }
        }
    }
}
