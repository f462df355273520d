import Foundation
import Randomness
import SignalProcessing
import Student
import Teacher
import Tensors

/// Parallel sampling against autoregressive sampling, on one real utterance's conditioning,
/// measured against this machine's own limits (`MachineProbe`) in the same process.
///
/// Paths (each: one untimed warm-up on a short span, then timed repetitions; the conditioning
/// upsampler is inside the timed region of every path, as it is in real synthesis):
///
/// | path                   | what is timed                                                        | length          |
/// |------------------------|----------------------------------------------------------------------|-----------------|
/// | `teacher_naive`        | `condition` + `sampleNaive` (full forward over the receptive field per step) | `naive_seconds` |
/// | `teacher_cached`       | `condition` + `sampleCached`, batch 1                                 | utterance, capped at `teacher_max_seconds` |
/// | `teacher_step_gemv`    | only the per-step GEMVs of cached steps (the BLAS floor of `teacher_cached`) | up to 4000 steps |
/// | `teacher_cached_batch` | the same with B copies of the utterance at once, for B in `batches`  | capped at `teacher_batch_seconds` |
/// | `teacher_score`        | `scoreLogLikelihood(audio:mel:)`: the parallel forward in chunks (no caches) + the head's log p of the student's waveform | as `teacher_cached` |
/// | `student`              | `synthesize` in one shot                                              | utterance       |
/// | `student_chunked`      | `synthesize(chunkSamples:)`                                           | utterance       |
///
/// Scaling (`section: scaling`): `student_chunked` and `teacher_cached` at each of `seconds`
/// (the utterance's frames tiled); the teacher above `teacher_max_seconds` is extrapolated
/// from its per-sample cost at that length and marked `extrapolated`.
public enum SamplingBenchmark {
    /// Samples per chunk of `student_chunked` when the options give none: the pipeline's
    /// synthesis default.
    public static let defaultChunkSamples = 32_000

    /// Runs every path and returns the report. `mel` is one utterance's frames `[1, F, n_mels]`
    /// (its length is taken as (F - 1) * hop samples); `log` receives one line per step.
    public static func run(teacher: WaveNet, student: IAFStudent, mel: Tensor, features: FeatureConfig,
                           options: BenchmarkOptions, log: (String) -> Void) throws -> BenchmarkReport {
        try options.validate()
        try checkModels(teacher: teacher, student: student, mel: mel, features: features)
        if let threads = options.threads { Compute.setThreads(threads) }

        func probe(_ when: String) -> BenchmarkReport.Probe {
            log("probing the machine (\(when)): FMA peak and sgemm on \(Compute.threads) thread(s)")
            let fma = MachineProbe.fmaPeak(repetitions: options.probeRepetitions)
            let sgemm = MachineProbe.sgemmRate(repetitions: options.probeRepetitions)
            log(String(format: "FMA %.1f GFLOP/s (%.1f per core-second), sgemm %d^3 %.1f GFLOP/s",
                       fma.gflops, fma.perCoreGflops, MachineProbe.sgemmSize, sgemm))
            return .init(when: when, fmaGflops: fma.gflops, fmaPerCoreGflops: fma.perCoreGflops, sgemmGflops: sgemm)
        }
        var probes = [probe("start")]
        let resettable = MemoryProbe.resetPeak()

        // The runner keeps `log` only while it runs.
        let (measured, flopSummary, runNotes) = try withoutActuallyEscaping(log) { log in
            let bench = Runner(teacher: teacher, student: student, mel: mel, features: features, options: options,
                               log: log)
            try bench.runPaths()
            try bench.runScaling()
            return (bench.results, bench.flopSummary, notes(bench: bench, resettable: resettable))
        }
        probes.append(probe("end"))
        let machine = BenchmarkReport.Machine(
            cores: MachineProbe.cores, cpu: MachineProbe.cpuModel, blas: MachineProbe.blasConfig,
            threads: Compute.threads, fmaPeakGflops: probes.map(\.fmaGflops).max()!,
            fmaPeakPerCoreGflops: probes.map(\.fmaPerCoreGflops).max()!, sgemmGflops: probes.map(\.sgemmGflops).max()!,
            probes: probes, sgemmSize: MachineProbe.sgemmSize, peakRSSReset: resettable)
        let results = measured.map { r in
            var r = r
            r.fractionOfFMAPeak = r.gflops / machine.fmaPeakGflops
            r.fractionOfCorePeak = r.gflopsPerCPUSecond / machine.fmaPeakPerCoreGflops
            return r
        }
        func find(_ path: String, _ section: String = "paths", batch: Int = 1) -> BenchmarkReport.PathResult? {
            results.first { $0.path == path && $0.section == section && $0.batch == batch }
        }
        func ratio(_ a: BenchmarkReport.PathResult?, _ b: BenchmarkReport.PathResult?) -> Double {
            guard let a, let b else { return .nan }
            return a.samplesPerSecond / b.samplesPerSecond
        }
        let cached = find("teacher_cached")
        let ratios = BenchmarkReport.Ratios(
            studentVsCachedTeacher: ratio(find("student"), cached),
            chunkedStudentVsCachedTeacher: ratio(find("student_chunked"), cached),
            cachedVsNaiveTeacher: ratio(cached, find("teacher_naive")),
            cachedTeacherVsGEMVFloor: ratio(cached, find("teacher_step_gemv")))

        return BenchmarkReport(
            machine: machine, results: results, ratios: ratios,
            targets: targets(results: results, ratios: ratios, sampleRate: features.sampleRate),
            configs: .init(teacher: teacher.config, student: student.config, features: features),
            flops: flopSummary, options: options, notes: runNotes)
    }

