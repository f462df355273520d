import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Plotting
import Testing
@testable import Pipeline

/// The report of the debug recipe: it exists, it is well-formed (XML-parsable) markup, every
/// local `<img>`, `<audio>` and `<a href>` reference resolves to a file, and it shows what the
/// issue asks for; a damaged run gives a report that says what is missing.
@Suite(.serialized) struct ReportPageTests {
    struct NotWellFormed: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses the report as XML. First strictly, with the SAX parser (libxml2 through
    /// FoundationXML), which stops at the first error (a stray '&' or '<', an unclosed element, an
    /// HTML-only entity); `XMLDocument` alone would recover from some of those and go on.
    static func parse(_ url: URL) throws -> XMLDocument {
        let data = try Data(contentsOf: url)
        let parser = XMLParser(data: data)
        guard parser.parse() else {
            throw NotWellFormed(description: "\(url.path): not well-formed at line \(parser.lineNumber), column \(parser.columnNumber): \(parser.parserError.map { "\($0)" } ?? "unknown error")")
        }
        return try XMLDocument(data: data, options: [])
    }

    /// Values of `attribute` on every element named `name` ("*": any element), in document order.
    static func attributes(_ document: XMLDocument, _ name: String, _ attribute: String) throws -> [String] {
        try document.nodes(forXPath: (name == "*" ? "//*" : "//*[local-name()='\(name)']") + "/@\(attribute)").compactMap(\.stringValue)
    }

    /// The local references (img src, audio src, a href) that do not resolve to an existing file
    /// or directory next to the report, and fragment links without their target id.
    static func unresolvedReferences(_ document: XMLDocument, root: URL) throws -> [String] {
        let ids = Set(try attributes(document, "*", "id"))
        var bad: [String] = []
        let references = try attributes(document, "img", "src") + attributes(document, "audio", "src") + attributes(document, "a", "href")
        for reference in references {
            if reference.hasPrefix("#") {
                if !ids.contains(String(reference.dropFirst())) { bad.append(reference) }
                continue
            }
            guard !reference.contains("://") else { bad.append("\(reference) (not local)"); continue }
            let path = reference.removingPercentEncoding ?? reference
            if path.isEmpty || path.hasPrefix("/") || !FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) {
                bad.append(reference)
            }
        }
        return bad
    }

    @Test func debugReportIsWellFormedAndEveryReferenceResolves() throws {
        let root = try DebugRun.directory()
        let url = root.appendingPathComponent(ExperimentReport.fileName)
        #expect(FileManager.default.fileExists(atPath: url.path), "the pipeline wrote no report")
        let document = try Self.parse(url)
        #expect(try Self.unresolvedReferences(document, root: root) == [])

        // One figure for the one held-out utterance, a player for each of its five WAVs, and the
        // players point at the synthesize stage's files.
        let images = try Self.attributes(document, "img", "src")
        #expect(images == ["report/ru_0025.png"])
        let audio = try Self.attributes(document, "audio", "src")
        #expect(audio.count == 5 && audio.allSatisfy { $0.hasPrefix("04-synthesize/") && $0.hasSuffix("ru_0025.wav") }, "\(audio)")
        // Every training stage's charts, including the throughput and learning-rate charts.
        let titles = try document.nodes(forXPath: "//*[local-name()='svg']/*[local-name()='title']").compactMap(\.stringValue)
        for title in ["loss", "nll_bits_per_sample", "kl", "grad_norm (before clipping)", "training samples/s", "learning rate"] {
            #expect(titles.contains(title), "no chart '\(title)' in \(titles)")
        }
        // The tables of eval.json and bench.json (bench ran after evaluate: the report was re-made).
        let text = try String(contentsOf: url, encoding: .utf8)
        for phrase in ["teacher NLL (bits/sample)", "preemphasized_mel_lpc", "VDE %", "Ratios", "Results", "&quot;name&quot; : &quot;debug&quot;"] {
            #expect(text.contains(phrase), "the report lacks \(phrase)")
        }
        #expect(!text.contains("class=\"missing\""), "a complete run reported something missing")
    }

