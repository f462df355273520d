import Foundation

extension BenchmarkReport {
    /// The report as a text table for a terminal: the machine, the paths, the scaling runs,
    /// the ratios, the targets and the notes.
    public var table: String {
        var lines: [String] = []
        let m = machine
        lines.append("machine: \(m.cpu), \(m.cores) cores, \(m.threads) threads; "
                     + String(format: "FMA peak %.1f GFLOP/s (%.1f per core-second), sgemm %d^3 %.1f GFLOP/s",
                              m.fmaPeakGflops, m.fmaPeakPerCoreGflops, m.sgemmSize, m.sgemmGflops))
        lines.append("probes: " + m.probes.map {
            String(format: "%@ FMA %.1f, sgemm %.1f", $0.when, $0.fmaGflops, $0.sgemmGflops)
        }.joined(separator: "; ") + " GFLOP/s")
        lines.append("blas: \(m.blas)")
        let t = configs.teacher, s = configs.student
        lines.append(String(format: "teacher: %d layers / %d stacks, k %d, %d/%d/%d channels, R %d: %.2f MFLOP/sample",
                            t.layers, t.stacks, t.kernelSize, t.residualChannels, t.gateChannels, t.skipChannels,
                            t.receptiveField, Double(flops.teacherPerSample.total) / 1e6))
        lines.append(String(format: "student: flows %@, %d/%d channels, k %d, R %d: %.2f MFLOP/sample",
                            s.flows.map(String.init).joined(separator: ","), s.channels, s.gateChannels, s.kernelSize,
                            s.receptiveField, Double(flops.studentPerSample) / 1e6))
        lines.append("")
        let header = ["path", "preset", "B", "audio s", "median s", "min s", "max s", "cpu s", "samples/s", "RTF",
                      "GFLOP/s", "useful", "%FMA", "%core", "peak MiB", "base MiB"]
        let widths = [26, 6, 3, 8, 9, 9, 9, 9, 10, 8, 7, 7, 5, 5, 8, 8]
        func row(_ r: PathResult) -> String {
            let audio = r.extrapolated ? String(format: "%g*", r.audioSeconds) : String(format: "%g", r.audioSeconds)
            return format([r.path + (r.chunkSamples.map { " /\($0)" } ?? ""), r.preset, "\(r.batch)", audio,
                           String(format: "%.3f", r.medianSeconds), String(format: "%.3f", r.minSeconds),
                           String(format: "%.3f", r.maxSeconds), String(format: "%.3f", r.cpuSeconds),
                           String(format: "%.0f", r.samplesPerSecond),
                           String(format: "%.3f", r.rtf), String(format: "%.1f", r.gflops),
                           String(format: "%.1f", r.usefulGflops), String(format: "%.0f", 100 * r.fractionOfFMAPeak),
                           String(format: "%.0f", 100 * r.fractionOfCorePeak),
                           String(format: "%.0f", r.peakRSSMB), String(format: "%.0f", r.baselineRSSMB)], widths)
        }
        for (title, section) in [("paths (one utterance)", "paths"), ("scaling (time vs audio length)", "scaling")] {
            let rows = results.filter { $0.section == section }
            guard !rows.isEmpty else { continue }
            lines.append(title)
            lines.append(format(header, widths))
            lines.append(contentsOf: rows.map(row))
            lines.append("")
        }
        if results.contains(where: \.extrapolated) {
            lines.append("* extrapolated from the per-sample time of a shorter run (see measured_seconds in the JSON)")
        }
        lines.append("/N: chunked synthesis, N samples per chunk. useful: GFLOP/s of the output samples only. "
                     + "%FMA: GFLOP/s / FMA peak (all threads). %core: GFLOP per CPU-second / FMA peak per core-second.")
        lines.append("")
        func times(_ v: Double) -> String { v.isFinite ? String(format: "%.2fx", v) : "n/a" }
        lines.append("ratios: student / cached teacher \(times(ratios.studentVsCachedTeacher)), "
                     + "chunked student / cached teacher \(times(ratios.chunkedStudentVsCachedTeacher)), "
                     + "cached / naive teacher \(times(ratios.cachedVsNaiveTeacher)), "
                     + "cached teacher / its GEMV floor \(times(ratios.cachedTeacherVsGEMVFloor))")
        lines.append("targets (set for the full presets on this 2-core machine):")
        for target in targets {
            lines.append(String(format: "  [%@] %@: %.3g (target %@ %g)", target.met ? "met" : "MISSED",
                                target.name, target.value, target.comparison, target.threshold))
        }
        lines.append("notes:")
        lines.append(contentsOf: notes.map { "  - " + $0 })
        return lines.joined(separator: "\n")
    }

    private func format(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).enumerated().map { i, pair in
            let (cell, width) = pair
            let padding = String(repeating: " ", count: max(0, width - cell.count))
            return i < 2 ? cell + padding : padding + cell
        }.joined(separator: " ")
    }
}
