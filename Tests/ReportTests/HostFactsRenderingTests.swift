import Analysis
import Foundation
import Testing
import TestSupport
@testable import Report

extension ReferenceReports {
    /// Host facts with every field set, as the analysis writes them for a KVM guest.
    static func hostFacts() -> HostFacts {
        var f = HostFacts()
        f.os = OSFacts(name: "Debian GNU/Linux 12 (bookworm)", id: "debian", versionID: "12", source: "/etc/os-release")
        f.kernel = KernelFacts(version: "6.1.0-18-amd64", commandLine: "BOOT_IMAGE=/boot/vmlinuz ro quiet softlockup_panic=1",
                               source: "/var/log/kern.log:1")
        f.panicSettings.softlockupPanic = PanicSetting(value: "1", source: .commandLine(readAt: "/var/log/kern.log:2"))
        f.panicSettings.hungTaskPanic = PanicSetting(value: "0", source: .sysctl(path: "/etc/sysctl.d/90-hung.conf", line: 1))
        f.panicSettings.panicOnOOM = PanicSetting(value: "0", source: .sysctl(path: "/etc/sysctl.conf", line: 4))
        f.panicSettings.panicTimeout = PanicSetting(value: "10", source: .sysctl(path: "/etc/sysctl.conf", line: 5),
                                                    overrides: [.assignment(value: "0", source: .sysctl(path: "/usr/lib/sysctl.d/50-default.conf", line: 3))])
        f.panicSettings.nmiWatchdog = PanicSetting(value: "panic", source: .commandLine(readAt: "/var/log/kern.log:2"))
        f.panicSettings.pidMax = PanicSetting(value: "32768", source: .kernelDefault(readAt: "/var/log/kern.log:80"))
        var m = MemoryFacts()
        (m.totalKB, m.availableKB, m.usableKB, m.swapKB) = (16_777_216, 1_252_928, 16_252_928, 0)
        m.sources = [.ram(readAt: "/var/log/kern.log:14"), .swapFromOOMReport(readAt: "journal")]
        f.memory = m
        f.cpus = CPUFacts(online: 4, present: 8, nodes: 1, source: "/var/log/kern.log:16")
        f.virtualization = VirtualizationFacts(dmi: "QEMU Standard PC (Q35 + ICH9, 2009)", hypervisor: "KVM", source: "/var/log/kern.log:9")
        f.uptimeAtEndSeconds = 47_375.6
        // As JSON gives it back (the typed source is written the same: FactSourceTextTests).
        f.uptimeSource = .text("kernel start (journal-clock) to last sign of life (kernel-log)")
        return f
    }
}

@Suite("Host facts in every format")
struct HostFactsRenderingTests {
    static func report() -> PostmortemReport {
        var r = ReferenceReports.unclean()
        r.host.facts = ReferenceReports.hostFacts()
        return r
    }

