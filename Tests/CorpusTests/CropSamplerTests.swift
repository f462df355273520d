import Corpus
import Randomness
import SignalProcessing
import Testing

/// `CropSampler`'s claims: a crop's frame j is the utterance frame centred on the crop's
/// sample j*hop, the audio and the mel come from the same utterance, short utterances are
/// padded, utterances are drawn in proportion to their length, and quiet crops are redrawn.
@Suite struct CropSamplerTests {
    static let hop = 256

    /// An utterance whose sample i holds `offset + i` and whose frame j holds, in every band,
    /// the value of the sample it is centred on, `offset + j*hop` (frames: 1 + T/hop, as the
    /// extractor gives). A crop is aligned exactly when its frame j equals its sample j*hop.
    static func ramp(id: String, offset: Int, samples: Int, bands: Int = 3) -> Utterance {
        let frames = 1 + samples / hop
        let mel = (0..<frames).flatMap { j in [Float](repeating: Float(offset + j * hop), count: bands) }
        return Utterance(id: id, samples: (0..<samples).map { Float(offset + $0) }, mel: mel, frames: frames,
                         melBands: bands)
    }

    @Test func everyFrameIsCentredOnItsSample() {
        let utterances = [Self.ramp(id: "a", offset: 0, samples: 20 * Self.hop + 17),
                          Self.ramp(id: "b", offset: 1_000_000, samples: 9 * Self.hop)]
        // 1000 is not a multiple of the hop: the crop is rounded down to 3 hops.
        let sampler = CropSampler(utterances: utterances, hop: Self.hop, cropLength: 1000, silence: -11)
        #expect(sampler.cropLength == 3 * Self.hop)
        let l = sampler.cropLength, frames = l / Self.hop + 1, bands = 3
        var starts: Set<Float> = []
        for step in 0..<20 {
            let batch = sampler.batch(crops: 0..<4, streams: CropStreams(seed: 3, step: step))
            #expect(batch.audio.shape == [4, l, 1] && batch.mel.shape == [4, frames, bands])
            for b in 0..<4 {
                let s0 = batch.audio.scalars[b * l]
                starts.insert(s0)
                // The crop starts on a frame boundary of its utterance and is contiguous.
                let offset: Float = batch.ids[b] == "b" ? 1_000_000 : 0
                #expect(Int(s0 - offset) % Self.hop == 0, "crop \(b) starts at sample \(s0 - offset)")
                #expect((0..<l).allSatisfy { batch.audio.scalars[b * l + $0] == s0 + Float($0) })
                for j in 0..<frames {
                    for k in 0..<bands {
                        // Frame j is centred on crop sample j*hop (the last one on the sample just past the crop).
                        #expect(batch.mel.scalars[(b * frames + j) * bands + k] == s0 + Float(j * Self.hop),
                                "crop \(b) frame \(j)")
                    }
                }
            }
        }
        #expect(starts.count > 10, "the crops should start at many places")
    }

    /// The alignment above assumes the extractor's frame j is centred on sample j*hop and that
    /// T samples give 1 + T/hop frames: an impulse at sample 7*hop peaks in frame 7.
    @Test func extractorFramesAreCentredOnMultiplesOfTheHop() throws {
        let features = FeatureConfig()
        let extractor = try LogMelExtractor(config: features)
        let hop = features.hopLength
        for (length, at) in [(16 * hop, 7 * hop), (16 * hop + 100, 3 * hop)] {
            var x = [Float](repeating: 0, count: length)
            x[at] = 1
            let mel = try extractor.features(of: x)
            #expect(mel.frameCount == 1 + length / hop)
            let energy = (0..<mel.frameCount).map { j in
                (0..<mel.binCount).reduce(Float(0)) { $0 + mel.values[j * mel.binCount + $1] }
            }
            #expect(energy.indices.max { energy[$0] < energy[$1] } == at / hop)
        }
    }

    @Test func shortUtterancesArePadded() {
        let short = Self.ramp(id: "s", offset: 1, samples: Self.hop + 10)
        let sampler = CropSampler(utterances: [short], hop: Self.hop, cropLength: 4 * Self.hop, silence: -11)
        let batch = sampler.batch(crops: 0..<1, streams: CropStreams(seed: 1, step: 0))
        let l = sampler.cropLength
        #expect(Array(batch.audio.scalars[0..<short.samples.count]) == short.samples)
        #expect(batch.audio.scalars[short.samples.count..<l].allSatisfy { $0 == 0 })
        let bands = short.melBands
        #expect(Array(batch.mel.scalars[0..<(short.frames * bands)]) == short.mel)
        #expect(batch.mel.scalars[(short.frames * bands)...].allSatisfy { $0 == -11 })
    }

    @Test func utterancesAreDrawnInProportionToTheirLength() {
        let sampler = CropSampler(utterances: [Self.ramp(id: "short", offset: 0, samples: 10 * Self.hop),
                                               Self.ramp(id: "long", offset: 0, samples: 30 * Self.hop)],
                                  hop: Self.hop, cropLength: Self.hop, silence: -11)
        let ids = sampler.batch(crops: 0..<4000, streams: CropStreams(seed: 9, step: 0)).ids
        let long = Double(ids.filter { $0 == "long" }.count) / Double(ids.count)
        #expect(abs(long - 0.75) < 0.03, "long drawn \(long) of the time")
    }

    @Test func quietCropsAreRedrawn() {
        // Half silence, half a loud ramp.
        var u = Self.ramp(id: "u", offset: 0, samples: 40 * Self.hop)
        for i in 0..<(20 * Self.hop) { u.samples[i] = 0 }
        func quietFraction(_ minimumRMS: Float) -> Double {
            let sampler = CropSampler(utterances: [u], hop: Self.hop, cropLength: 2 * Self.hop, silence: -11,
                                      minimumRMS: minimumRMS)
            let batch = sampler.batch(crops: 0..<400, streams: CropStreams(seed: 4, step: 0))
            let l = sampler.cropLength
            let quiet = (0..<400).filter { b in (0..<l).allSatisfy { batch.audio.scalars[b * l + $0] == 0 } }
            return Double(quiet.count) / 400
        }
        #expect(quietFraction(0) > 0.3)
        #expect(quietFraction(1) < 0.01)
    }

    /// A crop depends on its global index and the step only: any split of a batch's indices
    /// (the shares of data-parallel processes) draws the crops of the whole batch, and each
    /// crop's stream continues alike.
    @Test func cropsDependOnTheirIndexNotOnTheirShare() {
        let utterances = [Self.ramp(id: "a", offset: 0, samples: 50 * Self.hop),
                          Self.ramp(id: "b", offset: 1_000_000, samples: 30 * Self.hop)]
        let sampler = CropSampler(utterances: utterances, hop: Self.hop, cropLength: 2 * Self.hop, silence: -11)
        let streams = CropStreams(seed: 21, step: 7)
        let whole = sampler.batch(crops: 0..<6, streams: streams)
        let shares = [sampler.batch(crops: 0..<2, streams: streams), sampler.batch(crops: 2..<4, streams: streams),
                      sampler.batch(crops: 4..<6, streams: streams)]
        #expect(shares.flatMap(\.audio.scalars) == whole.audio.scalars)
        #expect(shares.flatMap(\.mel.scalars) == whole.mel.scalars)
        func nextDraws(_ streams: [Philox]) -> [UInt32] { streams.map { var s = $0; return s.nextUInt32() } }
        #expect(nextDraws(shares.flatMap(\.streams)) == nextDraws(whole.streams))
        // Another step draws other crops.
        let other = sampler.batch(crops: 0..<6, streams: CropStreams(seed: 21, step: 8))
        #expect(other.audio.scalars != whole.audio.scalars)
    }
}
