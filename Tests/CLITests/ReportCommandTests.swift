import Foundation
import Testing

/// `wavedistill report EXP_DIR`: a partial experiment gets a report and the missing parts on
/// standard error; a directory that is not an experiment is one error line naming it.
@Suite struct ReportCommandTests {
    @Test func reportOfAPartialExperimentListsWhatIsMissing() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        try FileManager.default.createDirectory(at: workspace.file("exp"), withIntermediateDirectories: true)
        try workspace.write(#"{"name": "partial"}"#, to: "exp/pipeline.json")
        let result = try runner.run(["report", "exp"], in: workspace.url)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.outputLines == ["exp/report.html: 0 spectrogram figures, 5 missing items"], "\(result.outputLines)")
        #expect(result.errorLines.count == 5 && result.errorLines.allSatisfy { $0.hasPrefix("report: missing: ") }, "\(result.errorLines)")
        #expect(result.standardError.contains("05-evaluate/eval.json is missing"))
        let html = try String(contentsOf: workspace.file("exp/report.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("partial: experiment report"))
    }

    @Test func reportOfANonExperimentNamesIt() throws {
        let runner = try WavedistillRunner.locate()
        let workspace = try Workspace()
        let missing = try runner.run(["report", "nowhere"], in: workspace.url)
        #expect(missing.status == 1 && missing.errorLines.count == 1 && missing.standardError.contains("nowhere"), "\(missing.standardError)")
        try FileManager.default.createDirectory(at: workspace.file("empty"), withIntermediateDirectories: true)
        let empty = try runner.run(["report", "empty"], in: workspace.url)
        #expect(empty.status == 1 && empty.standardError.contains("not an experiment directory"), "\(empty.standardError)")
        #expect(workspace.contents == ["empty"])
    }
}
