#ifndef WAVEDISTILL_CPNGCODEC_H
#define WAVEDISTILL_CPNGCODEC_H
// PNG files of 8-bit RGB pixels through libpng.
//
// libpng reports errors by longjmp to a setjmp point in the caller's frame, which Swift cannot
// set up: these two functions own the setjmp and turn every libpng or I/O error into a return
// value of -1 and a message in `errbuf` (always NUL-terminated, truncated to `errlen` bytes).
// Pixels are row-major, top row first, 3 bytes (R, G, B) per pixel, no row padding.
#include <stddef.h>
#include <stdint.h>

/// Writes `width` x `height` RGB8 pixels (`3 * width * height` bytes) to `path` as a
/// non-interlaced 8-bit truecolour PNG. Returns 0, or -1 with a message in `errbuf`
/// (on failure a partly written file may remain at `path`: write to a temporary name).
int wd_png_write_rgb(const char *path, uint32_t width, uint32_t height, const uint8_t *pixels,
                     char *errbuf, size_t errlen);

/// Reads any PNG (palette, grey, 16-bit and alpha are converted: expanded to 8-bit RGB, alpha
/// dropped) into a new buffer of `3 * width * height` bytes, returned in `*pixels` and freed
/// with `wd_png_free`. Returns 0, or -1 with a message in `errbuf` and `*pixels` = NULL.
int wd_png_read_rgb(const char *path, uint32_t *width, uint32_t *height, uint8_t **pixels,
                    char *errbuf, size_t errlen);

/// Frees a buffer returned by `wd_png_read_rgb` (NULL is allowed).
void wd_png_free(uint8_t *pixels);

#endif