    static func checkModels(teacher: WaveNet, student: IAFStudent, mel: Tensor, features: FeatureConfig) throws {
        guard mel.rank == 3, mel.shape[0] == 1, mel.shape[1] >= 2 else {
            throw BenchmarkError.invalidInput("benchmark: mel must be one utterance [1, F, n_mels] with F >= 2, got \(mel.shape)")
        }
        let bands = features.melBandCount, hop = features.hopLength
        guard mel.shape[2] == bands, teacher.conditionChannels == bands, student.conditionChannels == bands else {
            throw BenchmarkError.mismatch("benchmark: mel bands differ: features \(bands), input \(mel.shape[2]), "
                                          + "teacher \(teacher.conditionChannels), student \(student.conditionChannels)")
        }
        guard teacher.hop == hop, student.hop == hop else {
            throw BenchmarkError.mismatch("benchmark: hop differs: features \(hop), teacher \(teacher.hop), student \(student.hop)")
        }
    }

    // MARK: Targets and notes

    /// The targets (set for the full presets at 16 kHz on the 2-core machine).
    static func targets(results: [BenchmarkReport.PathResult], ratios: BenchmarkReport.Ratios,
                        sampleRate: Int) -> [BenchmarkReport.Target] {
        func target(_ name: String, _ value: Double, _ comparison: String, _ threshold: Double) -> BenchmarkReport.Target {
            .init(name: name, value: value, comparison: comparison, threshold: threshold,
                  met: comparison == "<=" ? value <= threshold : value >= threshold)
        }
        var list: [BenchmarkReport.Target] = []
        if let s = results.first(where: { $0.path == "student" && $0.section == "paths" }) {
            list.append(target("student rtf at \(sampleRate) Hz", s.rtf, "<=", 0.5))
            list.append(target("student fraction of FMA peak", s.fractionOfFMAPeak, ">=", 0.65))
        }
        if ratios.studentVsCachedTeacher.isFinite {
            list.append(target("student / cached teacher (samples/s)", ratios.studentVsCachedTeacher, ">=", 10))
        }
        if ratios.cachedVsNaiveTeacher.isFinite {
            list.append(target("cached / naive teacher (samples/s)", ratios.cachedVsNaiveTeacher, ">=", 100))
        }
        let chunked = results.filter { $0.path == "student_chunked" && $0.section == "scaling" }
        if let longest = chunked.max(by: { $0.audioSeconds < $1.audioSeconds }) {
            list.append(target(String(format: "student_chunked peak RSS at %g s (MiB)", longest.audioSeconds),
                               longest.peakRSSMB, "<=", 1024))
        }
        return list
    }

