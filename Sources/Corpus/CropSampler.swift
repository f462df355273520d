import Randomness
import Tensors

/// A training batch: aligned waveform crops and the mel frames that condition them.
public struct Batch {
    /// `[B, L, 1]`, L a multiple of the hop.
    public var audio: Tensor
    /// `[B, L/hop + 1, n_mels]`: frame j of crop b is centred on sample j*hop of the crop.
    public var mel: Tensor
    public var ids: [String]
    /// Each crop's random stream, past the draws that chose its window: the student's noise
    /// and Monte Carlo samples for the crop continue from here (`CropStreams`).
    public var streams: [Philox]
}

/// Draws random aligned crops from utterances (the teacher's and the student's data loader).
///
/// Crop `i` of a step is drawn from that crop's own stream (`CropStreams`), so the crops a
/// process draws do not depend on which other crops of the batch it draws: N processes that
/// each take a share of the indices together draw the batch one process would.
///
/// A crop starts on a frame boundary, sample f0*hop, so that with centred frames the crop's
/// sample t is conditioned by frame f0 + round(t/hop): the mel slice f0 ..< f0 + L/hop + 1 is
/// exactly the frames the upsampler needs. Utterances are drawn with probability proportional
/// to their length (every sample equally likely); an utterance shorter than the crop is
/// zero-padded (audio) and floor-padded (mel) at its end.
///
/// With `minimumRMS` > 0 a crop quieter than that is redrawn (up to `maximumRedraws` times):
/// spectral losses normalised by the real crop's magnitude (spectral convergence) blow up on
/// near-silent crops, and the corpus has long pauses.
public struct CropSampler {
    public let utterances: [Utterance]
    public let hop: Int
    public let cropLength: Int
    /// The log-mel value of silence (log of the floor), used to pad short utterances.
    public let silence: Float
    public let minimumRMS: Float
    public let maximumRedraws = 8
    private let cumulativeLengths: [Int]

    public init(utterances: [Utterance], hop: Int, cropLength: Int, silence: Float, minimumRMS: Float = 0) {
        precondition(!utterances.isEmpty, "CropSampler needs at least one utterance")
        self.utterances = utterances
        self.hop = hop
        self.cropLength = max(hop, cropLength / hop * hop)
        self.silence = silence
        self.minimumRMS = minimumRMS
        var total = 0
        cumulativeLengths = utterances.map { total += max(1, $0.samples.count); return total }
    }

    /// The crops with global indices `crops` of the step whose streams are `streams`.
    public func batch(crops: [Int], streams: CropStreams) -> Batch {
        let l = cropLength, frames = l / hop + 1, bands = utterances[0].melBands
        var audio = Tensor(shape: [crops.count, l, 1])
        var mel = Tensor(shape: [crops.count, frames, bands], repeating: silence)
        var ids: [String] = []
        var cropStreams: [Philox] = []
        let total = cumulativeLengths.last ?? 1
        for (b, index) in crops.enumerated() {
            var rng = streams.stream(crop: index)
            var u = utterances[0], f0 = 0
            for attempt in 0...maximumRedraws {
                let pick = rng.nextInt(below: total)
                u = utterances[cumulativeLengths.firstIndex { $0 > pick } ?? 0]
                let maxStartFrame = max(0, (u.samples.count - l) / hop)
                f0 = rng.nextInt(below: maxStartFrame + 1)
                if minimumRMS <= 0 || attempt == maximumRedraws || Self.rms(u.samples, from: f0 * hop, count: l) >= minimumRMS { break }
            }
            ids.append(u.id)
            cropStreams.append(rng)
            let s0 = f0 * hop
            let n = min(l, u.samples.count - s0)
            for i in 0..<n { audio.scalars[b * l + i] = u.samples[s0 + i] }
            let nf = min(frames, u.frames - f0)
            for j in 0..<nf {
                for k in 0..<bands { mel.scalars[(b * frames + j) * bands + k] = u.mel[(f0 + j) * bands + k] }
            }
        }
        return Batch(audio: audio, mel: mel, ids: ids, streams: cropStreams)
    }

    public func batch(crops: Range<Int>, streams: CropStreams) -> Batch {
        batch(crops: Array(crops), streams: streams)
    }

    static func rms(_ x: [Float], from start: Int, count: Int) -> Float {
        let end = min(x.count, start + count)
        guard end > start else { return 0 }
        var sum = 0.0
        for i in start..<end { sum += Double(x[i]) * Double(x[i]) }
        return Float((sum / Double(count)).squareRoot())
    }

    /// A whole utterance as a batch of one (validation, synthesis): audio `[1, T, 1]` and all
    /// its frames `[1, F, n_mels]` (F*hop >= T).
    public static func whole(_ u: Utterance) -> Batch {
        Batch(audio: Tensor(shape: [1, u.samples.count, 1], scalars: u.samples),
              mel: Tensor(shape: [1, u.frames, u.melBands], scalars: u.mel), ids: [u.id], streams: [])
    }
}
