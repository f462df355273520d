import FileFormats
import Foundation

/// `exp/<name>/summary.json`: where every artifact is (paths relative to the experiment
/// directory) and the headline metrics, from whatever stages have completed.
public struct RunSummary: Codable {
    public var name: String
    public var stagesComplete: [String]
    public var teacherCheckpoint: String?
    public var studentCheckpoint: String?
    public var synthesized: [String]
    public var eval: String?
    public var bench: String?
    public var metrics: [String: Double]

    enum CodingKeys: String, CodingKey {
        case name, synthesized, eval, bench, metrics
        case stagesComplete = "stages_complete"
        case teacherCheckpoint = "teacher_checkpoint"
        case studentCheckpoint = "student_checkpoint"
    }

    public static func collect(_ experiment: Experiment) throws -> RunSummary {
        func relative(_ stage: Stage, _ file: String) -> String? {
            guard experiment.isComplete(stage) else { return nil }
            let path = stage.directoryName + "/" + file
            return FileManager.default.fileExists(atPath: experiment.root.appendingPathComponent(path).path) ? path : nil
        }
        var summary = RunSummary(name: experiment.config.name,
                                 stagesComplete: Stage.allCases.filter(experiment.isComplete).map(\.name),
                                 teacherCheckpoint: relative(.trainTeacher, TrainTeacherStage.weightsFile),
                                 studentCheckpoint: relative(.distill, DistillStage.weightsFile),
                                 synthesized: [], eval: relative(.evaluate, EvaluateStage.resultFile),
                                 bench: relative(.bench, BenchStage.resultFile), metrics: [:])
        if let records = relative(.synthesize, SynthesizeStage.recordFile) {
            let list = try JSONDecoder().decode([SynthesizeStage.Record].self,
                                                from: Data(contentsOf: experiment.root.appendingPathComponent(records)))
            let dir = Stage.synthesize.directoryName + "/"
            summary.synthesized = list.flatMap { r in [r.student, r.teacher, r.griffinLim, r.randomPhase].compactMap { $0 }.map { dir + $0 } }
        }
        if let eval = summary.eval,
           let object = try JSONSerialization.jsonObject(with: Data(contentsOf: experiment.root.appendingPathComponent(eval))) as? [String: Any] {
            for key in ["teacher_nll_bits_per_sample", "student_kl_nats_per_sample"] {
                if let v = object[key] as? Double { summary.metrics[key] = v }
            }
            for system in ["teacher", "student", "griffin_lim", "random_phase"] {
                if let q = object[system] as? [String: Any] {
                    for m in ["lsd_db", "mcd_db"] { if let v = q[m] as? Double { summary.metrics["\(system)_\(m)"] = v } }
                }
            }
        }
        if let bench = summary.bench,
           let object = try JSONSerialization.jsonObject(with: Data(contentsOf: experiment.root.appendingPathComponent(bench))) as? [String: Any],
           let ratios = object["ratios"] as? [String: Any] {
            for (k, v) in ratios { if let d = v as? Double { summary.metrics["bench_" + k] = d } }
        }
        return summary
    }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(encoder.encode(self), to: url)
    }

    /// A few lines for the terminal.
    public func text(_ experiment: Experiment) -> String {
        var lines = ["", "== \(name): \(stagesComplete.count)/\(Stage.allCases.count) stages complete (\(experiment.root.path))"]
        if let t = teacherCheckpoint { lines.append("   teacher:  \(t)") }
        if let s = studentCheckpoint { lines.append("   student:  \(s)") }
        if !synthesized.isEmpty { lines.append("   audio:    \(synthesized.count) WAVs in \(Stage.synthesize.directoryName)/ (listen: student/, teacher/, griffin_lim/, reference/; random_phase/ is a metric diagnostic)") }
        func f(_ key: String, _ unit: String) -> String? { metrics[key].map { String(format: "%.3f %@", $0, unit) } }
        if let v = f("teacher_nll_bits_per_sample", "bits/sample") { lines.append("   teacher NLL:          \(v)") }
        if let v = f("student_kl_nats_per_sample", "nats/sample") { lines.append("   student KL:           \(v)") }
        for system in ["student", "teacher", "griffin_lim", "random_phase"] {
            if let lsd = metrics["\(system)_lsd_db"], let mcd = metrics["\(system)_mcd_db"] {
                lines.append(String(format: "   %-12@ LSD %6.2f dB   MCD %6.2f dB", system as NSString, lsd, mcd))
            }
        }
        for (k, v) in metrics.sorted(by: { $0.key < $1.key }) where k.hasPrefix("bench_") {
            lines.append(String(format: "   %@: %.1f", String(k.dropFirst(6)), v))
        }
        let report = experiment.root.appendingPathComponent(ExperimentReport.fileName)
        if FileManager.default.fileExists(atPath: report.path) { lines.append("   report:   \(report.path) (open it in a browser)") }
        lines.append("   summary:  \(experiment.root.appendingPathComponent("summary.json").path)")
        return lines.joined(separator: "\n")
    }
}
