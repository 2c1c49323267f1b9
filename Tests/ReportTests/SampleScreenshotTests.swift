import Foundation
import TestSupport
import Testing
@testable import Report

/// The sample reports as a reader sees them: headless Chromium at 1400 and 900 pixels wide. The
/// verdict is the banner, the chart has its lanes, and nothing runs off the page (every element
/// measured with every `<details>` opened, as print shows them). Screenshots are kept in the
/// scratch folder for a person to look at.
@Suite("sample reports in a browser", .enabled(if: HTMLReportTests.canScreenshot, "needs Debian's chromium and python3"))
struct SampleScreenshotTests {
    /// Measures the laid-out page: injected into a copy of the report (the report itself allows no script).
    static let probe = """
        <script>
        window.addEventListener('load', () => {
          for (const d of document.querySelectorAll('details')) d.open = true;
          const w = document.documentElement.clientWidth;
          const over = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width > 0 && r.right > w + 1) over.push(el.tagName.toLowerCase() + ' ' + (el.textContent || '').slice(0, 60));
          }
          const out = {width: w, scrollWidth: document.documentElement.scrollWidth, overflowing: over.slice(0, 10),
                       verdict: (document.querySelector('header.banner .verdict') || {}).textContent || '',
                       title: document.querySelector('h1') ? document.querySelector('h1').textContent : '',
                       panels: Array.from(document.querySelectorAll('svg .panel-title')).map(t => t.textContent),
                       markers: Array.from(document.querySelectorAll('svg .kernel-event')).map(p => p.getAttribute('class')),
                       chain: Array.from(document.querySelectorAll('ol.chain li')).map(li => li.textContent)};
          const pre = document.createElement('pre');
          pre.id = 'layout-result';
          pre.textContent = JSON.stringify(out);
          document.body.appendChild(pre);
        });
        </script>
        """

    struct Layout: Decodable {
        var width: Int
        var scrollWidth: Int
        var overflowing: [String]
        var verdict: String
        var title: String
        var panels: [String]
        var markers: [String]
        var chain: [String]
    }