    /// The figure is a real PNG with the four systems on it and the f0 contour (eval.json has
    /// voicing metrics, and the reference is speech).
    @Test func spectrogramFigureHasFourPanelsAndTheF0Contour() throws {
        let root = try DebugRun.directory()
        let image = try RGBImage(pngAt: root.appendingPathComponent("report/ru_0025.png"))
        // Four panels of a 160-pixel plot, stacked.
        #expect(image.height > 4 * 160 && image.width > 150, "\(image.width) x \(image.height)")
        var cyan = 0, dark = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let pixel = image[x, y]
                if pixel == RGB(0, 230, 255) { cyan += 1 }
                if pixel.luma < 20 { dark += 1 }
            }
        }
        #expect(cyan > 50, "\(cyan) f0-contour pixels")
        #expect(dark > 1000, "\(dark) dark (quiet) spectrogram pixels")
    }

    /// The parse check itself: one bare '&' (as in a script's `&&`) fails it.
    @Test func aStrayAmpersandIsNotWellFormed() throws {
        let root = try DebugRun.copy()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent(ExperimentReport.fileName)
        let text = try String(contentsOf: url, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "</script>", with: "var a = 1 && 2;</script>").utf8).write(to: url)
        #expect(throws: NotWellFormed.self) { try Self.parse(url) }
    }

    /// The checker itself: a report whose figure is gone has an unresolved reference.
    @Test func aMissingFigureIsAnUnresolvedReference() throws {
        let root = try DebugRun.copy()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.removeItem(at: root.appendingPathComponent("report/ru_0025.png"))
        let document = try Self.parse(root.appendingPathComponent(ExperimentReport.fileName))
        // The image, its link, and its entry in the artifact list.
        let bad = try Self.unresolvedReferences(document, root: root)
        #expect(bad.count == 3 && Set(bad) == ["report/ru_0025.png"], "\(bad)")
    }

    /// A run without teacher samples, bench or distillation metrics still gets a report; each
    /// of those sections says what is missing, and the rest is there.
    @Test func missingFilesAreReportedNotFatal() throws {
        let root = try DebugRun.copy()
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        try fm.removeItem(at: root.appendingPathComponent("06-bench"))
        try fm.removeItem(at: root.appendingPathComponent("04-synthesize/teacher"))
        try fm.removeItem(at: root.appendingPathComponent("03-distill/metrics.jsonl"))
        try fm.removeItem(at: root.appendingPathComponent("report"))
        let outcome = try ExperimentReport.write(experimentDirectory: root)
        #expect(outcome.figures == 1)
        let missing = outcome.missing.joined(separator: "\n")
        #expect(missing.contains("06-bench/bench.json is missing"), "\(missing)")
        #expect(missing.contains("04-synthesize/teacher/ru_0025.wav is missing"), "\(missing)")
        #expect(missing.contains("03-distill/metrics.jsonl is missing"), "\(missing)")
        #expect(outcome.missing.count == 3, "\(missing)")
        let document = try Self.parse(outcome.url)
        #expect(try Self.unresolvedReferences(document, root: root) == [])
        #expect(try Self.attributes(document, "audio", "src").count == 4)
        let text = try String(contentsOf: outcome.url, encoding: .utf8)
        #expect(text.contains("bench.json is missing: stage 6 (bench) has not completed."))
    }

    /// Only a pipeline.json: every section says what is missing; no directory at all is an error
    /// that names it.
    @Test func anEmptyExperimentGetsAReportAndANonExperimentAnError() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-report-empty-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(throws: PipelineError.self) { try ExperimentReport.write(experimentDirectory: root) }
        try Data(#"{"name": "empty & <odd>"}"#.utf8).write(to: root.appendingPathComponent("pipeline.json"))
        let outcome = try ExperimentReport.write(experimentDirectory: root)
        #expect(outcome.figures == 0 && outcome.missing.count == 5, "\(outcome.missing)")
        let document = try Self.parse(outcome.url)
        #expect(try document.nodes(forXPath: "//*[local-name()='h1']").first?.stringValue == "empty & <odd>: experiment report")
        let absent = root.appendingPathComponent("absent")
        do {
            try ExperimentReport.write(experimentDirectory: absent)
            Issue.record("no error for a missing directory")
        } catch {
            #expect("\(error)".contains(absent.path), "\(error)")
        }
    }
}
