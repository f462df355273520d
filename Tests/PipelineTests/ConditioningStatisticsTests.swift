import Corpus
import Testing

@Suite struct ConditioningStatisticsTests {
    /// Per-band mean and (population) std over every frame of every utterance.
    @Test func meanAndStdPerBandOverAllFrames() throws {
        let a = Utterance(id: "a", samples: [], mel: [1, 10, 3, 10], frames: 2, melBands: 2)
        let b = Utterance(id: "b", samples: [], mel: [5, 10], frames: 1, melBands: 2)
        let s = try #require(ConditioningStatistics(utterances: [a, b]))
        #expect(s.frames == 3)
        #expect(abs(s.mean[0] - 3) < 1e-6 && abs(s.mean[1] - 10) < 1e-6)
        #expect(abs(s.std[0] - (8.0 / 3).squareRoot()) < 1e-5)
        #expect(s.std[1] == 0)
        #expect(ConditioningStatistics(utterances: []) == nil)
    }
}
