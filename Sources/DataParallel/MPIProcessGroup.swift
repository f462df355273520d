import CMPIShim
import Foundation
import Training

/// The processes of an MPI job (`mpirun -np N wavedistill ...`) as a `ProcessGroup`: the
/// collectives are MPI's, on MPI_COMM_WORLD, through the C shim (MPI's handles are C macros).
///
/// Made once per process by `MPIProcessGroup.launch()`, which initialises MPI only when the
/// process was started by an MPI launcher: without `mpirun` nothing of MPI runs, and the
/// single-process CLI behaves as it always did.
///
/// Waiting is polled: a collective is started non-blocking and tested, spinning for a short
/// while and then sleeping between tests. A member that waits for the primary (validation, a
/// stage only the primary runs) then leaves the cores to it, instead of spinning at 100 %
/// inside MPI for minutes as a blocking call does.
public final class MPIProcessGroup: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    public let host: String
    /// Processes of this job on this machine (from the launcher; 1 if it does not say).
    public let localSize: Int

    private init(rank: Int, size: Int, host: String, localSize: Int) {
        self.rank = rank
        self.size = size
        self.host = host
        self.localSize = localSize
    }

    public var description: String { "rank \(rank) of \(size) (\(host))" }

    /// Environment variables that MPI launchers set in the processes they start: Open MPI,
    /// PMIx (Open MPI 5, Slurm), and PMI (MPICH, Intel MPI, Slurm).
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"]

    /// True when an MPI launcher started this process.
    public static func launchedByMPI(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        launcherVariables.contains { environment[$0] != nil }
    }

    /// The job's group when started by an MPI launcher (MPI initialised), nil otherwise.
    public static func launch(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MPIProcessGroup? {
        guard launchedByMPI(environment: environment) else { return nil }
        var rank: Int32 = 0, size: Int32 = 0
        try check(wd_mpi_init(&rank, &size), "MPI_Init_thread")
        var name = [CChar](repeating: 0, count: 256)
        _ = wd_mpi_processor_name(&name, Int32(name.count))
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let localSize = ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"]
            .lazy.compactMap { environment[$0].flatMap { Int($0) } }.first ?? 1
        return MPIProcessGroup(rank: Int(rank), size: Int(size), host: host.isEmpty ? "unknown host" : host,
                               localSize: max(1, localSize))
    }

    /// Ends MPI cleanly (every member must call it once its work is done).
    public func finish() {
        if wd_mpi_is_initialized() != 0 { _ = wd_mpi_finalize() }
    }

    /// Ends every process of the job with `code`: the way a failing member stops the others,
    /// which would otherwise wait for it in their next collective for ever.
    public func abort(code: Int32) -> Never {
        wd_mpi_abort(code)
        exit(code)  // only if MPI could not abort
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
        guard size > 1, let base = values.baseAddress, !values.isEmpty else { return }
        var request: UnsafeMutableRawPointer?
        try Self.check(wd_mpi_iallreduce_sum_float(base, Int64(values.count), &request), "MPI_Iallreduce")
        try wait(&request, "MPI_Iallreduce")
    }

    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws {
        guard size > 1, let base = values.baseAddress, !values.isEmpty else { return }
        // A handful of loss terms: the blocking call is fine.
        try Self.check(wd_mpi_allreduce_sum_double(base, Int64(values.count)), "MPI_Allreduce")
    }

    public func broadcast(_ bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard size > 1, let base = bytes.baseAddress, !bytes.isEmpty else { return }
        var request: UnsafeMutableRawPointer?
        try Self.check(wd_mpi_ibcast_bytes(base, Int64(bytes.count), Int32(root), &request), "MPI_Ibcast")
        try wait(&request, "MPI_Ibcast")
    }

    public func barrier() throws {
        guard size > 1 else { return }
        var request: UnsafeMutableRawPointer?
        try Self.check(wd_mpi_ibarrier(&request), "MPI_Ibarrier")
        try wait(&request, "MPI_Ibarrier")
    }

    /// Polls `request` to completion: tests in a tight loop for `spinSeconds` (a step's
    /// allreduce usually completes in that time), then sleeps `sleepMicroseconds` between tests.
    private func wait(_ request: inout UnsafeMutableRawPointer?, _ call: String) throws {
        let spinSeconds = 0.002, sleepMicroseconds: UInt32 = 500
        let started = DispatchTime.now().uptimeNanoseconds
        var done: Int32 = 0
        while true {
            try Self.check(wd_mpi_test(&request, &done), call)
            if done != 0 { return }
            if Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 > spinSeconds { usleep(sleepMicroseconds) }
        }
    }

    private static func check(_ code: Int32, _ call: String) throws {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        wd_mpi_error_string(code, &text, Int32(text.count))
        throw DataParallelError.communication(
            call: call, code: code,
            text: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