    @Test("text: a Host facts section with each fact, its meaning and its source")
    func text() {
        let text = ReportRenderer.render(Self.report(), as: .text, options: RenderOptions(width: 100))
        let section = text.components(separatedBy: "Host facts\n").last ?? ""
        #expect(text.contains("Host facts\n"))
        #expect(section.contains("OS                 Debian GNU/Linux 12 (bookworm)"))
        #expect(section.contains("kernel.softlockup_panic = 1 (a soft lockup panics the machine)"))
        #expect(section.contains("kernel.panic = 10 (reboot 10 s after a panic)"))
        #expect(section.contains("overrides 0 (/usr/lib/sysctl.d/50-default.conf:3)"))
        #expect(section.contains("kernel.nmi_watchdog = panic (a hard lockup panics the machine)"))
        #expect(section.contains("16 GiB RAM, 15.5 GiB usable after the kernel's reservations, no swap"))
        // pid_max is read with the panic settings but is none.
        #expect(section.contains("PID limit          kernel.pid_max = 32768"))
        #expect(!section.contains("Panic setting      kernel.pid_max"))
        #expect(section.contains("4 online of 8 present, 1 NUMA node"))
        #expect(section.contains("KVM guest; DMI: QEMU Standard PC (Q35 + ICH9, 2009)"))
        #expect(section.contains("Uptime at the end  13 h 10 min"))
        var bare = ReferenceReports.unclean()
        bare.host.facts = HostFacts()
        bare.host.facts?.os = OSFacts(name: "Alpine Linux v3.20", source: "/etc/os-release")
        // A pid_max alone leaves the panic settings unknown, and says so.
        bare.host.facts?.panicSettings.pidMax = PanicSetting(value: "32768", source: .kernelDefault(readAt: "journal"))
        // A memory line without its reserved figures gives only the pages free as it was printed.
        var early = MemoryFacts()
        (early.totalKB, early.availableKB) = (2_096_696, 260_860)
        bare.host.facts?.memory = early
        let flat = { (t: String) in t.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        #expect(flat(ReportRenderer.render(bare, as: .text, options: RenderOptions(width: 100)))
            .contains("Panic settings none found in the sysctl files read; the kernel command line is not in the logs"))
        #expect(flat(ReportRenderer.render(bare, as: .text, options: RenderOptions(width: 100))).contains("Memory 2 GiB RAM, 254.7 MiB free at boot"))
        bare.host.facts?.kernel = KernelFacts(version: nil, commandLine: "ro quiet", source: "dmesg:2")
        #expect(flat(ReportRenderer.render(bare, as: .text, options: RenderOptions(width: 100)))
            .contains("Panic settings none set on the command line or in the sysctl files read (kernel defaults)"))
        // Without facts there is no section at all.
        #expect(!ReportRenderer.render(ReferenceReports.unclean(), as: .text, options: RenderOptions()).contains("Host facts"))
    }

    @Test("Markdown: an appendix section, the command line as code")
    func markdown() {
        let md = ReportRenderer.render(Self.report(), as: .markdown, options: RenderOptions())
        #expect(md.contains("## Appendix: host facts\n\n- **OS**: Debian GNU/Linux 12 (bookworm) _(/etc/os-release)_\n"))
        #expect(md.contains("- **Command line**: `BOOT_IMAGE=/boot/vmlinuz ro quiet softlockup_panic=1`\n"))
        #expect(md.contains("- **Panic setting**: `kernel.softlockup_panic = 1` (a soft lockup panics the machine) "
                            + "_(kernel command line (/var/log/kern.log:2))_\n"))
        let appendix = md.range(of: "## Appendix: host facts")?.lowerBound
        let inputs = md.range(of: "## Appendix: inputs")?.lowerBound
        #expect(appendix != nil && inputs != nil && appendix! < inputs!)
    }

    @Test("Markdown: a CommonMark renderer (cmark-gfm) makes the appendix a heading and a list with code",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/cmark-gfm"), "needs cmark-gfm"))
    func commonMark() throws {
        var r = Self.report()
        r.host.facts?.panicSettings.pidMax = PanicSetting(value: "4194304", source: .sysctl(path: "/usr/lib/sysctl.d/50-pid_max_*.conf", line: 1))
        let md = ReportRenderer.render(r, as: .markdown, options: RenderOptions())
        let dir = TestPaths.scratch("hostfacts-md")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = try Helpers.write(md, named: "report.md", in: dir)
        let html = try Command.run("/usr/bin/cmark-gfm", [path]).stdoutText
        #expect(html.contains("<h2>Appendix: host facts</h2>"))
        #expect(html.contains("<li><strong>Command line</strong>: <code>BOOT_IMAGE=/boot/vmlinuz ro quiet softlockup_panic=1</code></li>"))
        #expect(html.contains("<li><strong>PID limit</strong>: <code>kernel.pid_max = 4194304</code> "
                              + "<em>(/usr/lib/sysctl.d/50-pid_max_*.conf:1)</em></li>"), "underscores and stars stay literal")
    }

    @Test("HTML: a section with a row per fact, escaped")
    func html() {
        var r = Self.report()
        r.host.facts?.os?.name = "<script>alert(1)</script>"
        let html = ReportRenderer.render(r, as: .html, options: RenderOptions())
        #expect(html.contains("<section id=\"host-facts\">"))
        #expect(html.contains("<tr><th scope=\"row\">Virtualisation</th><td>KVM guest; DMI: QEMU Standard PC (Q35 + ICH9, 2009)"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script>alert(1)"))
    }

    @Test("JSON: under host.facts with snake_case keys, and it decodes back")
    func json() throws {
        let json = ReportRenderer.render(Self.report(), as: .json, options: RenderOptions())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let facts = try #require((object["host"] as? [String: Any])?["facts"] as? [String: Any])
        let panic = try #require(facts["panic_settings"] as? [String: Any])
        #expect((panic["softlockup_panic"] as? [String: Any])?["value"] as? String == "1")
        #expect((facts["memory"] as? [String: Any])?["total_kb"] as? Int == 16_777_216)
        let back = try JSONDecoder().decode(PostmortemReport.self, from: Data(json.utf8))
        // Typed sources are read back as the sentences they were written as: equal when written again.
        #expect(back.host.facts?.memory?.totalKB == 16_777_216 && back.host.facts?.panicSettings.pidMax?.value == "32768")
        #expect(back.host.facts?.memory?.sources == [.text("RAM: /var/log/kern.log:14"), .text("swap: journal (OOM report)")])
        #expect(ReportRenderer.render(back, as: .json, options: RenderOptions()) == json)
    }
}

