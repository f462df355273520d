import Configuration
import Foundation
import Testing
@testable import Student

@Suite struct StudentConfigTests {
    @Test func receptiveFieldFollowsTheFormula() {
        let tiny = StudentConfig.preset(.tiny)
        // Flow: (k - 1) * sum d + 2 = 1 * (1 + 2) + 2 = 5; stack: (5 - 1) + (5 - 1) + 1.
        #expect(tiny.receptiveField(ofFlow: 0) == 5)
        #expect(tiny.receptiveField == 9)
        let full = StudentConfig.preset(.full)
        #expect(full.receptiveField(ofFlow: 0) == 2 * 1023 + 2)
        #expect(full.receptiveField(ofFlow: 3) == 2 * 3 * 1023 + 2)  // 30 layers: three cycles 1 ... 512
        #expect(full.receptiveField == 3 * 2047 + 6139 + 1)
        #expect(full.dilation(ofLayer: 9) == 512 && full.dilation(ofLayer: 10) == 1)
    }

    @Test func presetsHaveTheDocumentedSizes() {
        let full = StudentConfig.preset(.full)
        #expect(full.flows == [10, 10, 10, 30] && full.channels == 64 && full.gateChannels == 128 && full.kernelSize == 3)
        let tiny = StudentConfig.preset(.tiny)
        #expect(tiny.flows == [2, 2] && tiny.channels == 8 && tiny.kernelSize == 2)
        // small: at most a third of full's work per sample (80 mel bands).
        let small = StudentConfig.preset(.small).flopsPerSample(conditionChannels: 80)
        let fullFlops = full.flopsPerSample(conditionChannels: 80)
        #expect(3 * small <= fullFlops, "small \(small) vs full \(fullFlops) FLOP per sample")
        #expect(fullFlops == 60 * 2 * (3 * 64 * 128 + 80 * 128 + 64 * 64) + 4 * 6 * 64)
        for preset in StudentConfig.Preset.allCases {
            #expect(throws: Never.self) { try StudentConfig.preset(preset).validate(path: "student.model") }
        }
    }

    @Test func decodesPresetsWithOverridesAndRejectsUnknownKeys() throws {
        let config = try YAMLConfigLoader.decode(StudentConfig.self, from: """
            preset: full
            channels: 32
            log_scale_min: -6
            """)
        #expect(config.flows == [10, 10, 10, 30])
        #expect(config.channels == 32 && config.gateChannels == 64)  // gate follows channels
        #expect(config.logScaleMin == -6 && config.logScaleMax == 3)
        #expect(throws: ConfigError.self) {
            try YAMLConfigLoader.decode(StudentConfig.self, from: "preset: tiny\nchanels: 8\n")
        }
        do {
            _ = try YAMLConfigLoader.decode(StudentConfig.self, from: "flows: [4, 0]\n")
            Issue.record("a flow of 0 layers must be rejected")
        } catch let error as ConfigError {
            #expect(error.path == "flows.1", "\(error)")
        }
    }

    @Test func rejectsAnInitialScaleTheClampCannotReach() {
        var config = StudentConfig.preset(.tiny)
        config.initialScale = 1e-9  // log / 2 = -10.4 < -7
        #expect(throws: ConfigError.self) { try config.validate(path: "student.model") }
        config.initialScale = 0.05
        config.logScaleMin = 4
        #expect(throws: ConfigError.self) { try config.validate(path: "student.model") }
    }

    @Test func jsonRoundTrip() throws {
        let config = StudentConfig.preset(.small)
        let json = JSONConfig.encode(config)
        #expect(try JSONConfig.decode(StudentConfig.self, from: json, source: "test") == config)
        #expect(json.contains("\"flows\"") && json.contains("\"gate_channels\""))
    }

    @Test func baseIsParsedDefaultsToLogisticAndBadValuesNameTheKey() throws {
        #expect(try YAMLConfigLoader.decode(StudentConfig.self, from: "preset: tiny\n").base == .logistic)
        let gaussian = try YAMLConfigLoader.decode(StudentConfig.self, from: "preset: tiny\nbase: gaussian\n")
        #expect(gaussian.base == .gaussian && gaussian.flows == [2, 2])
        #expect(JSONConfig.encode(gaussian).contains("\"base\":\"gaussian\""))
        #expect(try JSONConfig.decode(StudentConfig.self, from: JSONConfig.encode(gaussian), source: "test") == gaussian)
        do {
            _ = try YAMLConfigLoader.decode(StudentConfig.self, from: "preset: tiny\nbase: cauchy\n")
            Issue.record("an unknown base must be rejected")
        } catch let error as ConfigError {
            #expect(error.path == "base", "\(error)")
        }
    }
}
