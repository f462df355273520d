import AudioIO
import Evaluation
import FileFormats
import Foundation
import PitchTracking
import Plotting

/// `exp/<name>/report.html`: one page to look at and listen to a run, made only from what the
/// stages left on disk (it changes no figure of the pipeline, it only reads):
///
/// - per held-out utterance, the spectrograms of reference, student, teacher and Griffin-Lim on
///   one colour scale (one PNG in `report/`, mel axis, with the f0 contour of each signal where
///   eval.json has voicing metrics) and a player for every WAV;
/// - the training curves of both training stages (inline SVG from metrics.jsonl) with the
///   diagnostics' warnings marked at their step;
/// - the tables of eval.json, bench.json, the stages' status and timings, the run's config, and
///   links to every artifact.
///
/// Every link is relative, so the directory can be copied or opened offline. Anything missing
/// (a run stopped before the teacher sampled, no bench) makes its section say what is missing
/// and where it would be; it never stops the report. The page is well-formed XML (see `Markup`)
/// and carries a small script that marks `<body data-images="loaded">` once every image has
/// decoded, which the browser test reads.
public enum ExperimentReport {
    public static let fileName = "report.html"
    /// The spectrogram PNGs, next to the report.
    public static let figureDirectoryName = "report"

    /// What `write` produced.
    public struct Outcome: Sendable {
        public var url: URL
        /// Spectrogram figures written.
        public var figures: Int
        /// One line per section that had nothing (or not everything) to show.
        public var missing: [String]
    }

