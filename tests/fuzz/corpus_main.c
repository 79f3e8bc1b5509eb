/* corpus_main.c — runs a libFuzzer target as a plain program, for meson
 * test: every file named on the command line (a directory: every file in
 * it, in name order) is passed to LLVMFuzzerTestOneInput in one process,
 * each under an alarm of TIMEOUT seconds (default 30; env
 * FUZZ_CORPUS_TIMEOUT). A crash fails the test by itself; a hang is reported
 * with the file's name and exit status 1. Exit 0 when all ran. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char current[4096];

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "corpus: timed out (a hang) on ";
    ssize_t r = write(2, msg, sizeof msg - 1);
    r = write(2, current, strlen(current));
    r = write(2, "\n", 1);
    (void)r;
    _exit(1);
}

static int run_file(const char *path, unsigned timeout)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "corpus: %s: cannot open\n", path);
        return -1;
    }
    size_t cap = 1 << 20, n;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, cap, f);
    fclose(f);
    uint8_t *exact = malloc(n ? n : 1);        /* exact size: ASan sees overreads */
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    snprintf(current, sizeof current, "%s", path);
    alarm(timeout);
    LLVMFuzzerTestOneInput(exact, n);
    alarm(0);
    free(exact);
    printf("ok %s\n", path);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, unsigned timeout)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char *names[4096];
    int n = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    for (int i = 0; i < n; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        if (names[i] && run_file(p, timeout) < 0)
            rc = -1;
        free(names[i]);
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *t = getenv("FUZZ_CORPUS_TIMEOUT");
    unsigned timeout = t && atoi(t) > 0 ? (unsigned)atoi(t) : 30;
    signal(SIGALRM, on_alarm);
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "corpus: %s: no such file\n", argv[i]);
            rc = 1;
        } else if (S_ISDIR(st.st_mode) ? run_dir(argv[i], timeout) : run_file(argv[i], timeout)) {
            rc = 1;
        }
    }
    return rc;
}
