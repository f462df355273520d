import Foundation
import NeuralLayers
import Randomness
import Tensors
import Testing
@testable import Student

/// Real-time factor of parallel synthesis (10 s of 16 kHz audio, 80 mel bands, hop 256).
/// Opt-in, it takes about a minute: `WAVEDISTILL_STUDENT_SPEED=1 swift test -c release --filter SynthesisSpeed`.
/// Prints the median of 3 runs, and the process CPU time per run (all threads: on a busy shared
/// machine, FLOP per CPU-second still tells the per-core efficiency). Asserts nothing about
/// time (shared machines are noisy); asserts that chunked synthesis gives the unchunked samples
/// bit for bit at this length, and that every run of a configuration gives the same samples.
@Suite(.serialized) struct SynthesisSpeedTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["WAVEDISTILL_STUDENT_SPEED"] != nil),
          arguments: [StudentConfig.Preset.full, .small])
    func realTimeFactor(preset: StudentConfig.Preset) throws {
        let (rate, hop, mels, seconds) = (16_000, 256, 80, 10)
        let length = rate * seconds
        let student = try IAFStudent(config: .preset(preset), conditionChannels: mels, hop: hop, seed: 1)
        randomizeHeads(of: student, seed: 2)
        var rng = Philox(seed: 3)
        let frames = length / hop + 1
        let mel = Tensor(shape: [1, frames, mels], scalars: rng.normals(frames * mels))
        let flops = Double(student.config.flopsPerSample(conditionChannels: mels)) * Double(length)
        var outputs: [[Float]] = []
        for chunk in [nil, 32_768] as [Int?] {
            var times: [Double] = [], cpuTimes: [Double] = []
            for _ in 0..<3 {
                let start = DispatchTime.now().uptimeNanoseconds, cpuStart = processCPUSeconds()
                let x = student.synthesize(mel: mel, length: length, seed: 4, chunkSamples: chunk)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
                cpuTimes.append(processCPUSeconds() - cpuStart)
                #expect(x.count == length)
                #expect(outputs.isEmpty || x.scalars == outputs[0], "chunk \(chunk.map(String.init) ?? "none") differs")
                if outputs.isEmpty { outputs.append(x.scalars) }
            }
            let median = times.sorted()[1], cpu = cpuTimes.sorted()[1]
            let line = "student \(preset) synthesis of \(seconds) s, chunk \(chunk.map(String.init) ?? "none"), "
                + "\(Compute.threads) threads: median \(String(format: "%.2f", median)) s "
                + "(runs \(times.map { String(format: "%.2f", $0) }.joined(separator: ", "))), "
                + "RTF \(String(format: "%.3f", median / Double(seconds))), "
                + "\(String(format: "%.1f", flops / median / 1e9)) GFLOP/s of \(String(format: "%.2f", flops / 1e9)) GFLOP; "
                + "CPU \(String(format: "%.2f", cpu)) s = \(String(format: "%.1f", flops / cpu / 1e9)) GFLOP per CPU-second"
            print(line)
        }
    }
}

/// User + system CPU seconds of this process so far (all threads).
private func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// One full-size flow layer (C 64, G 128, Cmel 80, k 3) on 160 000 samples: the fused
/// inference layer (register-blocked kernel path and per-block BLAS path), the training
/// layer, and a bare GEMM of the fused shape, by CPU time (opt-in like `SynthesisSpeedTests`).
@Suite(.serialized) struct FlowLayerSpeedTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["WAVEDISTILL_STUDENT_SPEED"] != nil))
    func fusedLayerThroughput() {
        var rng = Philox(seed: 1)
        let (t, c, g, cm) = (160_000, 64, 128, 80)
        let block = ResidualBlock(prefix: "probe", configuration: .init(
            residualChannels: c, gateChannels: g, skipChannels: nil, conditionChannels: cm, kernelSize: 3,
            dilation: 64), rng: &rng)
        let x = Tensor.normal(shape: [1, t, c], rng: &rng), cond = Tensor.normal(shape: [1, t, cm], rng: &rng)
        let flops = Double(t) * 2 * Double(3 * c * g + cm * g + g / 2 * c)
        let fused = FusedResidualBlock(block)
        var y = Tensor(shape: x.shape)
        // The same layer with the conditioning at the frame rate (hop 256, four stages).
        let up = ConditionUpsampler(prefix: "u", channels: cm, hop: 256, mode: .sharedTransposed(strides: [4, 4, 4, 4]))
        let frames = FrameCondition(upsampler: up, mel: Tensor.normal(shape: [1, t / 256 + 1, cm], rng: &rng),
                                    offset: 0, length: t)
        let frameRateFLOPs = Double(t) * 2 * Double(3 * c * g + 6 * g + g / 2 * c) + Double(t / 256 + 5) * 2 * Double(cm * g)
        func measure(_ name: String, flops: Double, _ body: () -> Void) {
            var wall: [Double] = [], cpu: [Double] = []
            for _ in 0..<5 {
                let w0 = DispatchTime.now().uptimeNanoseconds, c0 = processCPUSeconds()
                body()
                wall.append(Double(DispatchTime.now().uptimeNanoseconds - w0) / 1e9)
                cpu.append(processCPUSeconds() - c0)
            }
            let (w, cp) = (wall.sorted()[2], cpu.sorted()[2])
            print("\(name), \(Compute.threads) threads: wall \(String(format: "%.1f", w * 1e3)) ms "
                  + "(\(String(format: "%.1f", flops / w / 1e9)) GFLOP/s), CPU \(String(format: "%.1f", cp * 1e3)) ms "
                  + "(\(String(format: "%.1f", flops / cp / 1e9)) GFLOP per CPU-second)")
        }
        let saved = Compute.threads
        defer { Compute.setThreads(saved) }
        for threads in [1, 2] {
            Compute.setThreads(threads)
            measure("fused flow layer, kernel path", flops: flops) { fused.apply(x, condition: cond, into: &y) }
            measure("fused flow layer, frame-rate conditioning", flops: frameRateFLOPs) {
                fused.apply(x, frames: frames, into: &y)
            }
            measure("fused flow layer, BLAS path", flops: flops) { fused.applyWithBLAS(x, condition: cond, into: &y) }
            measure("ResidualBlock.forward", flops: flops) { _ = block.forward(x, condition: cond) }
            let k = 3 * c + cm
            let a = Tensor.normal(shape: [t, k], rng: &rng), w = Tensor.normal(shape: [k, g], rng: &rng)
            var out = Tensor(shape: [t, g])
            measure("bare GEMM [\(t), \(k)] x [\(k), \(g)]", flops: 2 * Double(t * k * g)) {
                a.withPointer { pa in w.withPointer { pw in out.withMutablePointer { po in
                    BLAS.gemm(m: t, n: g, k: k, a: pa, lda: k, b: pw, ldb: g, c: po, ldc: g)
                } } }
            }
        }
    }
}
