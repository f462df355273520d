// The MPI calls wavedistill makes, as plain C functions. MPI's handles (MPI_COMM_WORLD,
// MPI_FLOAT, MPI_SUM) are macros over implementation-specific globals that Swift cannot
// import, so they are used here, in C, and nowhere else. Every function returns an MPI error
// code (MPI_SUCCESS = 0); `wd_mpi_error_string` turns one into text. The communicator is
// always MPI_COMM_WORLD, with errors returned rather than fatal (MPI_ERRORS_RETURN).
#ifndef WAVEDISTILL_CMPISHIM_H
#define WAVEDISTILL_CMPISHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Initialises MPI (thread level MPI_THREAD_FUNNELED: only the main thread calls MPI) and
/// makes errors on MPI_COMM_WORLD return codes. Writes the rank and the number of processes.
int wd_mpi_init(int *rank, int *size);
/// 1 when MPI_Init has been called and MPI_Finalize has not.
int wd_mpi_is_initialized(void);
int wd_mpi_finalize(void);
/// Ends every process of the job with `code` (MPI_Abort); does not return when MPI works.
void wd_mpi_abort(int code);
/// The processor (host) name.
int wd_mpi_processor_name(char *name, int capacity);

/// In-place sum over all ranks: blocking, or started and then polled with `wd_mpi_test`.
int wd_mpi_allreduce_sum_float(float *values, int64_t count);
int wd_mpi_allreduce_sum_double(double *values, int64_t count);
int wd_mpi_allreduce_min_max_int64(int64_t *minimum, int64_t *maximum);
/// Non-blocking forms: fill `*request` (an opaque handle, freed by a completing `wd_mpi_test`).
int wd_mpi_iallreduce_sum_float(float *values, int64_t count, void **request);
int wd_mpi_ibarrier(void **request);
int wd_mpi_ibcast_bytes(void *bytes, int64_t count, int root, void **request);
/// Sets *done to 1 when the request completed (and frees it).
int wd_mpi_test(void **request, int *done);

/// The text of an MPI error code (empty when the code is unknown).
void wd_mpi_error_string(int code, char *text, int capacity);

#ifdef __cplusplus
}
#endif

#endif
