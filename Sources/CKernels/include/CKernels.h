#ifndef WAVEDISTILL_CKERNELS_H
#define WAVEDISTILL_CKERNELS_H
#include <stddef.h>
#endif
