#include <cblas.h>

/* LAPACK, built into OpenBLAS (Debian's libopenblas ships no lapacke.h): Cholesky solve of a
   symmetric positive definite system A X = B, column-major. The trailing size_t is gfortran's
   hidden length of the `uplo` string argument. */
#include <stddef.h>
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info, size_t uplo_length);