    static func notes(bench: Runner, resettable: Bool) -> [String] {
        var notes = [
            "rtf = median seconds of compute / seconds of audio produced (all batch items); samples_per_s counts all items.",
            "gflops = FLOPs executed (FLOPCount: 2 per multiply-add of every matrix product, plus the upsampler) / median time; "
                + "useful_gflops counts only the output samples' FLOPs (lower for naive sampling and chunked synthesis, which recompute context).",
            "fraction_of_fma_peak = gflops / machine.fma_peak_gflops (all threads); the cached teacher at small batches runs on one core (GEMV per step).",
            String(format: "teacher_naive runs %d samples: its window grows over the first R = %d samples, so its per-sample cost there is below the steady state "
                + "and cached_vs_naive_teacher is a lower bound when the span is shorter than a few R.", bench.naiveLength, bench.teacher.config.receptiveField),
            String(format: "teacher_cached and teacher_score run %.2f s (the utterance, capped at teacher_max_seconds); the student runs the whole utterance (%.2f s). "
                + "Ratios compare samples per second.", bench.teacherSeconds, bench.utteranceSeconds),
            "teacher_score scores the student's one-shot waveform (as in distillation), in chunks of \(WaveNet.scoreChunkSamples) samples plus R of context, keeping no backward caches (WaveNet.scoreLogLikelihood).",
            "Scaling rows with extrapolated = true: time = per-sample time of the run at measured_seconds times the length; their memory is the measured run's.",
            "Timings are medians of the repetitions on a shared machine: other processes add noise, min_s is the least disturbed run. "
                + "cpu_s is the process's CPU time per repetition: well below median_s times the threads a path uses means other processes held the cores; "
                + "gflops_per_cpu_s and fraction_of_core_peak measure the kernels while they run and are the steadier figures then.",
        ]
        notes.append(resettable
            ? "peak_rss_mb: before each path freed heap memory is returned (malloc_trim) and VmHWM is reset (/proc/self/clear_refs 5); "
                + "the value is VmHWM after the path, including the live baseline (baseline_rss_mb: models, inputs)."
            : "peak_rss_mb: /proc/self/clear_refs is not writable here, so VmHWM is the process peak so far (monotone: later paths inherit earlier peaks).")
        return notes
    }
}

/// The state of one benchmark run: the models, the inputs and the results so far.
final class Runner {
    let teacher: WaveNet
    let student: IAFStudent
    let mel: Tensor
    let features: FeatureConfig
    let options: BenchmarkOptions
    let log: (String) -> Void
    var results: [BenchmarkReport.PathResult] = []

    let rate: Double
    let hop: Int
    let teacherPreset: String
    let studentPreset: String
    let teacherPerSample: Double
    let studentPerSample: Double
    let chunkSamples: Int
    /// Samples of the utterance, of the capped teacher runs, of the naive run.
    let utteranceLength: Int
    let teacherLength: Int
    let naiveLength: Int
    /// The student's one-shot output (scored by `teacher_score`).
    var studentWaveform: Tensor?

    init(teacher: WaveNet, student: IAFStudent, mel: Tensor, features: FeatureConfig, options: BenchmarkOptions,
         log: @escaping (String) -> Void) {
        self.teacher = teacher
        self.student = student
        self.mel = mel
        self.features = features
        self.options = options
        self.log = log
        rate = Double(features.sampleRate)
        hop = features.hopLength
        teacherPreset = WaveNetConfig.Preset.allCases.first { WaveNetConfig.preset($0) == teacher.config }?.rawValue ?? "custom"
        studentPreset = StudentConfig.Preset.allCases.first { StudentConfig.preset($0) == student.config }?.rawValue ?? "custom"
        teacherPerSample = Double(FLOPCount.teacher(teacher.config, conditionChannels: teacher.conditionChannels).total)
        studentPerSample = Double(FLOPCount.studentSynthesis(student.config, conditionChannels: student.conditionChannels,
                                                             atFrameRate: student.synthesizesAtFrameRate))
        chunkSamples = options.chunkSamples ?? SamplingBenchmark.defaultChunkSamples
        utteranceLength = BenchmarkInput.samples(of: mel, hop: hop)
        teacherLength = min(utteranceLength, max(1, Int((options.teacherMaxSeconds * rate).rounded())))
        naiveLength = max(1, Int((options.naiveSeconds * rate).rounded()))
    }

