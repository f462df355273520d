#include "CMPIShim.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

int wd_mpi_init(int *rank, int *size) {
    int provided = 0;
    int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) return rc;
    rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (rc != MPI_SUCCESS) return rc;
    rc = MPI_Comm_rank(MPI_COMM_WORLD, rank);
    if (rc != MPI_SUCCESS) return rc;
    return MPI_Comm_size(MPI_COMM_WORLD, size);
}

int wd_mpi_is_initialized(void) {
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    return initialized && !finalized;
}

int wd_mpi_finalize(void) { return MPI_Finalize(); }

void wd_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

int wd_mpi_processor_name(char *name, int capacity) {
    char buffer[MPI_MAX_PROCESSOR_NAME + 1];
    int length = 0;
    int rc = MPI_Get_processor_name(buffer, &length);
    if (rc != MPI_SUCCESS || capacity <= 0) return rc;
    if (length >= capacity) length = capacity - 1;
    memcpy(name, buffer, (size_t)length);
    name[length] = 0;
    return MPI_SUCCESS;
}

// MPI counts are ints: a longer buffer is reduced in pieces of at most INT_MAX/2 elements.
static const int64_t piece = INT_MAX / 2;

int wd_mpi_allreduce_sum_float(float *values, int64_t count) {
    for (int64_t start = 0; start < count; start += piece) {
        int n = (int)(count - start < piece ? count - start : piece);
        int rc = MPI_Allreduce(MPI_IN_PLACE, values + start, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
    }
    return MPI_SUCCESS;
}

int wd_mpi_allreduce_sum_double(double *values, int64_t count) {
    for (int64_t start = 0; start < count; start += piece) {
        int n = (int)(count - start < piece ? count - start : piece);
        int rc = MPI_Allreduce(MPI_IN_PLACE, values + start, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) return rc;
    }
    return MPI_SUCCESS;
}

int wd_mpi_allreduce_min_max_int64(int64_t *minimum, int64_t *maximum) {
    int rc = MPI_Allreduce(MPI_IN_PLACE, minimum, 1, MPI_INT64_T, MPI_MIN, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS) return rc;
    return MPI_Allreduce(MPI_IN_PLACE, maximum, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
}

static int new_request(void **request, MPI_Request **out) {
    *out = malloc(sizeof(MPI_Request));
    if (*out == NULL) return MPI_ERR_NO_MEM;
    *request = *out;
    return MPI_SUCCESS;
}

int wd_mpi_iallreduce_sum_float(float *values, int64_t count, void **request) {
    if (count > INT_MAX) return MPI_ERR_COUNT;
    MPI_Request *r;
    int rc = new_request(request, &r);
    if (rc != MPI_SUCCESS) return rc;
    rc = MPI_Iallreduce(MPI_IN_PLACE, values, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, r);
    if (rc != MPI_SUCCESS) { free(r); *request = NULL; }
    return rc;
}

int wd_mpi_ibarrier(void **request) {
    MPI_Request *r;
    int rc = new_request(request, &r);
    if (rc != MPI_SUCCESS) return rc;
    rc = MPI_Ibarrier(MPI_COMM_WORLD, r);
    if (rc != MPI_SUCCESS) { free(r); *request = NULL; }
    return rc;
}

int wd_mpi_ibcast_bytes(void *bytes, int64_t count, int root, void **request) {
    if (count > INT_MAX) return MPI_ERR_COUNT;
    MPI_Request *r;
    int rc = new_request(request, &r);
    if (rc != MPI_SUCCESS) return rc;
    rc = MPI_Ibcast(bytes, (int)count, MPI_BYTE, root, MPI_COMM_WORLD, r);
    if (rc != MPI_SUCCESS) { free(r); *request = NULL; }
    return rc;
}

int wd_mpi_test(void **request, int *done) {
    MPI_Request *r = (MPI_Request *)*request;
    *done = 0;
    if (r == NULL) { *done = 1; return MPI_SUCCESS; }
    int rc = MPI_Test(r, done, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS || *done) { free(r); *request = NULL; }
    return rc;
}

void wd_mpi_error_string(int code, char *text, int capacity) {
    char buffer[MPI_MAX_ERROR_STRING + 1];
    int length = 0;
    if (capacity <= 0) return;
    text[0] = 0;
    if (MPI_Error_string(code, buffer, &length) != MPI_SUCCESS) return;
    if (length >= capacity) length = capacity - 1;
    memcpy(text, buffer, (size_t)length);
    text[length] = 0;
}
