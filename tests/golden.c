/*
 * golden.c — golden-image test: renders a layout headless with the real
 * bigscreen binary and compares it with a reference PNG.
 *
 *   golden BIGSCREEN LAYOUT REFERENCE.png [--size WxH] [--at S]
 *
 * A pixel differs when any channel differs by more than CHANNEL_TOL; the
 * test fails when more than AREA_TOL of the pixels differ (font rasterisers
 * and Cairo versions move a few edge pixels; a broken widget moves many).
 * On failure the actual image and a diff image are left in $TMPDIR (or /tmp).
 *
 * Set GOLDEN_UPDATE=1 to rewrite the reference instead of comparing.
 */
#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHANNEL_TOL 40
#define AREA_TOL    0.004

static int run(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: golden BIGSCREEN LAYOUT REFERENCE.png [extra bigscreen args]\n");
        return 2;
    }
    const char *tmpdir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    const char *base = strrchr(argv[3], '/') ? strrchr(argv[3], '/') + 1 : argv[3];
    char actual[1024], diffp[1024];
    bool update = getenv("GOLDEN_UPDATE") && strcmp(getenv("GOLDEN_UPDATE"), "1") == 0;
    snprintf(actual, sizeof actual, "%s/golden-actual-%d-%s", tmpdir, (int)getpid(), base);
    snprintf(diffp, sizeof diffp, "%s/golden-diff-%s", tmpdir, base);

    char *args[32];
    int n = 0;
    args[n++] = argv[1];
    args[n++] = "--snapshot";
    args[n++] = update ? argv[3] : actual;
    for (int i = 4; i < argc && n < 28; i++)
        args[n++] = argv[i];
    args[n++] = argv[2];
    args[n] = NULL;
    int rc = run(args);
    if (rc != 0) {
        fprintf(stderr, "golden: bigscreen exited with %d\n", rc);
        return 1;
    }
    if (update) {
        printf("golden: updated %s\n", argv[3]);
        return 0;
    }
    cairo_surface_t *a = cairo_image_surface_create_from_png(actual);
    cairo_surface_t *r = cairo_image_surface_create_from_png(argv[3]);
    if (cairo_surface_status(a) || cairo_surface_status(r)) {
        fprintf(stderr, "golden: cannot read %s or %s\n", actual, argv[3]);
        return 1;
    }
    int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
    if (w != cairo_image_surface_get_width(r) || h != cairo_image_surface_get_height(r)) {
        fprintf(stderr, "golden: size %dx%d, reference %dx%d\n", w, h,
                cairo_image_surface_get_width(r), cairo_image_surface_get_height(r));
        return 1;
    }
    cairo_surface_t *d = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    unsigned char *pa = cairo_image_surface_get_data(a), *pr = cairo_image_surface_get_data(r);
    unsigned char *pd = cairo_image_surface_get_data(d);
    int sa = cairo_image_surface_get_stride(a), sr = cairo_image_surface_get_stride(r);
    int sd = cairo_image_surface_get_stride(d);
    long bad = 0;
    int worst = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const unsigned char *qa = pa + y * sa + x * 4, *qr = pr + y * sr + x * 4;
            int m = 0;
            for (int c = 0; c < 4; c++) {
                int dd = abs(qa[c] - qr[c]);
                if (dd > m)
                    m = dd;
            }
            if (m > worst)
                worst = m;
            uint32_t *o = (uint32_t *)(pd + y * sd + x * 4);
            if (m > CHANNEL_TOL) {
                bad++;
                *o = 0xffff2040;
            } else {
                *o = 0xff000000 | (uint32_t)(qr[1] / 4) << 8;
            }
        }
    cairo_surface_mark_dirty(d);
    double frac = (double)bad / ((double)w * h);
    printf("golden: %s: %ld of %d pixels differ (%.3f%%, tolerance %.3f%%), worst channel delta %d\n",
           base, bad, w * h, frac * 100, AREA_TOL * 100, worst);
    int fail = frac > AREA_TOL;
    if (fail) {
        cairo_surface_write_to_png(d, diffp);
        fprintf(stderr, "golden: FAIL; actual %s, diff %s\n", actual, diffp);
    } else {
        unlink(actual);
    }
    cairo_surface_destroy(a);
    cairo_surface_destroy(r);
    cairo_surface_destroy(d);
    return fail;
}