    var utteranceSeconds: Double { Double(utteranceLength) / rate }
    var teacherSeconds: Double { Double(teacherLength) / rate }

    var flopSummary: BenchmarkReport.FLOPs {
        let frames = 64
        return .init(teacherPerSample: FLOPCount.teacher(teacher.config, conditionChannels: teacher.conditionChannels),
                     studentPerSample: Int(studentPerSample),
                     teacherUpsamplerPerFrame: Double(FLOPCount.upsampler(teacher.config.upsampler, channels: teacher.conditionChannels,
                                                                          hop: hop, frames: frames)) / Double(frames),
                     studentConditioningPerFrame: studentConditioning(frames: frames) / Double(frames))
    }

    /// Samples for a length in seconds (at least one).
    func samples(_ seconds: Double) -> Int { max(1, Int((seconds * rate).rounded())) }

    /// Exactly the 1 + length / hop frames that `length` samples have (DESIGN §2), for `batch`
    /// items: the utterance's frames, cropped or tiled. (Extra frames would be upsampled too.)
    func frames(_ length: Int, batch: Int = 1) -> Tensor {
        length == utteranceLength && batch == 1 ? mel : BenchmarkInput.tile(mel, samples: length, hop: hop, batch: batch)
    }

    func teacherUpsampler(frames: Int) -> Double {
        Double(FLOPCount.upsampler(teacher.config.upsampler, channels: teacher.conditionChannels, hop: hop, frames: frames))
    }

    /// The student's conditioning FLOPs for one window of `frames` frames (see `FLOPCount.studentConditioning`).
    func studentConditioning(frames: Int) -> Double {
        Double(FLOPCount.studentConditioning(student.config, conditionChannels: student.conditionChannels, hop: hop,
                                             frames: frames, atFrameRate: student.synthesizesAtFrameRate))
    }

    // MARK: The paths

    func runPaths() throws {
        if options.runs("teacher_naive") { try measureNaiveTeacher() }
        // Cached teacher, one utterance (capped), then B utterances at once.
        if options.runs("teacher_cached") {
            try measureCachedTeacher(section: "paths", path: "teacher_cached", length: teacherLength, batch: 1)
        }
        if options.runs("teacher_step_gemv") { try measureStepGEMVFloor() }
        let batchLength = min(teacherLength, samples(options.teacherBatchSeconds))
        for b in options.batches where options.runs("teacher_cached_batch") {
            try measureCachedTeacher(section: "paths", path: "teacher_cached_batch", length: batchLength, batch: b)
        }
        // Student, one shot and chunked, on the whole utterance.
        if options.runs("student") { try measureOneShotStudent() }
        if options.runs("student_chunked") { try measureChunkedStudent(section: "paths", length: utteranceLength) }
        if options.runs("teacher_score") { try measureTeacherScore() }
    }

    /// Naive teacher: a full forward over up to R samples per generated sample.
    func measureNaiveTeacher() throws {
        let input = frames(naiveLength), warm = min(32, naiveLength)
        let flops = Double(FLOPCount.naiveSamplingPositions(length: naiveLength, receptiveField: teacher.config.receptiveField))
            * teacherPerSample + teacherUpsampler(frames: input.shape[1])
        try measure("teacher_naive", preset: teacherPreset, length: naiveLength, batch: 1, reps: options.naiveRepetitions,
                    flops: flops, usefulFLOPs: Double(naiveLength) * teacherPerSample,
                    warmup: { _ = naiveSample(frames(warm), length: warm) },
                    body: { naiveSample(input, length: naiveLength) })
    }