    static func report(_ sample: String, dir: String) throws -> String {
        let path = dir + "/\(sample).html"
        let run = try Command.run(TestPaths.executable, ["analyze", "--quiet", "--utc", "-o", "html", "--output-file", path,
                                                         TestPaths.packageRoot + "/samples/" + sample])
        try #require(run.status == 0, "\(run.stderrText)")
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    static func layout(_ html: String, width: Int, dir: String) throws -> Layout {
        let chromium = try #require(Helpers.chromium)
        let probed = html.replacingOccurrences(of: #"<meta http-equiv="Content-Security-Policy"[^>]*>"#, with: "",
                                               options: .regularExpression)
            .replacingOccurrences(of: "</body>", with: probe + "</body>")
        let page = try Helpers.write(probed, named: "probe-\(width).html", in: dir)
        let run = try Command.run("/usr/bin/timeout", ["120", chromium, "--headless", "--disable-gpu", "--no-sandbox",
                                                       "--hide-scrollbars", "--user-data-dir=\(dir)/profile-\(width)",
                                                       "--window-size=\(width),1200", "--virtual-time-budget=5000",
                                                       "--dump-dom", "file://" + page])
        let dom = run.stdoutText
        let open = try #require(dom.range(of: "<pre id=\"layout-result\">"), "no layout result: \(run.stderrText)")
        let close = try #require(dom.range(of: "</pre>", range: open.upperBound..<dom.endIndex))
        let json = String(dom[open.upperBound..<close.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(Layout.self, from: Data(json.utf8))
    }

    static func screenshot(_ html: String, width: Int, dir: String, colours: [String]) throws -> HTMLReportTests.Pixels {
        let chromium = try #require(Helpers.chromium)
        let page = try Helpers.write(html, named: "shot-\(width).html", in: dir)
        let png = dir + "/screenshot-\(width).png"
        let run = try Command.run("/usr/bin/timeout", ["120", chromium, "--headless", "--disable-gpu", "--no-sandbox",
                                                       "--hide-scrollbars", "--user-data-dir=\(dir)/shot-profile-\(width)",
                                                       "--screenshot=\(png)", "--window-size=\(width),1100", "file://" + page])
        try #require(FileManager.default.fileExists(atPath: png), "chromium wrote no screenshot: \(run.stderrText)")
        let result = try Helpers.python(HTMLReportTests.pixelCounter, [png] + colours.map { $0 + ":6" })
        try #require(result.status == 0, "\(result.stderrText)")
        return try JSONDecoder().decode(HTMLReportTests.Pixels.self, from: Data(result.stdout))
    }

    @Test("the reference incident: the verdict in the banner, the whole boot and a lane per kind of event, nothing overflows",
          arguments: [1400, 900])
    func referenceIncident(width: Int) throws {
        let dir = TestPaths.scratch("sample-shots-reference-\(width)")
        let html = try Self.report("reference-incident", dir: dir)
        let layout = try Self.layout(html, width: width, dir: dir)
        #expect(layout.scrollWidth <= layout.width, "the page scrolls sideways")
        #expect(layout.overflowing.isEmpty, "\(layout.overflowing)")
        #expect(layout.title == "Incident report: polybox")
        #expect(layout.verdict.hasPrefix("polybox crashed at 2024-02-11 09:52:23 UTC: kernel panic (softlockup: hung tasks)"))
        #expect(layout.panels.first == "The whole boot, kernel start to next boot")
        #expect(layout.panels.contains("Restarts per minute: polyscan.service"))
        #expect(layout.panels.contains { $0.hasPrefix("Forks per second · pid_max") })
        // A hung task, a lockup and the panic each have their own row and shape.
        #expect(Set(layout.markers) == ["kernel-event hung-task", "kernel-event lockup", "kernel-event panic"])
        // The chain drawn under the verdict: memory ran out, kswapd locked a CPU up, the kernel panicked.
        #expect(layout.chain == ["memory-exhaustionvideo-pipeline.service", "lockupCPU#0", "kernel-panicsystem", "end of the boot"])
        let pixels = try Self.screenshot(html, width: width, dir: dir, colours: ["#fdecea", ChartColor.units[0], ChartColor.oomKill])
        #expect(pixels.colors["#fdecea", default: 0] > 20_000, "the red verdict banner: \(pixels)")
        #expect(pixels.colors[ChartColor.units[0], default: 0] > 5_000, "the restart lane: \(pixels)")
        #expect(pixels.colors[ChartColor.oomKill, default: 0] > 40, "\(pixels)")
    }

    @Test("the healthy reboot: a reboot report naming who rebooted, green, nothing overflows", arguments: [1400, 900])
    func healthyReboot(width: Int) throws {
        let dir = TestPaths.scratch("sample-shots-healthy-\(width)")
        let html = try Self.report("healthy-reboot", dir: dir)
        let layout = try Self.layout(html, width: width, dir: dir)
        #expect(layout.scrollWidth <= layout.width, "the page scrolls sideways")
        #expect(layout.overflowing.isEmpty, "\(layout.overflowing)")
        #expect(layout.title == "Reboot report: web04")
        #expect(layout.verdict.hasPrefix("web04 shut down cleanly at 2024-02-10 09:54:33 UTC, at the request of deploy (sudo /usr/sbin/reboot)"))
        #expect(layout.panels.first == "The whole boot, kernel start to next boot")
        #expect(layout.chain.isEmpty)
        let pixels = try Self.screenshot(html, width: width, dir: dir, colours: ["#e9f7ef", "#fdecea"])
        #expect(pixels.colors["#e9f7ef", default: 0] > 20_000, "the green verdict banner: \(pixels)")
        #expect(pixels.colors["#fdecea", default: 0] < 500, "no outage red on a planned reboot: \(pixels)")
    }
}
