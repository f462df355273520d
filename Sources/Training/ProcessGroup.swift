import Foundation
import Tensors

/// The processes that train one model together by synchronous data parallelism.
///
/// One process alone is `SingleProcess`; under `mpirun` it is `MPIProcessGroup` (module
/// DataParallel), made once at start-up and handed down to the training loop. Each process
/// takes an equal share of the global batch (`BatchShare`); after every step the gradients are
/// summed over the group (`GradientAllreduce`), so every process applies the same update and
/// holds the same weights. Rank 0, the primary, alone writes files (checkpoints, logs,
/// metrics, stage markers) and runs validation.
///
/// Every member must make the same calls in the same order with the same counts (they are
/// collectives). Waiting members poll rather than spin, so a member doing rank-0-only work
/// (validation, a non-training stage) keeps the cores.
public protocol ProcessGroup: AnyObject, Sendable {
    /// 0 ..< size; rank 0 is the primary.
    var rank: Int { get }
    var size: Int { get }
    /// A name for messages: "rank 1 of 2 (host)".
    var description: String { get }
    /// Sums `values` over the group in place: every member ends with the sum.
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws
    /// Overwrites `bytes` on every member with `root`'s (all members pass the same count).
    func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Returns once every member has called it.
    func barrier() throws
}

extension ProcessGroup {
    public var isPrimary: Bool { rank == 0 }

    /// Rank 0's value of `value` on every member.
    public func broadcast(_ value: UInt64, root: Int = 0) throws -> UInt64 {
        var v = value
        try withUnsafeMutableBytes(of: &v) { try broadcast($0, root: root) }
        return v
    }

    /// Rank 0's flag on every member (a decision only the primary can make, e.g. whether a
    /// stage is complete, taken by everybody alike).
    public func broadcast(_ flag: Bool) throws -> Bool {
        try broadcast(flag ? 1 : 0) != 0
    }

    /// Throws on every member whose `value` differs from rank 0's: members that were meant to
    /// agree (restored step, initial weights, config hash) and do not must not train on.
    public func requireAgreement(_ value: UInt64, on what: String, describe: (UInt64) -> String = { "\($0)" }) throws {
        let primary = try broadcast(value)
        if primary != value {
            throw DataParallelError.disagreement(what: what, rank: rank, value: describe(value), primary: describe(primary))
        }
    }
}

/// A process training alone: every collective is the identity.
public final class SingleProcess: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var description: String { "single process" }
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {}
    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {}
    public func barrier() throws {}
}

public enum DataParallelError: Error, CustomStringConvertible, Equatable {
    /// The global batch does not split into equal shares.
    case indivisibleBatch(key: String, batchSize: Int, processes: Int)
    /// A member's state differs from rank 0's where they must agree.
    case disagreement(what: String, rank: Int, value: String, primary: String)
    /// An MPI call failed.
    case communication(call: String, code: Int32, text: String)

    public var description: String {
        switch self {
        case let .indivisibleBatch(key, batchSize, processes):
            return "\(key) is \(batchSize), which does not split into \(processes) equal shares: with \(processes) processes "
                + "it must be a multiple of \(processes) (each process takes batch_size / processes crops of every step)"
        case let .disagreement(what, rank, value, primary):
            return "rank \(rank) disagrees with rank 0 on \(what): \(value) here, \(primary) on rank 0"
        case let .communication(call, code, text):
            return "\(call) failed with MPI error \(code)\(text.isEmpty ? "" : ": \(text)")"
        }
    }
}

/// The crops of the global batch one member of a group computes: an equal, contiguous share.
public struct BatchShare: Sendable, Equatable {
    public let globalBatch: Int
    public let crops: Range<Int>

    /// - Parameter key: the config key of the batch size, for the error.
    public init(globalBatch: Int, rank: Int, size: Int, key: String) throws {
        precondition(size >= 1 && rank >= 0 && rank < size, "rank \(rank) of \(size)")
        guard globalBatch % size == 0 else {
            throw DataParallelError.indivisibleBatch(key: key, batchSize: globalBatch, processes: size)
        }
        let per = globalBatch / size
        self.globalBatch = globalBatch
        crops = (rank * per)..<((rank + 1) * per)
    }
}

extension ParameterSet {
    /// A 64-bit FNV-1a hash of every parameter's name and value bits, in order: equal on two
    /// processes exactly when their weights are bit-identical (up to hash collisions).
    public func fingerprint() -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        for p in parameters {
            for byte in p.name.utf8 { mix(byte) }
            p.value.withUnsafeBufferPointer { values in
                for v in values {
                    let bits = v.bitPattern
                    for shift in stride(from: 0, to: 32, by: 8) { mix(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
                }
            }
        }
        return hash
    }
}