    /// The BLAS floor of cached sampling at batch 1: per step, only the GEMVs of one column
    /// through the network (every layer's dilated, residual and skip weights, the input and the
    /// head), on the teacher's own weights copied into one buffer (the same bytes streamed per
    /// step), with no queues, activations or sampling. The conditioning projections are left
    /// out, as in `sampleCached`, which computes them ahead for blocks of steps with GEMMs (their
    /// FLOPs are still counted, so the floor's GFLOP/s compare with the sampler's).
    /// `teacher_cached` over this can exceed 1: the sampler reads the past taps' weights of a
    /// dilated conv once per d steps (`BlockedStepConv`), the floor every step.
    func measureStepGEMVFloor() throws {
        var matrices: [(offset: Int, rows: Int, columns: Int)] = []
        var packed: [Float] = []
        func add(_ p: Parameter) {
            let shape = p.value.shape
            matrices.append((packed.count, shape.dropLast().reduce(1, *), shape.last!))
            packed += p.value.scalars
        }
        add(teacher.input.weight)
        for block in teacher.blocks {
            add(block.dilated.weight)
            add(block.residual.weight)
            if let skip = block.skip { add(skip.weight) }
        }
        add(teacher.hidden.weight)
        add(teacher.output.weight)
        let widest = matrices.map { max($0.rows, $0.columns) }.max() ?? 1
        let x = [Float](repeating: 0.01, count: widest)
        let steps = min(teacherLength, 4000)
        let run = { (count: Int) -> Tensor in
            var y = Tensor(shape: [widest])
            packed.withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer { px in
                    y.withMutablePointer { py in
                        for _ in 0..<count {
                            for m in matrices {
                                BLAS.gemv(transpose: true, m: m.rows, n: m.columns, a: w.baseAddress! + m.offset,
                                          lda: m.columns, x: px.baseAddress!, y: py)
                            }
                        }
                    }
                }
            }
            return y
        }
        try measure("teacher_step_gemv", preset: teacherPreset, length: steps, batch: 1, reps: options.repetitions,
                    flops: Double(steps) * teacherPerSample, usefulFLOPs: Double(steps) * teacherPerSample,
                    warmup: { _ = run(min(steps, 100)) }, body: { run(steps) })
    }

    /// The student in one shot on the utterance; keeps its waveform for `teacher_score`.
    func measureOneShotStudent() throws {
        let flops = Double(utteranceLength) * studentPerSample + studentConditioning(frames: mel.shape[1])
        let seed = options.seed, length = utteranceLength
        // Warm-ups get only the frames of their own short span: the student upsamples every
        // frame it is given, so the utterance's frames would make the warm-up cost (and its
        // memory) grow with the utterance.
        let warm = min(length, 4096), warmInput = frames(warm)
        var waveform: Tensor?
        try measure("student", preset: studentPreset, length: length, batch: 1, reps: options.repetitions,
                    flops: flops, usefulFLOPs: flops,
                    warmup: { [student] in _ = student.synthesize(mel: warmInput, length: warm, seed: seed) },
                    body: { [student, mel] in
                        let x = student.synthesize(mel: mel, length: length, seed: seed)
                        waveform = x
                        return x
                    })
        studentWaveform = waveform
    }

    /// The teacher's parallel likelihood of the student's waveform (forward + head log-likelihood),
    /// on the capped length.
    func measureTeacherScore() throws {
        let x = studentWaveform ?? student.synthesize(mel: mel, length: utteranceLength, seed: options.seed)
        let length = teacherLength, warm = min(teacherLength, 4096)
        let clipped = x.scalars.prefix(length).map { min(1, max(-1, $0)) }
        let audio = Tensor(shape: [1, length, 1], scalars: clipped)
        let warmAudio = Tensor(shape: [1, warm, 1], scalars: Array(clipped.prefix(warm)))
        let input = frames(length), warmInput = frames(warm)
        // Scoring runs in chunks (`scoreLogLikelihood`, no backward caches), each recomputing
        // R samples of context: executed FLOPs count them, useful FLOPs do not.
        let chunk = WaveNet.scoreChunkSamples, context = teacher.config.receptiveField
        let positions = stride(from: 0, to: length, by: chunk).reduce(0) { $0 + min(length, $1 + chunk) - max(0, $1 - context) }
        let useful = Double(length) * teacherPerSample + teacherUpsampler(frames: input.shape[1])
        let flops = useful + Double(positions - length) * teacherPerSample
        try measure("teacher_score", preset: teacherPreset, length: length, batch: 1, reps: options.repetitions,
                    flops: flops, usefulFLOPs: useful, chunk: chunk,
                    warmup: { [teacher] in _ = teacher.scoreLogLikelihood(audio: warmAudio, mel: warmInput) },
                    body: { [teacher] in
                        let logp = teacher.scoreLogLikelihood(audio: audio, mel: input)
                        return Tensor(shape: [logp.count], scalars: logp)
                    })
    }

    func runScaling() throws {
        guard options.runs("scaling") else { return }
        let cap = samples(options.teacherMaxSeconds)
        var measuredTeacher: BenchmarkReport.PathResult?
        for seconds in options.seconds.sorted() {
            let length = samples(seconds)
            try measureChunkedStudent(section: "scaling", length: length)
            if length <= cap {
                measuredTeacher = try measureCachedTeacher(section: "scaling", path: "teacher_cached", length: length, batch: 1)
            } else {
                if measuredTeacher == nil || samples(measuredTeacher!.measuredSeconds) < cap {
                    log(String(format: "teacher_cached: measuring %g s to extrapolate longer lengths", Double(cap) / rate))
                    measuredTeacher = try measureCachedTeacher(section: "scaling-base", path: "teacher_cached", length: cap,
                                                               batch: 1, record: false)
                }
                guard let base = measuredTeacher else { continue }
                results.append(extrapolate(base, to: length))
                log(line(results[results.count - 1]))
            }
        }
    }

    /// The conditioning and naive sampling of `length` samples; returns the waveform.
    func naiveSample(_ frames: Tensor, length: Int) -> Tensor {
        var rng = Philox(seed: options.seed, stream: 0xBE7C)
        return teacher.sampleNaive(mel: frames, length: length, rng: &rng)
    }

    func cachedSample(_ frames: Tensor, length: Int) -> Tensor {
        var rng = Philox(seed: options.seed, stream: 0xBE7C)
        return teacher.sample(mel: frames, length: length, rng: &rng)
    }

    @discardableResult
    func measureCachedTeacher(section: String, path: String, length: Int, batch: Int,
                                       record: Bool = true) throws -> BenchmarkReport.PathResult {
        // The same run in the paths table: reuse it instead of running it again.
        if let same = results.first(where: { $0.path == "teacher_cached" && $0.batch == batch && !$0.extrapolated
                                              && samples($0.measuredSeconds) == length }), path == "teacher_cached" {
            var copy = same
            copy.section = section
            if record { results.append(copy) }
            return copy
        }
        let input = frames(length, batch: batch)
        let warm = min(length, 512)
        let warmInput = frames(warm, batch: batch)
        let flops = Double(batch) * (Double(length) * teacherPerSample + teacherUpsampler(frames: input.shape[1]))
        return try measure(path, section: section, preset: teacherPreset, length: length, batch: batch,
                           reps: options.repetitions, flops: flops, usefulFLOPs: flops, record: record,
                           warmup: { _ = cachedSample(warmInput, length: warm) },
                           body: { cachedSample(input, length: length) })
    }

    /// Chunked synthesis executes, for every chunk [a, b), the flows on [max(0, a - (R-1)), b):
    /// those FLOPs are `flops`; the output's own are `usefulFLOPs`.
    func measureChunkedStudent(section: String, length: Int) throws {
        let input = frames(length)
        let chunk = chunkSamples, context = student.receptiveField - 1
        var executedSamples = 0, conditioning = 0.0
        for a in stride(from: 0, to: length, by: chunk) {
            let b = min(length, a + chunk), s = max(0, a - context)
            executedSamples += b - s
            conditioning += studentConditioning(frames: chunkFrameWindow(samples: s..<b, frameCount: input.shape[1]))
        }
        let flops = Double(executedSamples) * studentPerSample + conditioning
        let useful = Double(length) * studentPerSample + studentConditioning(frames: input.shape[1])
        let seed = options.seed
        let warm = min(length, 4096), warmInput = frames(warm)
        try measure("student_chunked", section: section, preset: studentPreset, length: length, batch: 1,
                    reps: options.repetitions, flops: flops, usefulFLOPs: useful, chunk: chunk,
                    warmup: { [student] in
                        _ = student.synthesize(mel: warmInput, length: warm, seed: seed, chunkSamples: min(chunk, warm))
                    },
                    body: { [student] in student.synthesize(mel: input, length: length, seed: seed, chunkSamples: chunk) })
    }

    /// Frames the student upsamples for a chunk's samples: its window of frames with a margin
    /// of 2 + ceil((w/2) / hop) frames (w: the repeat mode's smoothing width, 0 for transposed),
    /// as documented in `IAFStudent+ConditionWindow` (conditioning FLOPs only: a few per mille).
    func chunkFrameWindow(samples: Range<Int>, frameCount: Int) -> Int {
        let half = student.config.upsampler.kind == .repeat ? student.config.upsampler.smoothingWidth / 2 : 0
        let margin = 2 + (half + hop - 1) / hop
        let f0 = max(0, samples.lowerBound / hop - margin)
        let f1 = min(frameCount, (samples.upperBound - 1) / hop + margin + 2)
        return f1 - f0
    }

    // MARK: Measuring one path

    /// Resets the memory peak, runs `warmup` once and `body` `reps` times, and records the result
    /// (its fractions of the machine's peaks are filled in by `run` after the last probe).
    @discardableResult
    func measure(_ path: String, section: String = "paths", preset: String, length: Int, batch: Int,
                          reps: Int, flops: Double, usefulFLOPs: Double, chunk: Int? = nil, record: Bool = true,
                          warmup: () -> Void, body: () -> Tensor) throws -> BenchmarkReport.PathResult {
        MemoryProbe.resetPeak()
        let baseline = MemoryProbe.snapshot().residentKiB
        var nonFinite = 0
        let timing = Timing.measure(repetitions: reps, warmup: warmup) {
            let y = body()
            y.withUnsafeBufferPointer { for v in $0 where !v.isFinite { nonFinite += 1 } }
        }
        let peak = MemoryProbe.snapshot().peakKiB
        if nonFinite > 0 {
            throw BenchmarkError.mismatch("benchmark: \(path) produced \(nonFinite) non-finite values")
        }
        let median = timing.median
        let total = Double(batch * length)
        let gflops = flops / median / 1e9
        let result = BenchmarkReport.PathResult(
            path: path, section: section, preset: preset, audioSeconds: Double(length) / rate, batch: batch,
            samplesPerSecond: total / median, rtf: median / (total / rate), gflops: gflops,
            usefulGflops: usefulFLOPs / median / 1e9, fractionOfFMAPeak: 0,
            cpuSeconds: timing.medianCPU, gflopsPerCPUSecond: flops / max(timing.medianCPU, 1e-9) / 1e9, fractionOfCorePeak: 0,
            peakRSSMB: Double(peak) / 1024, baselineRSSMB: Double(baseline) / 1024,
            medianSeconds: median, minSeconds: timing.min, maxSeconds: timing.max, repetitions: reps,
            measuredSeconds: Double(length) / rate, extrapolated: false, flops: flops, chunkSamples: chunk)
        if record {
            results.append(result)
            log(line(result))
        }
        return result
    }

    /// `base`'s per-sample times scaled to `length` samples per item (memory: `base`'s).
    func extrapolate(_ base: BenchmarkReport.PathResult, to length: Int) -> BenchmarkReport.PathResult {
        let baseLength = base.measuredSeconds * rate
        let factor = Double(length) / baseLength
        let flops = Double(base.batch) * Double(length) * teacherPerSample
            + Double(base.batch) * teacherUpsampler(frames: 1 + length / hop)
        var r = base
        r.section = "scaling"
        r.audioSeconds = Double(length) / rate
        r.medianSeconds = base.medianSeconds * factor
        r.minSeconds = base.minSeconds * factor
        r.maxSeconds = base.maxSeconds * factor
        r.flops = flops
        r.gflops = flops / r.medianSeconds / 1e9
        r.usefulGflops = r.gflops
        r.cpuSeconds = base.cpuSeconds * factor
        r.extrapolated = true
        return r
    }

    func line(_ r: BenchmarkReport.PathResult) -> String {
        String(format: "%@ %@ B=%d %.2f s%@: median %.3f s (cpu %.3f s), %.0f samples/s, RTF %.3f, %.1f GFLOP/s, peak RSS %.0f MiB",
               r.section, r.path, r.batch, r.audioSeconds, r.extrapolated ? String(format: " (from %.2f s)", r.measuredSeconds) : "",
               r.medianSeconds, r.cpuSeconds, r.samplesPerSecond, r.rtf, r.gflops, r.peakRSSMB)
    }
}
