import ArgumentParser
import Foundation
import Pipeline

/// `wavedistill report EXP_DIR`: re-makes exp/<name>/report.html from what is on disk.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write EXP_DIR/report.html: spectrograms and players of the held-out utterances, training curves, evaluation and benchmark tables.",
        discussion: """
            The evaluate and bench stages write the report themselves; this command re-makes it from the \
            files of any experiment directory (complete or not: a missing stage's section says what is \
            missing). It only reads the run's files; it writes report.html and the spectrogram PNGs in \
            EXP_DIR/report/. Open report.html in a browser (offline: every link is relative).
            """)

    @Argument(help: "Experiment directory (e.g. exp/quickstart).")
    var experimentDirectory: String

    func run() throws {
        try CLISupport.reportingErrors {
            let outcome = try ExperimentReport.write(experimentDirectory: CLISupport.fileURL(experimentDirectory))
            for line in outcome.missing { CLISupport.printToStandardError("report: missing: \(line)") }
            let path = (experimentDirectory as NSString).appendingPathComponent(ExperimentReport.fileName)
            print("\(path): \(outcome.figures) spectrogram figure\(outcome.figures == 1 ? "" : "s"), \(outcome.missing.count) missing item\(outcome.missing.count == 1 ? "" : "s")")
        }
    }
}
