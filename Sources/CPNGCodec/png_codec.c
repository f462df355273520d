#include "CPNGCodec.h"

#include <errno.h>
#include <png.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Where libpng's error callback leaves its message.
typedef struct {
    char *buffer;
    size_t length;
} wd_png_message;

static void wd_set_message(char *errbuf, size_t errlen, const char *format, ...) {
    if (errbuf == NULL || errlen == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(errbuf, errlen, format, arguments);
    va_end(arguments);
}

/// libpng error callback: keep the message, then return to the setjmp point (never returns).
static void wd_on_error(png_structp png, png_const_charp message) {
    wd_png_message *target = (wd_png_message *)png_get_error_ptr(png);
    if (target != NULL) wd_set_message(target->buffer, target->length, "libpng: %s", message);
    png_longjmp(png, 1);
}

/// libpng warnings (e.g. about ancillary chunks of a file being read) are not failures.
static void wd_on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

int wd_png_write_rgb(const char *path, uint32_t width, uint32_t height, const uint8_t *pixels,
                     char *errbuf, size_t errlen) {
    wd_set_message(errbuf, errlen, "%s", "");
    if (width == 0 || height == 0 || width > PNG_USER_WIDTH_MAX || height > PNG_USER_HEIGHT_MAX) {
        wd_set_message(errbuf, errlen, "image size %ux%u is outside 1...%u x 1...%u", width, height,
                       (unsigned)PNG_USER_WIDTH_MAX, (unsigned)PNG_USER_HEIGHT_MAX);
        return -1;
    }
    FILE *file = fopen(path, "wb");
    if (file == NULL) {
        wd_set_message(errbuf, errlen, "%s", strerror(errno));
        return -1;
    }
    wd_png_message message = {errbuf, errlen};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &message, wd_on_error, wd_on_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        fclose(file);
        wd_set_message(errbuf, errlen, "%s", "libpng: out of memory");
        return -1;
    }
    // Nothing set up before this point is modified after it, so no local needs `volatile`.
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return -1;
    }
    png_init_io(png, file);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * 3));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    // A full disk may only show when the last buffered bytes are flushed.
    if (fclose(file) != 0) {
        wd_set_message(errbuf, errlen, "%s", strerror(errno));
        return -1;
    }
    return 0;
}

int wd_png_read_rgb(const char *path, uint32_t *width, uint32_t *height, uint8_t **pixels,
                    char *errbuf, size_t errlen) {
    wd_set_message(errbuf, errlen, "%s", "");
    *pixels = NULL;
    *width = 0;
    *height = 0;
    FILE *file = fopen(path, "rb");
    if (file == NULL) {
        wd_set_message(errbuf, errlen, "%s", strerror(errno));
        return -1;
    }
    unsigned char signature[8];
    if (fread(signature, 1, sizeof signature, file) != sizeof signature || png_sig_cmp(signature, 0, sizeof signature) != 0) {
        fclose(file);
        wd_set_message(errbuf, errlen, "%s", "not a PNG file (bad signature)");
        return -1;
    }
    wd_png_message message = {errbuf, errlen};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &message, wd_on_error, wd_on_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        fclose(file);
        wd_set_message(errbuf, errlen, "%s", "libpng: out of memory");
        return -1;
    }
    // Assigned after setjmp, read after a longjmp: volatile, so they are not cached in registers.
    uint8_t *volatile buffer = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(buffer);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        return -1;
    }
    png_init_io(png, file);
    png_set_sig_bytes(png, sizeof signature);
    png_read_info(png, info);
    png_uint_32 w = 0, h = 0;
    int depth = 0, colour = 0;
    png_get_IHDR(png, info, &w, &h, &depth, &colour, NULL, NULL, NULL);
    // Everything to 8-bit RGB.
    if (depth == 16) png_set_strip_16(png);
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (colour == PNG_COLOR_TYPE_GRAY || colour == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3) png_error(png, "unexpected row size after conversion to RGB8");
    buffer = malloc((size_t)w * h * 3);
    rows = malloc((size_t)h * sizeof(png_bytep));
    if (buffer == NULL || rows == NULL) png_error(png, "out of memory");
    for (png_uint_32 y = 0; y < h; y++) rows[y] = buffer + (size_t)y * w * 3;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(file);
    *pixels = buffer;
    *width = w;
    *height = h;
    return 0;
}

void wd_png_free(uint8_t *pixels) {
    free(pixels);
}
