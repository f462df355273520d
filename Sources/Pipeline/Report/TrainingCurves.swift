import Foundation

/// The curves of one training stage, from what it left on disk: `metrics.jsonl` (one object per
/// logged step, `split` train / valid / skipped) and the diagnostics in `log.txt` (the
/// distillation's health checks, which run at each validation and print `health: ...` before the
/// validation line, and steps skipped as non-finite). Each chart is inline SVG (no script, no
/// library): it draws offline in any browser, and the warnings are red dashed lines at their step
/// with the message as the line's tooltip.
struct TrainingCurves {
    struct Series {
        var name: String
        var colour: String
        /// Validation points are few and far apart: drawn with dots.
        var dots: Bool
        var points: [(step: Double, value: Double)]
    }

    struct Chart {
        var title: String
        var series: [Series]
    }

    struct Warning: Equatable {
        /// The step the warning belongs to (nil: the log did not say).
        var step: Int?
        var text: String
    }

    var charts: [Chart]
    var warnings: [Warning]
    var lastStep: Int
    /// Lines of metrics.jsonl that were not JSON objects with a step (a run killed mid-write).
    var unreadableLines: Int

    static let trainColour = "#1f77b4", validColour = "#ff7f0e", warningColour = "#d62728"
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]

    /// One record of metrics.jsonl.
    struct Record {
        var step: Int
        var split: String
        var values: [String: Double]
    }

    /// Reads a stage directory's metrics.jsonl and log.txt; nil when there is no metrics.jsonl.
    /// `samplesPerStep` (batch size x crop samples) turns the `seconds` column into samples/s.
    static func read(stageDirectory: URL, samplesPerStep: Double?) throws -> TrainingCurves? {
        let metricsURL = stageDirectory.appendingPathComponent("metrics.jsonl")
        guard FileManager.default.fileExists(atPath: metricsURL.path) else { return nil }
        let text: String
        do {
            text = try String(contentsOf: metricsURL, encoding: .utf8)
        } catch {
            throw PipelineError.badInput("\(metricsURL.path): cannot read (\(error))")
        }
        var records: [Record] = [], unreadable = 0
        for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
                  let members = value.object, let step = members["step"]?.double, step.isFinite else {
                unreadable += 1
                continue
            }
            var values: [String: Double] = [:]
            for (key, member) in members where key != "step" {
                if let number = member.double { values[key] = number }
            }
            records.append(Record(step: Int(step), split: members["split"]?.string ?? "train", values: values))
        }
        let logURL = stageDirectory.appendingPathComponent("log.txt")
        let log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return build(records: records, log: log, samplesPerStep: samplesPerStep, unreadableLines: unreadable)
    }

    /// The charts and warnings of parsed records and log text (separate from the file reading
    /// so that tests can feed both).
    static func build(records: [Record], log: String, samplesPerStep: Double?, unreadableLines: Int = 0) -> TrainingCurves {
        let train = records.filter { $0.split == "train" }.sorted { $0.step < $1.step }
        let valid = records.filter { $0.split == "valid" }.sorted { $0.step < $1.step }
        func series(_ rows: [Record], _ key: String, name: String, colour: String, dots: Bool) -> Series? {
            let points = rows.compactMap { r in r.values[key].map { (step: Double(r.step), value: $0) } }
            return points.isEmpty ? nil : Series(name: name, colour: colour, dots: dots, points: points)
        }
        // Loss terms first ("loss", then by name), then the per-band groups, then the optimiser's figures.
        let optimiser: Set = ["lr", "grad_norm", "seconds", "health_warnings"]
        let keys = Set(train.flatMap(\.values.keys) + valid.flatMap(\.values.keys)).subtracting(optimiser)
        var bandGroups: [String: [(band: Int, key: String)]] = [:]
        var plain: [String] = []
        for key in keys {
            if let range = key.range(of: #"_band[0-9]+$"#, options: .regularExpression), let band = Int(key[range].dropFirst(5)) {
                bandGroups[String(key[..<range.lowerBound]), default: []].append((band, key))
            } else {
                plain.append(key)
            }
        }
        plain.sort { ($0 == "loss" ? 0 : 1, $0) < ($1 == "loss" ? 0 : 1, $1) }
        var charts: [Chart] = []
        for key in plain {
            let lines = [series(train, key, name: "train", colour: trainColour, dots: false),
                         series(valid, key, name: "valid", colour: validColour, dots: true)].compactMap { $0 }
            if !lines.isEmpty { charts.append(Chart(title: key, series: lines)) }
        }
        for (group, members) in bandGroups.sorted(by: { $0.key < $1.key }) {
            let sorted = members.sorted { $0.band < $1.band }
            let lines = sorted.enumerated().compactMap { i, member in
                series(valid.isEmpty ? train : valid, member.key, name: "band \(member.band)", colour: palette[i % palette.count], dots: true)
            }
            if !lines.isEmpty { charts.append(Chart(title: "\(group) per band\(valid.isEmpty ? "" : " (valid)")", series: lines)) }
        }
        if let norm = series(train, "grad_norm", name: "train", colour: trainColour, dots: false) {
            charts.append(Chart(title: "grad_norm (before clipping)", series: [norm]))
        }
        if let samplesPerStep, samplesPerStep > 0 {
            // Between consecutive logged steps; `seconds` restarts on a resumed run, so a
            // falling clock starts a new interval instead of giving a negative rate.
            var points: [(step: Double, value: Double)] = []
            for (a, b) in zip(train, train.dropFirst()) {
                guard let ta = a.values["seconds"], let tb = b.values["seconds"], tb > ta, b.step > a.step else { continue }
                points.append((Double(b.step), Double(b.step - a.step) * samplesPerStep / (tb - ta)))
            }
            if !points.isEmpty {
                charts.append(Chart(title: "training samples/s", series: [Series(name: "train", colour: trainColour, dots: false, points: points)]))
            }
        }
        if let rate = series(train, "lr", name: "train", colour: trainColour, dots: false) {
            charts.append(Chart(title: "learning rate", series: [rate]))
        }

        let warnings = Self.warnings(log: log, records: records)
        return TrainingCurves(charts: charts, warnings: warnings, lastStep: records.map(\.step).max() ?? 0,
                              unreadableLines: unreadableLines)
    }

    /// The diagnostics' warnings: `health: ...` lines belong to the validation that follows them
    /// (`step N validation`), skipped steps to their step; lines with `warning` are kept too. A
    /// validation counting health warnings the log does not show still gets a mark.
    static func warnings(log: String, records: [Record]) -> [Warning] {
        var warnings: [Warning] = [], pending: [String] = []
        func step(in line: String, before suffix: String) -> Int? {
            guard let range = line.range(of: #"step [0-9]+ "# + suffix, options: .regularExpression) else { return nil }
            return Int(line[range].dropFirst(5).prefix { $0.isNumber })
        }
        for rawLine in log.split(separator: "\n").map(String.init) {
            // "[2026-12-04T14:45:26Z] distill: health: ..." without the time stamp.
            let line = rawLine.hasPrefix("[") ? String(rawLine.drop { $0 != "]" }.dropFirst().drop { $0 == " " }) : rawLine
            if let range = line.range(of: "health: ") {
                pending.append(String(line[range.upperBound...]))
            } else if let validated = step(in: line, before: "validation") {
                warnings += pending.map { Warning(step: validated, text: $0) }
                pending = []
            } else if let skipped = step(in: line, before: "skipped") {
                warnings.append(Warning(step: skipped, text: line))
            } else if line.lowercased().contains("warning") && !line.contains("health_warnings") {
                warnings.append(Warning(step: step(in: line, before: ""), text: line))
            }
        }
        warnings += pending.map { Warning(step: nil, text: $0) }
        for record in records where record.split == "skipped" && !warnings.contains(where: { $0.step == record.step }) {
            warnings.append(Warning(step: record.step, text: "step \(record.step) skipped: its loss or gradients were not finite"))
        }
        for record in records where record.split == "valid" {
            if let count = record.values["health_warnings"], count > 0, !warnings.contains(where: { $0.step == record.step }) {
                warnings.append(Warning(step: record.step, text: "\(Markup.number(count)) health warning(s) at this validation (see log.txt)"))
            }
        }
        return warnings.sorted { ($0.step ?? Int.max) < ($1.step ?? Int.max) }
    }

    // MARK: SVG

    static let width = 360.0, height = 210.0
    static let left = 58.0, right = 12.0, top = 30.0, bottom = 34.0

    /// Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten, about `count`.
    static func ticks(low: Double, high: Double, count: Int = 4) -> [Double] {
        guard high > low, (high - low).isFinite else { return [low] }
        let raw = (high - low) / Double(count)
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        var values: [Double] = []
        var value = (low / step).rounded(.up) * step
        while value <= high + step * 1e-9 {
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return values
    }

    /// A tick label: up to 4 significant digits; 10000 and more in thousands ("80k", not "8e+04").
    static func label(_ value: Double) -> String {
        abs(value) >= 10000 ? String(format: "%gk", (value / 1000 * 10).rounded() / 10) : String(format: "%.4g", value)
    }

    /// One chart as an `<svg>` element; `warnings` with a step are drawn as vertical lines.
    static func svg(_ chart: Chart, warnings: [Warning], lastStep: Int) -> String {
        let values = chart.series.flatMap { $0.points.map(\.value) }.filter(\.isFinite).sorted()
        var low = values.first ?? 0, high = values.last ?? 1
        // A first step's KL of 400 would flatten a curve that settles near 1: when the full range
        // is more than 5 times that of the middle 90 % of the points, the axis spans the middle
        // (widened by half its spread) and the outliers sit on the edge, as the title says.
        var clipped = false
        if values.count >= 20 {
            let middleLow = values[Int(Double(values.count - 1) * 0.05)], middleHigh = values[Int(Double(values.count - 1) * 0.95)]
            let spread = middleHigh - middleLow
            if spread > 0 && high - low > 5 * spread {
                low = max(low, middleLow - spread / 2)
                high = min(high, middleHigh + spread / 2)
                clipped = true
            }
        }
        if high - low <= 1e-12 * max(1, abs(high)) { low -= max(1e-3, abs(low) * 0.1); high += max(1e-3, abs(high) * 0.1) }
        let pad = (high - low) * 0.05
        low -= pad
        high += pad
        let maxStep = Double(max(1, lastStep))
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ step: Double) -> Double { left + step / maxStep * plotWidth }
        func y(_ value: Double) -> Double { top + (1 - (min(max(value, low), high) - low) / (high - low)) * plotHeight }
        let title = chart.title + (clipped ? " (y clipped)" : "")
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var parts: [String] = []
        parts.append(Markup.element("title", [], Markup.escape(chart.title)))
        parts.append(Markup.void("rect", [("x", "0"), ("y", "0"), ("width", f(width)), ("height", f(height)), ("fill", "#ffffff")]))
        parts.append(Markup.element("text", [("x", f(left)), ("y", "16"), ("class", "chart-title")], Markup.escape(title)))
        // Legend: one coloured name per series, right-aligned beside the title when it fits there
        // (about 7 px per title character, 6.5 per legend character), else along the bottom left.
        let legendWidth = chart.series.reduce(0.0) { $0 + Double($1.name.count) * 6.5 + 10 }
        if left + Double(title.count) * 7 + 10 + legendWidth <= width - right {
            var legendX = width - right
            for series in chart.series.reversed() {
                parts.append(Markup.element("text", [("x", f(legendX)), ("y", "16"), ("text-anchor", "end"), ("fill", series.colour),
                                                     ("class", "legend")], Markup.escape(series.name)))
                legendX -= Double(series.name.count) * 6.5 + 10
            }
        } else {
            var legendX = 6.0
            for series in chart.series {
                parts.append(Markup.element("text", [("x", f(legendX)), ("y", f(height - 4)), ("fill", series.colour), ("class", "legend")],
                                            Markup.escape(series.name)))
                legendX += Double(series.name.count) * 6.5 + 10
            }
        }
        for tick in ticks(low: low, high: high) {
            parts.append(Markup.void("line", [("x1", f(left)), ("x2", f(width - right)), ("y1", f(y(tick))), ("y2", f(y(tick))),
                                              ("stroke", "#e6e6e6")]))
            parts.append(Markup.element("text", [("x", f(left - 5)), ("y", f(y(tick) + 3.5)), ("text-anchor", "end"), ("class", "tick")],
                                        Markup.escape(label(tick))))
        }
        for tick in ticks(low: 0, high: maxStep) {
            parts.append(Markup.void("line", [("x1", f(x(tick))), ("x2", f(x(tick))), ("y1", f(height - bottom)), ("y2", f(height - bottom + 4)),
                                              ("stroke", "#666666")]))
            parts.append(Markup.element("text", [("x", f(x(tick))), ("y", f(height - bottom + 15)), ("text-anchor", "middle"), ("class", "tick")],
                                        Markup.escape(label(tick))))
        }
        parts.append(Markup.element("text", [("x", f(width - right)), ("y", f(height - 4)), ("text-anchor", "end"), ("class", "tick")], "step"))
        parts.append(Markup.void("rect", [("x", f(left)), ("y", f(top)), ("width", f(plotWidth)), ("height", f(plotHeight)),
                                          ("fill", "none"), ("stroke", "#999999")]))
        for warning in warnings {
            guard let step = warning.step else { continue }
            let wx = f(x(Double(step)))
            parts.append(Markup.element("g", [("class", "warning")],
                                        Markup.void("line", [("x1", wx), ("x2", wx), ("y1", f(top)), ("y2", f(height - bottom)),
                                                             ("stroke", warningColour), ("stroke-width", "1.5"), ("stroke-dasharray", "4 3")])
                                        + Markup.void("polygon", [("points", "\(wx),\(f(top + 7)) \(f(x(Double(step)) - 4)),\(f(top)) \(f(x(Double(step)) + 4)),\(f(top))"),
                                                                  ("fill", warningColour)])
                                        + Markup.element("title", [], Markup.escape("step \(step): \(warning.text)"))))
        }
        for series in chart.series {
            // Non-finite values break the line.
            var runs: [[(Double, Double)]] = [[]]
            for point in series.points {
                if point.value.isFinite { runs[runs.count - 1].append((x(point.step), y(point.value))) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                parts.append(Markup.void("polyline", [("points", run.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")),
                                                      ("fill", "none"), ("stroke", series.colour), ("stroke-width", "1.5")]))
                if series.dots {
                    for point in run {
                        parts.append(Markup.void("circle", [("cx", f(point.0)), ("cy", f(point.1)), ("r", "2.5"), ("fill", series.colour)]))
                    }
                }
            }
        }
        return Markup.element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("width", f(width)), ("height", f(height)),
                                      ("viewBox", "0 0 \(f(width)) \(f(height))"), ("class", "chart"), ("role", "img")],
                              parts.joined(separator: "\n"))
    }
}
