import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Pipeline

/// The training curves: which charts, the samples/s figure, and the diagnostics' warnings
/// placed at their step.
@Suite struct TrainingCurvesTests {
    typealias Record = TrainingCurves.Record

    static let records: [Record] = [
        Record(step: 10, split: "train", values: ["loss": 3, "kl": 1, "lr": 1e-3, "grad_norm": 2, "seconds": 5]),
        Record(step: 20, split: "train", values: ["loss": 2, "kl": 0.8, "lr": 1e-3, "grad_norm": 1, "seconds": 9]),
        Record(step: 20, split: "valid", values: ["loss": 2.5, "kl": 0.9, "health_warnings": 1, "power_diff_db_band0": -12, "power_diff_db_band1": 1]),
        Record(step: 25, split: "skipped", values: ["loss": .nan]),
        Record(step: 30, split: "train", values: ["loss": 1.5, "kl": 0.7, "lr": 5e-4, "grad_norm": 1, "seconds": 13]),
    ]

    static let log = """
        [2026-12-04T14:45:26Z] distill: student 1000 parameters
        [2026-12-04T14:45:30Z] distill: health: student power is 12.0 dB below the data in 0-500 Hz (whispering: raise the power-loss weight?)
        [2026-12-04T14:45:31Z] distill: step 20 validation: kl 0.9, loss 2.5
        [2026-12-04T14:45:32Z] distill: step 25 skipped: loss is nan
        """

    @Test func chartsComeInOrderWithSamplesPerSecond() throws {
        let curves = TrainingCurves.build(records: Self.records, log: Self.log, samplesPerStep: 8192)
        #expect(curves.charts.map(\.title) == ["loss", "kl", "power_diff_db per band (valid)", "grad_norm (before clipping)",
                                               "training samples/s", "learning rate"])
        #expect(curves.lastStep == 30)
        // 10 steps of 8192 samples in 4 s, twice.
        let rate = try #require(curves.charts.first { $0.title == "training samples/s" }?.series.first)
        #expect(rate.points.map(\.step) == [20, 30] && rate.points.allSatisfy { abs($0.value - 20480) < 1e-6 }, "\(rate.points)")
        let loss = try #require(curves.charts.first)
        #expect(loss.series.map(\.name) == ["train", "valid"] && loss.series[1].points.map(\.value) == [2.5])
    }

    @Test func warningsLandOnTheirStep() {
        let curves = TrainingCurves.build(records: Self.records, log: Self.log, samplesPerStep: nil)
        #expect(curves.warnings == [
            TrainingCurves.Warning(step: 20, text: "student power is 12.0 dB below the data in 0-500 Hz (whispering: raise the power-loss weight?)"),
            TrainingCurves.Warning(step: 25, text: "distill: step 25 skipped: loss is nan"),
        ])
        // Without the log, the metrics alone still mark both steps.
        let bare = TrainingCurves.build(records: Self.records, log: "", samplesPerStep: nil)
        #expect(bare.warnings.map(\.step) == [20, 25])
        #expect(!curves.charts.contains { $0.title == "training samples/s" })
    }

    /// The SVG parses as XML, draws one dashed red line per warning at its step's x, and one
    /// polyline per series.
    @Test func svgMarksWarningsAtTheirStep() throws {
        let curves = TrainingCurves.build(records: Self.records, log: Self.log, samplesPerStep: nil)
        let svg = TrainingCurves.svg(curves.charts[0], warnings: curves.warnings, lastStep: curves.lastStep)
        let document = try XMLDocument(xmlString: svg, options: [])
        let lines = try document.nodes(forXPath: "//*[local-name()='g'][@class='warning']/*[local-name()='line']/@x1").compactMap(\.stringValue)
        #expect(lines.count == 2)
        let plotWidth = TrainingCurves.width - TrainingCurves.left - TrainingCurves.right
        for (line, step) in zip(lines, [20.0, 25.0]) {
            let x = Double(line) ?? -1
            #expect(abs(x - (TrainingCurves.left + step / 30 * plotWidth)) < 0.1, "warning at step \(step) drawn at x \(x)")
        }
        #expect(try document.nodes(forXPath: "//*[local-name()='polyline']").count == 2)
        #expect(svg.contains("step 20: student power is 12.0 dB below"))
    }

    /// One huge first value does not flatten the rest: the axis spans the bulk, the outlier sits
    /// on the top edge, and the title says so; a series without outliers keeps its full range.
    @Test func outliersAreClippedToTheEdge() throws {
        let steps = (1...40).map(Double.init)
        let spiky = TrainingCurves.Chart(title: "kl", series: [TrainingCurves.Series(
            name: "train", colour: "#000000", dots: false, points: steps.map { ($0, $0 == 1 ? 400 : 1 + 0.01 * $0) })])
        let svg = TrainingCurves.svg(spiky, warnings: [], lastStep: 40)
        #expect(svg.contains("kl (y clipped)"))
        let document = try XMLDocument(xmlString: svg, options: [])
        let points = try #require(try document.nodes(forXPath: "//*[local-name()='polyline']/@points").first?.stringValue)
        let ys = points.split(separator: " ").compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
        #expect(ys.count == 40)
        #expect(abs(ys[0] - TrainingCurves.top) < 0.1, "the outlier at y \(ys[0])")
        // The bulk (1.02 ... 1.40) spans most of the plot's height instead of 0.1 % of it.
        let bulk = ys.dropFirst()
        #expect(bulk.max()! - bulk.min()! > 0.5 * (TrainingCurves.height - TrainingCurves.top - TrainingCurves.bottom))
        let smooth = TrainingCurves.Chart(title: "loss", series: [TrainingCurves.Series(
            name: "train", colour: "#000000", dots: false, points: steps.map { ($0, 3 - 0.05 * $0) })])
        #expect(!TrainingCurves.svg(smooth, warnings: [], lastStep: 40).contains("clipped"))
    }

    @Test func ticksAreRound() {
        #expect(TrainingCurves.ticks(low: 0, high: 450) == [0, 200, 400])
        #expect(TrainingCurves.ticks(low: 0.95, high: 2.05) == [1, 1.5, 2])
        #expect([80000, 25000, 1500, 0.0008, -4.5].map(TrainingCurves.label) == ["80k", "25k", "1500", "0.0008", "-4.5"])
    }
}
