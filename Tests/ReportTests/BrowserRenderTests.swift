import Foundation
import Plotting
import Testing
@testable import Pipeline

/// The debug recipe's report in a real browser: Debian's chromium, headless, renders it to a PNG
/// screenshot that must not be blank and must show a spectrogram, and its DOM after loading must
/// carry the page's own mark that every image decoded (`<body data-images="loaded">`, set by the
/// page's script from each image's naturalWidth).
///
/// Skipped, with a message, when chromium is absent outside CI; with CI=true (`.ci/run`, which
/// installs it) a missing chromium fails. `WAVEDISTILL_REPORT_SCREENSHOT=path` keeps the
/// screenshot (docs/images/report.png is one).
@Suite(.serialized) struct BrowserRenderTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static let width = 1024, height = 1280

    /// Runs the browser with `arguments`, returning standard output; fails after `timeout` s.
    static func browser(_ arguments: [String], profile: URL, timeout: TimeInterval = 120) throws -> String {
        let executable = try #require(chromium, "chromium is not installed (CI=true: .ci/run installs it through scripts/install-deps.sh --with-browser)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                             "--user-data-dir=\(profile.path)"] + arguments
        // Output to files, not pipes: a full pipe would block the browser.
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let outputURL = profile.appendingPathExtension("stdout"), errorURL = profile.appendingPathExtension("stderr")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil),
              FileManager.default.createFile(atPath: errorURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: outputURL.path])
        }
        let output = try FileHandle(forWritingTo: outputURL), errors = try FileHandle(forWritingTo: errorURL)
        defer { try? output.close(); try? errors.close() }
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if process.isRunning {
            process.terminate()
            Issue.record("chromium did not finish within \(timeout) s: \(arguments)")
        }
        process.waitUntilExit()
        return (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
    }

    @Test(.enabled(if: chromium != nil || inCI,
                   "chromium is not installed: skipping the browser rendering of the report (apt-get install chromium; CI=true makes this a failure)"))
    func reportRendersWithEveryImageDecoded() throws {
        let root = try DebugRun.directory()
        let page = root.appendingPathComponent(ExperimentReport.fileName)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("wavedistill-browser-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)

        // The DOM once the page has loaded: the page's script has judged every image.
        let dom = try Self.browser(["--virtual-time-budget=10000", "--dump-dom", page.absoluteString],
                                   profile: scratch.appendingPathComponent("profile-dom"))
        let images = try String(contentsOf: page, encoding: .utf8).components(separatedBy: "<img ").count - 1
        #expect(images >= 1)
        #expect(dom.contains("data-images=\"loaded\""), "the page did not mark its images loaded: \(dom.prefix(400))")
        #expect(dom.contains("data-image-count=\"\(images)\"") && dom.contains("data-broken-images=\"0\""),
                "image marks: \(dom.components(separatedBy: "<body").dropFirst().first?.prefix(200) ?? "no body")")

        // The screenshot: the requested size, not blank, and with the spectrogram's magma purples
        // on the first screen.
        let shot = scratch.appendingPathComponent("report.png")
        _ = try Self.browser(["--window-size=\(Self.width),\(Self.height)", "--screenshot=\(shot.path)", page.absoluteString],
                             profile: scratch.appendingPathComponent("profile-shot"))
        let image = try RGBImage(pngAt: shot)
        #expect(image.width == Self.width && image.height == Self.height, "\(image.width) x \(image.height)")
        var colours = Set<RGB>(), inked = 0, purple = 0
        for y in Swift.stride(from: 0, to: image.height, by: 2) {
            for x in Swift.stride(from: 0, to: image.width, by: 2) {
                let pixel = image[x, y]
                colours.insert(pixel)
                if pixel.luma < 200 { inked += 1 }
                if Int(pixel.r) > Int(pixel.g) + 40 && Int(pixel.b) > Int(pixel.g) + 40 { purple += 1 }
            }
        }
        let sampled = (image.width / 2) * (image.height / 2)
        #expect(colours.count > 100, "\(colours.count) distinct colours: a blank page?")
        #expect(Double(inked) / Double(sampled) > 0.03, "\(inked) of \(sampled) sampled pixels inked")
        #expect(purple > 2000, "\(purple) magma-purple pixels: no spectrogram on the first screen")
        // The page's mark can say no: with its figure deleted, the same page reports a broken image.
        let damaged = try DebugRun.copy()
        defer { try? FileManager.default.removeItem(at: damaged) }
        try FileManager.default.removeItem(at: damaged.appendingPathComponent("report/ru_0025.png"))
        let brokenDOM = try Self.browser(["--virtual-time-budget=10000", "--dump-dom", damaged.appendingPathComponent(ExperimentReport.fileName).absoluteString],
                                         profile: scratch.appendingPathComponent("profile-broken"))
        #expect(brokenDOM.contains("data-images=\"broken\"") && brokenDOM.contains("data-broken-images=\"1\""),
                "a missing figure went unnoticed: \(brokenDOM.components(separatedBy: "<body").dropFirst().first?.prefix(200) ?? "no body")")
        if let keep = ProcessInfo.processInfo.environment["WAVEDISTILL_REPORT_SCREENSHOT"] {
            let destination = URL(fileURLWithPath: keep)
            try? FileManager.default.removeItem(at: destination)
            try FileManager.default.copyItem(at: shot, to: destination)
        }
    }
}
