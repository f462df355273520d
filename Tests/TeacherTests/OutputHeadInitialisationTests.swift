import Configuration
import Randomness
import Tensors
import Testing
@testable import Teacher

@Suite struct OutputHeadInitialisationTests {
    /// A fresh teacher's head emits log-scales near `initial_log_scale` (the output weights are
    /// small, the biases exact), for both heads that have a scale.
    @Test(arguments: [OutputHeadConfig.Kind.mol, .gaussian])
    func freshHeadStartsAtTheInitialLogScale(kind: OutputHeadConfig.Kind) throws {
        var config = WaveNetConfig.preset(.tiny)
        config.head.kind = kind
        config.head.initialLogScale = -4
        config.upsampler = .init(kind: .transposed, strides: [2, 2])
        let model = try WaveNet(config: config, conditionChannels: 3, hop: 4, seed: 3)
        let bias = try #require(model.output.bias).value.scalars
        for i in config.head.logScaleIndices { #expect(bias[i] == -4) }
        var rng = Philox(seed: 4)
        let x = Tensor(shape: [1, 32, 1], scalars: rng.uniforms(32, low: -0.5, high: 0.5))
        let mel = Tensor(shape: [1, 9, 3], scalars: rng.normals(27))
        let params = model.forward(audio: x, mel: mel).params
        let p = model.parameterCount
        var sum = 0.0, count = 0
        for r in 0..<32 { for i in config.head.logScaleIndices { sum += Double(params.scalars[r * p + i]); count += 1 } }
        #expect(abs(sum / Double(count) + 4) < 0.5, "mean log-scale \(sum / Double(count))")
    }

    @Test func initialLogScaleBelowTheFloorIsRejected() {
        #expect(throws: ConfigError.self) {
            try YAMLConfigLoader.decode(OutputHeadConfig.self, from: "log_scale_min: -9\ninitial_log_scale: -12\n", file: "h.yaml").validate(path: "teacher.head")
        }
    }
}