    /// Writes the report of the experiment in `root` (atomically: a temporary file renamed over
    /// report.html), with its figures. Throws only when `root` is not an experiment directory
    /// or the report cannot be written.
    @discardableResult
    public static func write(experimentDirectory root: URL) throws -> Outcome {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PipelineError.badInput("\(root.path): no such experiment directory")
        }
        let hasStages = Stage.allCases.contains { FileManager.default.fileExists(atPath: root.appendingPathComponent($0.directoryName).path) }
        guard hasStages || FileManager.default.fileExists(atPath: root.appendingPathComponent("pipeline.json").path) else {
            throw PipelineError.badInput("\(root.path): not an experiment directory (no pipeline.json and no stage directories such as \(Stage.prepare.directoryName)/)")
        }
        var builder = Builder(root: root)
        let html = try builder.page()
        let url = root.appendingPathComponent(fileName)
        do {
            try AtomicFile.write(Data(html.utf8), to: url)
        } catch {
            throw PipelineError.cannotWrite(path: url.path, reason: "\(error)")
        }
        return Outcome(url: url, figures: builder.figures, missing: builder.missing)
    }

    /// Builds the page section by section, collecting what was missing.
    struct Builder {
        let root: URL
        var figures = 0
        var missing: [String] = []
        /// pipeline.json, if readable.
        var pipeline: JSONValue?

        init(root: URL) { self.root = root }

        func stageDirectory(_ stage: Stage) -> URL { root.appendingPathComponent(stage.directoryName) }

        /// A path relative to the experiment root, for links and messages.
        func relative(_ stage: Stage, _ file: String) -> String { stage.directoryName + "/" + file }

        func exists(_ relativePath: String) -> Bool {
            FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
        }

        /// Reads a JSON file of the run; a missing one is nil, an unreadable one is reported and nil.
        mutating func json(_ relativePath: String) -> JSONValue? {
            do {
                return try JSONValue.read(root.appendingPathComponent(relativePath))
            } catch {
                missing.append("\(relativePath) could not be read: \(error)")
                return nil
            }
        }

        mutating func note(_ text: String) -> String {
            missing.append(text)
            return Markup.missing(text)
        }

        mutating func page() throws -> String {
            pipeline = json("pipeline.json")
            let name = pipeline?["name"]?.string ?? root.lastPathComponent
            let sections: [(id: String, title: String, body: String)] = [
                ("stages", "Stages and timings", stagesSection()),
                ("utterances", "Held-out utterances: look and listen", try utterancesSection()),
                ("evaluation", "Evaluation (eval.json)", evaluationSection()),
                ("curves", "Training curves", curvesSection()),
                ("bench", "Benchmark (bench.json)", benchSection()),
                ("config", "Configuration (pipeline.json)", configSection()),
                ("artifacts", "Artifacts", artifactsSection()),
            ]
            let generated = ISO8601DateFormatter().string(from: Date())
            var body = Markup.element("h1", [], Markup.escape("\(name): experiment report"))
            body += "\n" + Markup.element("p", [("class", "meta")],
                                          Markup.escape("Made \(generated) by wavedistill from \(root.path) (re-make: wavedistill report \(root.path)). Paths are relative to this page."))
            body += "\n" + Markup.element("nav", [], sections.map { Markup.element("a", [("href", "#" + $0.id)], Markup.escape($0.title)) }.joined(separator: " · "))
            for section in sections {
                body += "\n" + Markup.element("section", [("id", section.id)],
                                              "\n" + Markup.element("h2", [], Markup.escape(section.title)) + "\n" + section.body + "\n")
            }
            body += "\n" + Markup.element("script", [], Self.imageCheckScript)
            let head = Markup.void("meta", [("charset", "utf-8")]) + "\n"
                + Markup.void("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]) + "\n"
                + Markup.element("title", [], Markup.escape("\(name): wavedistill report")) + "\n"
                + Markup.element("style", [], Self.css)
            return "<!DOCTYPE html>\n" + Markup.element("html", [("xmlns", "http://www.w3.org/1999/xhtml"), ("lang", "en")],
                                                         "\n" + Markup.element("head", [], "\n" + head + "\n") + "\n"
                                                            + Markup.element("body", [("data-images", "pending")], "\n" + body + "\n") + "\n") + "\n"
        }

        // MARK: Stages

        /// Status from the DONE/STARTED markers, time from the log's "done in" line, and links.
        mutating func stagesSection() -> String {
            var rows: [[String]] = []
            for stage in Stage.allCases {
                let directory = stageDirectory(stage)
                let status: String
                if exists(relative(stage, "DONE")) { status = "complete" }
                else if exists(relative(stage, "STARTED")) { status = "started, not finished" }
                else { status = "not run" }
                var time = ""
                if let log = try? String(contentsOf: directory.appendingPathComponent("log.txt"), encoding: .utf8),
                   let line = log.split(separator: "\n").last(where: { $0.contains(") done in ") }),
                   let range = line.range(of: "done in ") {
                    time = String(line[range.upperBound...])
                }
                let files = ["log.txt", "config.json", "result.json"].filter { exists(relative(stage, $0)) }
                rows.append([Markup.escape("\(stage.rawValue)"), Markup.escape(stage.name), Markup.escape(status), Markup.escape(time),
                             files.map { Markup.link(relative(stage, $0), $0) }.joined(separator: " ")])
            }
            var out = Markup.table(header: ["#", "stage", "status", "time", "files"], rows: rows)
            if let summary = json("summary.json"), let complete = summary["stages_complete"]?.array {
                out += "\n" + Markup.element("p", [], Markup.escape("summary.json: \(complete.count) of \(Stage.allCases.count) stages complete when it was last written. ")
                                             + Markup.link("summary.json"))
            }
            return out
        }

        // MARK: Utterances

        mutating func utterancesSection() throws -> String {
            let recordsPath = relative(.synthesize, SynthesizeStage.recordFile)
            guard let records = json(recordsPath)?.array else {
                return note("No held-out syntheses: \(recordsPath) is missing (stage 4, synthesize, has not completed).")
            }
            let eval = json(relative(.evaluate, EvaluateStage.resultFile))
            var perUtterance: [String: JSONValue] = [:]
            for item in eval?["per_utterance"]?.array ?? [] {
                if let id = item["id"]?.string { perUtterance[id] = item }
            }
            let figureDirectory = root.appendingPathComponent(figureDirectoryName)
            do {
                try FileManager.default.createDirectory(at: figureDirectory, withIntermediateDirectories: true)
            } catch {
                throw PipelineError.cannotWrite(path: figureDirectory.path, reason: "\(error)")
            }
            var out = Markup.element("p", [], Markup.escape(
                "Log-power spectrograms (10 log10 |STFT|², n_fft 1024, hop 256, Hann) of each system on one colour scale per utterance "
                + "(magma, 0 dB = the loudest bin of the four, 80 dB range), mel-spaced frequency axis. "
                + "Cyan: the f0 contour (aubio YIN, the evaluate stage's tracker) where eval.json has voicing metrics. "
                + "The teacher samples only the first seconds (synthesis.teacher_max_seconds)."))
            if eval == nil { out += "\n" + note("No f0 contours and no per-utterance metrics: \(relative(.evaluate, EvaluateStage.resultFile)) is missing.") }
            for record in records {
                guard let id = record["id"]?.string else { continue }
                out += "\n" + (try utterance(id: id, record: record, evaluation: perUtterance[id], figureDirectory: figureDirectory))
            }
            return out
        }

        static let systems: [(key: String, title: String)] = [("reference", "reference"), ("student", "student"),
                                                                ("teacher", "teacher"), ("griffin_lim", "Griffin-Lim"),
                                                                ("random_phase", "random phase")]
        /// The systems drawn (random_phase is a metric yardstick: heard, not drawn).
        static let drawn: Set = ["reference", "student", "teacher", "griffin_lim"]

        mutating func utterance(id: String, record: JSONValue, evaluation: JSONValue?, figureDirectory: URL) throws -> String {
            var out = Markup.element("h3", [("id", "utterance-" + Self.fileSafe(id))], Markup.escape(id))
            var panels: [SpectrogramPanel] = [], notes: [String] = [], players: [String] = []
            let voiced = evaluation?["systems"]?.object?.compactMap { $0.value["voicing"] == nil ? nil : $0.key } ?? []
            for system in Self.systems {
                guard let path = record[system.key]?.string else {
                    notes.append("no \(system.title) synthesis for this utterance")
                    continue
                }
                let relativePath = relative(.synthesize, path)
                guard exists(relativePath) else {
                    notes.append("\(relativePath) is missing")
                    continue
                }
                players.append(Markup.element("figure", [("class", "player")],
                                              Markup.element("figcaption", [], Markup.escape(system.title) + " " + Markup.link(relativePath, "(wav)"))
                                              + Markup.element("audio", [("controls", "controls"), ("preload", "none"), ("src", Markup.href(relativePath))], "")))
                guard Self.drawn.contains(system.key) else { continue }
                do {
                    let audio = try Audio(contentsOf: root.appendingPathComponent(relativePath))
                    var contour: F0Contour?
                    // The reference's contour when any system was compared with it, a system's when it was.
                    if (system.key == "reference" && !voiced.isEmpty) || voiced.contains(system.key) {
                        let track = try PitchTracker(sampleRate: audio.sampleRate).track(audio.samples)
                        contour = F0Contour(times: track.frames.map(\.time), hz: track.frames.map(\.voicedF0Hz))
                    }
                    panels.append(SpectrogramPanel(title: system.title, samples: audio.samples, sampleRate: audio.sampleRate, f0: contour))
                } catch {
                    notes.append("\(relativePath) cannot be drawn: \(error)")
                }
            }
            if !panels.isEmpty {
                let figureName = figureDirectoryName + "/" + Self.fileSafe(id) + ".png"
                do {
                    let options = SpectrogramOptions(fftLength: 1024, hopLength: 256, dynamicRangeDB: 80, axis: .mel,
                                                     pixelsPerSecond: 150, plotHeight: 160, fontScale: 2)
                    let figure = try SpectrogramFigure.render(panels, options: options)
                    try figure.image.writePNG(to: root.appendingPathComponent(figureName))
                    figures += 1
                    out += "\n" + Markup.element("figure", [("class", "spectrogram")],
                                                 Markup.element("a", [("href", Markup.href(figureName))],
                                                                Markup.void("img", [("src", Markup.href(figureName)),
                                                                                    ("alt", "spectrograms of \(id): " + panels.map(\.title).joined(separator: ", ")),
                                                                                    ("width", "\(figure.image.width)"), ("height", "\(figure.image.height)")])))
                } catch {
                    notes.append("the spectrogram figure could not be drawn: \(error)")
                }
            }
            for text in notes { out += "\n" + note("\(id): \(text)") }
            out += "\n" + Markup.element("div", [("class", "players")], players.joined(separator: "\n"))
            if let systems = evaluation?["systems"]?.object, !systems.isEmpty {
                out += "\n" + Self.qualityTable(systems)
            }
            return out
        }

        /// An utterance id as a file name and fragment: letters, digits, '-', '_' and '.' kept.
        static func fileSafe(_ id: String) -> String {
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
            let safe = String(id.map { allowed.contains($0) ? $0 : "_" })
            return safe.isEmpty || safe.hasPrefix(".") ? "_" + safe : safe
        }

        /// LSD, MCD and the voicing figures of each system, in the report's order.
        static func qualityTable(_ systems: [String: JSONValue]) -> String {
            let columns: [(key: String, title: String)] = [
                ("vde_percent", "VDE %"), ("f0_rmse_cents", "f0 RMSE (cents)"), ("gross_pitch_error_percent", "GPE %"),
                ("fine_f0_rmse_cents", "fine f0 RMSE (cents)"), ("voiced_percent", "voiced %"), ("reference_voiced_percent", "reference voiced %"),
            ]
            let order = ["student", "teacher", "griffin_lim", "random_phase"]
            let names = order.filter { systems[$0] != nil } + systems.keys.filter { !order.contains($0) }.sorted()
            let rows = names.map { name -> [String] in
                let q = systems[name]
                return [Markup.escape(name), Markup.escape(q?["lsd_db"]?.text ?? ""), Markup.escape(q?["mcd_db"]?.text ?? "")]
                    + columns.map { Markup.escape(q?["voicing"]?[$0.key]?.text ?? "") }
            }
            return Markup.table(header: ["system", "LSD (dB)", "MCD (dB)"] + columns.map(\.title), rows: rows, className: "numbers")
        }

        // MARK: Evaluation

        mutating func evaluationSection() -> String {
            let path = relative(.evaluate, EvaluateStage.resultFile)
            guard let eval = json(path) else {
                return note("\(path) is missing: stage 5 (evaluate) has not completed.")
            }
            var out = Markup.element("p", [], Markup.link(path) + Markup.escape(" (definitions: docs/losses-and-metrics.md in the repository)."))
            let headline: [(String, String)] = [
                ("teacher_nll_bits_per_sample", "teacher NLL (bits/sample)"), ("teacher_nll_nats_per_sample", "teacher NLL (nats/sample)"),
                ("teacher_passes_rung", "last ladder rung the teacher is below"), ("student_kl_nats_per_sample", "student KL to the teacher (nats/sample)"),
            ]
            out += "\n" + Markup.table(header: ["figure", "value"], rows: headline.compactMap { key, title in
                eval[key].map { [Markup.escape(title), Markup.escape($0.text)] }
            }, className: "numbers")
            if let ladder = eval["nll_ladder_bits_per_sample"]?.object {
                // The ladder's own order (simplest predictor first), then any rung this build does not know.
                let known = PredictorLadder.rungs.map(\.name)
                let names = known.filter { ladder[$0] != nil } + ladder.keys.filter { !known.contains($0) }.sorted()
                let teacher = eval["teacher_nll_bits_per_sample"]?.double
                var rows = names.map { name -> [String] in
                    var below = ""
                    if let teacher, let bits = ladder[name]?.double { below = teacher < bits ? "yes" : "no" }
                    return [Markup.escape(name), Markup.escape(ladder[name]?.text ?? ""), Markup.escape(below)]
                }
                if let teacher { rows.append([Markup.element("b", [], "teacher"), Markup.escape(Markup.number(teacher)), ""]) }
                out += "\n" + Markup.element("h3", [], "NLL ladder (bits/sample; parameter-free predictors on the same span)")
                    + "\n" + Markup.table(header: ["predictor", "NLL (bits/sample)", "teacher below it"], rows: rows, className: "numbers")
            } else {
                out += "\n" + note("\(path) has no NLL ladder (written before the ladder existed).")
            }
            var systems: [String: JSONValue] = [:]
            for name in ["student", "teacher", "griffin_lim", "random_phase"] { if let q = eval[name], q.object != nil { systems[name] = q } }
            if !systems.isEmpty {
                out += "\n" + Markup.element("h3", [], "Copy-synthesis quality and voicing against the reference (means; voicing pools the frames)")
                    + "\n" + Self.qualityTable(systems)
            }
            if let consistency = eval["teacher_self_consistency"]?.object {
                out += "\n" + Markup.element("h3", [], "Teacher self-consistency (its samples' NLL against the entropy along them)")
                    + "\n" + Self.objectTable(consistency)
            }
            if let utterances = eval["per_utterance"]?.array, !utterances.isEmpty {
                let rows = utterances.map { u -> [String] in
                    let id = u["id"]?.string ?? "?"
                    let systems = u["systems"]?.object ?? [:]
                    return [Markup.element("a", [("href", "#utterance-" + Self.fileSafe(id))], Markup.escape(id)),
                            Markup.escape(u["teacher_nll_bits_per_sample"]?.text ?? ""), Markup.escape(u["student_kl_nats_per_sample"]?.text ?? "")]
                        + ["student", "teacher", "griffin_lim"].map { Markup.escape(systems[$0]?["lsd_db"]?.text ?? "") }
                }
                out += "\n" + Markup.element("h3", [], "Per utterance")
                    + "\n" + Markup.table(header: ["utterance", "teacher NLL (bits/sample)", "student KL (nats/sample)",
                                                   "student LSD (dB)", "teacher LSD (dB)", "Griffin-Lim LSD (dB)"], rows: rows, className: "numbers")
            }
            return out
        }

        /// Key-value rows of an object (nested values as one-line JSON).
        static func objectTable(_ object: [String: JSONValue]) -> String {
            Markup.table(header: ["key", "value"], rows: object.sorted { $0.key < $1.key }.map { [Markup.escape($0.key), Markup.escape($0.value.text)] },
                         className: "numbers")
        }

        /// Rows of an array of objects, one column per name in `columns` that any of them has.
        static func arrayTable(_ items: [JSONValue], columns: [String]) -> String {
            let present = columns.filter { c in items.contains { $0[c] != nil } }
            let rows = items.map { item in present.map { Markup.escape(item[$0]?.text ?? "") } }
            return Markup.table(header: present, rows: rows, className: "numbers")
        }

        // MARK: Curves

        mutating func curvesSection() -> String {
            var out = Markup.element("p", [], Markup.escape(
                "From each training stage's metrics.jsonl: train points every log_every steps (blue), validations (orange dots). "
                + "Samples/s is batch_size × crop_samples per step over the logged wall-clock time. "
                + "Red dashed lines: the diagnostics' warnings at their step (hover for the message); they are listed under the charts."))
            for (stage, key) in [(Stage.trainTeacher, "teacher"), (Stage.distill, "student")] {
                out += "\n" + Markup.element("h3", [], Markup.escape("\(stage.rawValue) \(stage.name)"))
                let training = pipeline?["training"]?[key]
                let samplesPerStep = training.flatMap { t in t["batch_size"]?.double.flatMap { b in t["crop_samples"]?.double.map { b * $0 } } }
                let curves: TrainingCurves?
                do {
                    curves = try TrainingCurves.read(stageDirectory: stageDirectory(stage), samplesPerStep: samplesPerStep)
                } catch {
                    out += "\n" + note("\(relative(stage, "metrics.jsonl")): \(error)")
                    continue
                }
                guard let curves, !curves.charts.isEmpty else {
                    out += "\n" + note("\(relative(stage, "metrics.jsonl")) is missing or empty: stage \(stage.rawValue) (\(stage.name)) has not logged a step.")
                    continue
                }
                if samplesPerStep == nil { out += "\n" + note("No samples/s: pipeline.json has no training.\(key) batch_size and crop_samples.") }
                out += "\n" + Markup.element("div", [("class", "charts")],
                                             "\n" + curves.charts.map { TrainingCurves.svg($0, warnings: curves.warnings, lastStep: curves.lastStep) }.joined(separator: "\n") + "\n")
                if curves.unreadableLines > 0 {
                    out += "\n" + note("\(relative(stage, "metrics.jsonl")): \(curves.unreadableLines) line(s) were not readable and are not drawn.")
                }
                if curves.warnings.isEmpty {
                    out += "\n" + Markup.element("p", [("class", "ok")], Markup.escape("No warnings from the diagnostics in \(relative(stage, "log.txt"))."))
                } else {
                    out += "\n" + Markup.element("ul", [("class", "warnings")], curves.warnings.map {
                        Markup.element("li", [], Markup.escape(($0.step.map { "step \($0): " } ?? "") + $0.text))
                    }.joined(separator: "\n"))
                }
            }
            return out
        }

        // MARK: Bench

        mutating func benchSection() -> String {
            let path = relative(.bench, BenchStage.resultFile)
            guard let bench = json(path) else {
                return note("\(path) is missing: stage 6 (bench) has not completed.")
            }
            var out = Markup.element("p", [], Markup.link(path))
            if let targets = bench["targets"]?.array, !targets.isEmpty {
                out += "\n" + Markup.element("h3", [], "Targets") + "\n" + Self.arrayTable(targets, columns: ["name", "value", "comparison", "threshold", "met"])
            }
            if let ratios = bench["ratios"]?.object {
                out += "\n" + Markup.element("h3", [], "Ratios") + "\n" + Self.objectTable(ratios)
            }
            if let results = bench["results"]?.array, !results.isEmpty {
                out += "\n" + Markup.element("h3", [], "Results") + "\n"
                    + Self.arrayTable(results, columns: ["section", "path", "preset", "batch", "audio_seconds", "median_s", "rtf", "samples_per_s",
                                                         "gflops", "fraction_of_fma_peak", "peak_rss_mb", "extrapolated"])
            }
            if let machine = bench["machine"]?.object {
                out += "\n" + Markup.element("h3", [], "Machine") + "\n" + Self.objectTable(machine)
            }
            if let notes = bench["notes"]?.array, !notes.isEmpty {
                out += "\n" + Markup.element("ul", [], notes.map { Markup.element("li", [], Markup.escape($0.text)) }.joined(separator: "\n"))
            }
            return out
        }

        // MARK: Config and artifacts

        mutating func configSection() -> String {
            let url = root.appendingPathComponent("pipeline.json")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                return note("pipeline.json is missing (written by `wavedistill run`).")
            }
            return Markup.element("details", [], Markup.element("summary", [], Markup.link("pipeline.json") + Markup.escape(": the resolved recipe of the last run (click to show)"))
                                  + Markup.element("pre", [], Markup.escape(text)))
        }

        /// Every file of the run, except the inside of the bulky directories (checkpoints, the
        /// prepared corpus), which are linked as directories.
        func artifactsSection() -> String {
            let fm = FileManager.default
            var items: [String] = []
            func list(_ relativePath: String, depth: Int) {
                let url = relativePath.isEmpty ? root : root.appendingPathComponent(relativePath)
                guard let names = try? fm.contentsOfDirectory(atPath: url.path) else { return }
                for name in names.sorted() where !name.hasPrefix(".") && !name.hasPrefix(ExperimentReport.fileName) {
                    let path = relativePath.isEmpty ? name : relativePath + "/" + name
                    var isDirectory: ObjCBool = false
                    if fm.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &isDirectory), isDirectory.boolValue {
                        if depth < 2 && !["checkpoints", "train", "valid"].contains(name) {
                            list(path, depth: depth + 1)
                        } else {
                            let count = (try? fm.contentsOfDirectory(atPath: root.appendingPathComponent(path).path).count) ?? 0
                            items.append(Markup.element("li", [], Markup.link(path + "/", path + "/") + Markup.escape(" (directory, \(count) entries)")))
                        }
                    } else {
                        items.append(Markup.element("li", [], Markup.link(path)))
                    }
                }
            }
            list("", depth: 0)
            return Markup.element("ul", [("class", "artifacts")], items.joined(separator: "\n"))
        }

        // MARK: Page furniture

        /// Marks the body once every image has decoded (data-images="loaded", or "broken" with
        /// the count of images that did not), for the headless-browser test. No '<' or '&' in it:
        /// the page must stay well-formed XML.
        static let imageCheckScript = """

            window.addEventListener('load', function () {
              var images = Array.prototype.slice.call(document.images);
              var broken = images.filter(function (image) { return !image.complete || image.naturalWidth === 0; });
              document.body.setAttribute('data-images', broken.length === 0 ? 'loaded' : 'broken');
              document.body.setAttribute('data-image-count', String(images.length));
              document.body.setAttribute('data-broken-images', String(broken.length));
            });

            """

        static let css = """

            body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; max-width: 1400px; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; }
            h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
            h3 { margin-bottom: 0.4em; }
            nav a { margin-right: 0.3em; }
            .meta { color: #666; font-size: 0.9em; }
            table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
            th, td { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: left; }
            th { background: #f3f3f3; }
            table.numbers td { font-variant-numeric: tabular-nums; }
            .missing { color: #8a4b00; background: #fff4e0; padding: 0.3em 0.6em; border-left: 3px solid #e69500; }
            .ok { color: #2a6b2a; }
            .warnings li { color: #b00020; }
            figure { margin: 0.5em 0; }
            figure.spectrogram img { max-width: 100%; height: auto; border: 1px solid #eee; }
            .players { display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; }
            .player figcaption { font-size: 0.85em; color: #444; }
            .charts { display: flex; flex-wrap: wrap; gap: 10px; }
            svg.chart { border: 1px solid #e0e0e0; font-family: system-ui, sans-serif; }
            svg .chart-title { font-size: 12px; font-weight: bold; fill: #222; }
            svg .legend { font-size: 11px; }
            svg .tick { font-size: 10px; fill: #555; }
            pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
            ul.artifacts { columns: 2; font-size: 0.9em; }

            """
    }
}