@Suite("Text report sections")
struct TextSectionsTests {
    @Test("units, OOM kills, fork pressure and kernel distress tables, before the timeline")
    func sections() throws {
        let text = ReportRenderer.render(ReferenceReports.unclean(), as: .text, options: RenderOptions(width: 100, full: true))
        for heading in ["Units", "OOM kills", "Fork and PID pressure", "Kernel distress"] {
            let at = try #require(text.range(of: "\n" + heading + "\n"), "\(heading) missing")
            #expect(at.lowerBound < (text.range(of: "\nTimeline\n")?.lowerBound ?? text.startIndex))
        }
        #expect(text.contains("UNIT"))
        #expect(text.contains("RESTARTS"))
        let sections = try #require(text.components(separatedBy: "\nUnits\n").last?.components(separatedBy: "\nTimeline\n").first)
        #expect(!sections.contains("…"), "nothing is cut")
        #expect(sections.contains("ffmpeg"))
        let fork = try #require(ReferenceReports.unclean().forkRate)
        let turnover = HumanFormat.duration(seconds: Double(fork.pidMax ?? 0) / fork.peakPerSecond)
        let flat = sections.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("pid_max 4,194,304"))
        #expect(flat.contains("at the peak rate every PID is handed out once in " + turnover))
    }

    @Test("a table narrows its flexible columns, then stacks the name, then lists pairs; never cuts")
    func table() {
        let t = TextTable(headers: ["UNIT", "STARTS", "RESULTS"],
                          rows: [["video-pipeline.service", "2", "oom-kill ×2, exit-code ×1"], ["a.service", "1,234", "-"]],
                          rightAligned: [1], flexible: [2, 0])
        let wide = t.lines(width: 80, style: Styler(enabled: false))
        #expect(wide == ["  UNIT                    STARTS  RESULTS", "  video-pipeline.service       2  oom-kill ×2, exit-code ×1",
                         "  a.service                1,234  -"])
        let mid = t.lines(width: 44, style: Styler(enabled: false))
        #expect(mid == ["  UNIT                    STARTS  RESULTS", "  video-pipeline.service       2  oom-kill",
                        "                                  ×2,", "                                  exit-code",
                        "                                  ×1", "  a.service                1,234  -"])
        let narrow = t.lines(width: 30, style: Styler(enabled: false))
        #expect(narrow.first == "  UNIT")
        #expect(narrow.contains("  video-pipeline.service"))
        let tiny = TextTable(headers: ["UNIT", "STARTS", "RESTARTS", "RESULTS"], rows: [["x.service", "1", "2", "exit-code ×3"]],
                             flexible: [3]).lines(width: 20, style: Styler(enabled: false))
        #expect(tiny == ["  x.service", "    starts 1;", "    restarts 2;", "    results", "    exit-code ×3"])
        // A cgroup path breaks after its slashes.
        #expect(TextTable.breakable("/system.slice/video-pipeline.service", width: 20) == "/system.slice/ video-pipeline.service")
        #expect(TextTable.breakable("1/FAILURE", width: 4) == "1/FAILURE")
    }
}
