import Analysis
import Foundation
import Testing
import TestSupport
@testable import Report

@Suite("HTML report", .serialized)
struct HTMLReportTests {
    /// Parses the page with python's `html.parser` (an independent HTML tokenizer) and reports the tags,
    /// attributes that could load or run something, elements left open or closed twice, and the text.
    static let inspector = #"""
    import json, sys
    from html.parser import HTMLParser
    VOID = {'meta', 'br', 'img', 'input', 'link', 'hr', 'circle', 'line', 'rect', 'path', 'polyline'}
    class P(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.tags, self.bad, self.stack, self.unbalanced, self.text = set(), [], [], [], []
        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)
            for k, v in attrs:
                if k.startswith('on') or k in ('src', 'href', 'xlink:href', 'srcset', 'action'): self.bad.append(k)
                if v and ('url(' in v or 'http:' in v or 'https:' in v): self.bad.append(k + '=' + v)
            if tag not in VOID: self.stack.append(tag)
        def handle_startendtag(self, tag, attrs):
            self.tags.add(tag)
        def handle_endtag(self, tag):
            if tag in VOID: return
            if self.stack and self.stack[-1] == tag: self.stack.pop()
            else: self.unbalanced.append(tag)
        def handle_data(self, data): self.text.append(data)
    p = P()
    p.feed(open(sys.argv[1], encoding='utf-8').read())
    p.close()
    print(json.dumps({'tags': sorted(p.tags), 'bad': p.bad, 'open': p.stack, 'unbalanced': p.unbalanced,
                      'text': ''.join(p.text)}))
    """#

    struct Inspection: Decodable {
        var tags: [String]
        var bad: [String]
        var open: [String]
        var unbalanced: [String]
        var text: String
    }

    func inspect(_ html: String) throws -> Inspection {
        let dir = TestPaths.scratch("html")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try Helpers.python(Self.inspector, [try Helpers.write(html, named: "r.html", in: dir)])
        #expect(result.status == 0, "\(result.stderrText)")
        return try JSONDecoder().decode(Inspection.self, from: Data(result.stdout))
    }

    static let allowedTags: Set<String> = ["html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p",
                                           "section", "svg", "text", "line", "rect", "path", "polyline", "circle",
                                           "ul", "ol", "li", "span", "strong", "code", "details", "summary", "table",
                                           "thead", "tbody", "tr", "th", "td", "br", "header", "pre"]

    @Test("one self-contained page: nothing loaded from anywhere, no script", arguments: ["unclean", "clean"])
    func selfContained(name: String) {
        let report = ReferenceReports.named(name)
        let html = ReportRenderer.render(report, as: .html, options: RenderOptions())
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        for forbidden in ["http://", "https://", "src=", "href=", "<script", "<link", "@import", "url(", "<img", "<iframe"] {
            #expect(!html.contains(forbidden), "found \(forbidden)")
        }
        #expect(html.contains("<style>"))
    }

    @Test("hostile strings are escaped: the parser sees them as text, never as tags or attributes",
          .enabled(if: Helpers.python3 != nil, "needs python3's html.parser"))
    func escaping() throws {
        let html = ReportRenderer.render(ReferenceReports.hostile(), as: .html, options: RenderOptions())
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<iframe"))
        #expect(!html.contains("<img"))
        let page = try inspect(html)
        #expect(Set(page.tags).isSubset(of: Self.allowedTags), "\(page.tags)")
        #expect(page.bad.isEmpty, "\(page.bad)")
        #expect(page.open.isEmpty, "\(page.open)")
        #expect(page.unbalanced.isEmpty, "\(page.unbalanced)")
        #expect(page.text.contains(ReferenceReports.hostileUnit))
        #expect(page.text.contains("evil\"host'&<b>"))
        #expect(page.text.contains("</title><script>alert(3)</script>"))
    }

    @Test("the chart draws each series point, each marker, the outage and time labels")
    func chartContents() throws {
        let report = ReferenceReports.unclean()
        let html = ReportRenderer.render(report, as: .html, options: RenderOptions())
        let restarts = try #require(html.split(separator: "\n").first { $0.hasPrefix("<path class=\"restarts\"") })
        #expect(restarts.filter { $0 == "M" }.count == ReferenceReports.restartsPerMinute.count)
        #expect(restarts.contains("fill=\"\(ChartColor.units[0])\""))
        let fork = try #require(html.split(separator: "\n").first { $0.hasPrefix("<polyline class=\"fork-rate\"") })
        let points = try #require(fork.split(separator: "\"").dropFirst(3).first)
        #expect(points.split(separator: " ").count == report.forkRate?.series.count)
        #expect(html.components(separatedBy: "<path class=\"oom\"").count - 1 == report.oomKills.count)
        // OOM kills have their own row; every other kernel event one marker, in the row of its kind.
        #expect(html.components(separatedBy: "<path class=\"kernel-event ").count - 1
                == report.kernelEvents.filter { $0.kind != .oomKill }.count)
        #expect(html.contains("<rect class=\"outage\""))
        #expect(html.contains(">no logs: 4 min 12 s</text>"))
        // 12:12 to 13:06 spans 54 minutes: ticks every 10 minutes, on the zone's round minutes.
        for label in ["12:20", "12:30", "12:40", "12:50", "13:00"] { #expect(html.contains(">\(label)</text>"), "\(label)") }
        #expect(html.contains(">time (UTC, 2024-07-19)</text>"))
        let cest = ReportRenderer.render(report, as: .html,
                                         options: RenderOptions(timeZone: .fixed(offsetSeconds: 7200, name: "CEST")))
        #expect(cest.contains(">14:30</text>"))
        #expect(cest.contains(">time (CEST, 2024-07-19)</text>"))
    }

    /// The journal's error rate (`journalctl -p err` per minute, the series the error-rate rule
    /// is back-tested on) has its panel when there were errors; errors far outside the incident
    /// do not stretch the chart; a boot without errors has no panel.
    @Test("journal errors per minute: a panel when there were any, within the incident's span")
    func journalErrorPanel() throws {
        var report = ReferenceReports.unclean()
        let minutes = ReferenceReports.restartsPerMinute.map(\.start)
        // Errors in 5 of the incident's minutes, none in the others, and one three days before.
        let before = Timestamp(microseconds: minutes[0].microseconds - 3 * 86_400_000_000)
        report.journalErrorsPerMinute = [SeriesPoint(start: before, value: 7)]
            + minutes.enumerated().map { i, t in SeriesPoint(start: t, value: i % 10 == 3 ? Double(i) : 0) }
        let html = ReportRenderer.render(report, as: .html, options: RenderOptions())
        let errors = try #require(html.split(separator: "\n").first { $0.hasPrefix("<path class=\"journal-errors\"") })
        #expect(errors.filter { $0 == "M" }.count == 5)
        #expect(html.contains("Journal errors per minute (priority err or worse)"))
        #expect(html.contains("journal errors/min"))
        // The time axis still spans the incident (12:12 to 13:06), not the stray error's day.
        for label in ["12:20", "12:30", "12:40", "12:50", "13:00"] { #expect(html.contains(">\(label)</text>"), "\(label)") }
        // Negative: a series of zeros draws nothing.
        report.journalErrorsPerMinute = minutes.map { SeriesPoint(start: $0, value: 0) }
        let quiet = ReportRenderer.render(report, as: .html, options: RenderOptions())
        #expect(!quiet.contains("journal-errors") && !quiet.contains("journal errors/min"))
    }

    /// The CentOS 6 excerpt's three kills within 4 s drew three labels over each other.
    @Test("OOM kills seconds apart share one label; kills apart have their own")
    func oomLabelsDoNotOverlap() throws {
        var report = ReferenceReports.unclean()
        let kill = try #require(report.oomKills.first)
        let t = try #require(kill.time)
        func at(_ seconds: Int64, _ comm: String) -> OOMKillSummary {
            var k = kill
            k.time = Timestamp(microseconds: t.microseconds + seconds * 1_000_000)
            k.comm = comm
            return k
        }
        report.oomKills = [at(0, "php-fpm"), at(2, "php-fpm"), at(4, "php-fpm")]
        let close = ReportRenderer.render(report, as: .html, options: RenderOptions())
        let labels = close.components(separatedBy: "<text class=\"marker-label\"").dropFirst().map { $0.prefix { $0 != "<" } }
        #expect(labels.count == 1)
        #expect(labels.first?.hasSuffix(" +2") == true, "\(labels)")
        #expect(close.components(separatedBy: "<path class=\"oom\"").count - 1 == 3, "every kill keeps its marker")
        report.oomKills = [at(0, "php-fpm"), at(1_200, "mysqld")]
        let apart = ReportRenderer.render(report, as: .html, options: RenderOptions())
        let two = apart.components(separatedBy: "<text class=\"marker-label\"").dropFirst().map { $0.prefix { $0 != "<" } }
        #expect(two.count == 2 && !two.contains { $0.contains("+") }, "\(two)")
    }

    @Test("verdict, causes and a timeline row per timeline row")
    func sections() {
        let report = ReferenceReports.unclean()
        let html = ReportRenderer.render(report, as: .html, options: RenderOptions())
        #expect(html.contains("<p class=\"verdict unclean\">\(report.host.hostname ?? "?") crashed at 2024-07-19 13:01:40 UTC"))
        #expect(html.contains("<p class=\"headline\">Boot 3f2a9c1e7b4d… ended UNCLEANLY at 2024-07-19 13:01:40 UTC; "
                              + "silent for 4 min 12 s until the next boot.</p>"))
        #expect(html.contains("<h3>1. crash-loop: <code>polyscan.service</code>"))
        let timeline = html.components(separatedBy: "<table class=\"timeline\">").last?
            .components(separatedBy: "</table>").first ?? ""
        #expect(timeline.components(separatedBy: "<tr").count - 1 == report.timeline.count + 1)
        #expect(timeline.components(separatedBy: "<tr class=\"last-words\">").count - 1 == 2)
        let clean = ReportRenderer.render(ReferenceReports.clean(), as: .html, options: RenderOptions())
        #expect(clean.contains("No time series or timed events to chart."))
        #expect(clean.contains("<p class=\"verdict clean\">"))
    }

    /// Decodes a PNG (8-bit RGB/RGBA, the only kinds Chromium writes) with zlib and the PNG filters, and
    /// counts pixels that are not white and pixels near each `#rrggbb:tolerance` given.
    static let pixelCounter = #"""
    import sys, zlib, struct, json
    data = open(sys.argv[1], 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n': sys.exit('not a PNG')
    pos, idat, hdr = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR': hdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT': idat.append(body)
        elif kind == b'IEND': break
        pos += 12 + length
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace: sys.exit('unsupported PNG %r' % (hdr,))
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(b''.join(idat)), w * bpp
    targets = []
    for arg in sys.argv[2:]:
        colour, tol = arg.split(':')
        targets.append((colour, int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16), int(tol)))
    counts, nonwhite, prev = {t[0]: 0 for t in targets}, 0, bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride): line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride): line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride): line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        for x in range(0, stride, bpp):
            r, g, b = line[x], line[x + 1], line[x + 2]
            if r >= 245 and g >= 245 and b >= 245: continue
            nonwhite += 1
            for name, tr, tg, tb, tol in targets:
                if abs(r - tr) <= tol and abs(g - tg) <= tol and abs(b - tb) <= tol: counts[name] += 1
    print(json.dumps({'width': w, 'height': h, 'nonwhite': nonwhite, 'colors': counts}))
    """#

    struct Pixels: Decodable {
        var width: Int
        var height: Int
        var nonwhite: Int
        var colors: [String: Int]
    }

    /// True where Chromium and python3 are installed: the browser tests run only there.
    static var canScreenshot: Bool { Helpers.chromium != nil && Helpers.python3 != nil }

    /// Renders `html` in headless Chromium and counts the screenshot's pixels.
    func screenshot(_ html: String, label: String) throws -> Pixels {
        let chromium = try #require(Helpers.chromium)
        let dir = TestPaths.scratch("browser-\(label)")
        let page = try Helpers.write(html, named: "report.html", in: dir)
        let png = dir + "/report.png"
        let run = try Command.run("/usr/bin/timeout", ["120", chromium, "--headless", "--disable-gpu", "--no-sandbox",
                                                       "--hide-scrollbars", "--user-data-dir=\(dir)/profile",
                                                       "--screenshot=\(png)", "--window-size=1200,2000",
                                                       "file://" + page])
        try #require(FileManager.default.fileExists(atPath: png), "chromium wrote no screenshot: \(run.stderrText)")
        print("screenshot of the \(label) report: \(png)")
        let colours = [ChartColor.units[0] + ":24", ChartColor.forkRate + ":24", ChartColor.oomKill + ":24",
                       ChartColor.outage + ":4"]
        let result = try Helpers.python(Self.pixelCounter, [png] + colours)
        try #require(result.status == 0, "\(result.stderrText)")
        return try JSONDecoder().decode(Pixels.self, from: Data(result.stdout))
    }

    @Test("a real browser draws the charts: the series colours are on the page",
          .enabled(if: canScreenshot, "needs Debian's chromium and python3"))
    func browserDrawsCharts() throws {
        let html = ReportRenderer.render(ReferenceReports.unclean(), as: .html, options: RenderOptions())
        let pixels = try screenshot(html, label: "unclean")
        #expect(pixels.width == 1200 && pixels.height == 2000)
        // Bars for 50 minutes of ~60 restarts on a 0–80 axis fill far more than the 12-pixel legend swatch.
        #expect(pixels.colors[ChartColor.units[0], default: 0] > 5_000, "\(pixels)")
        #expect(pixels.colors[ChartColor.forkRate, default: 0] > 500, "\(pixels)")
        #expect(pixels.colors[ChartColor.oomKill, default: 0] > 40, "\(pixels)")
        #expect(pixels.colors[ChartColor.outage, default: 0] > 2_000, "\(pixels)")
        #expect(pixels.nonwhite > 1200 * 2000 / 50, "\(pixels)")
    }

    @Test("without a crash loop the browser draws no restart bars, but the page is not blank",
          .enabled(if: canScreenshot, "needs Debian's chromium and python3"))
    func browserCleanReport() throws {
        let html = ReportRenderer.render(ReferenceReports.clean(), as: .html, options: RenderOptions())
        let pixels = try screenshot(html, label: "clean")
        #expect(pixels.colors[ChartColor.units[0], default: -1] == 0, "\(pixels)")
        #expect(pixels.colors[ChartColor.forkRate, default: -1] == 0, "\(pixels)")
        #expect(pixels.nonwhite > 1200 * 2000 / 200, "\(pixels)")
    }
}
