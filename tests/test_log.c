/* test_log.c — base/log: journald priorities, terminal prefixes, one line
 * per call from many threads. Each case points fd 2 at a scratch file,
 * sets JOURNAL_STREAM to that file's dev:ino (or not), logs, and reads back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

typedef enum { PLAIN, JOURNAL, OTHER_STREAM } mode_t_;

static int saved_fd = -1;
static FILE *cap;

/* Points fd 2 at a fresh file and tells the log where it is. */
static void begin(mode_t_ mode, const char *level)
{
    cap = tmpfile();
    assert_non_null(cap);
    saved_fd = dup(2);
    dup2(fileno(cap), 2);
    struct stat st;
    FILE *other = mode == OTHER_STREAM ? tmpfile() : NULL;
    fstat(other ? fileno(other) : fileno(cap), &st);
    char js[64];
    snprintf(js, sizeof js, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    if (mode == PLAIN)
        unsetenv("JOURNAL_STREAM");
    else
        setenv("JOURNAL_STREAM", js, 1);
    if (level)
        setenv("BIGSCREEN_LOG_LEVEL", level, 1);
    else
        unsetenv("BIGSCREEN_LOG_LEVEL");
    bs_log_init("prog");
    if (other)
        fclose(other);
}

/* Puts fd 2 back and answers what was written (caller frees). */
static char *end(void)
{
    dup2(saved_fd, 2);
    close(saved_fd);
    fseek(cap, 0, SEEK_END);
    long n = ftell(cap);
    rewind(cap);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    size_t got = fread(s, 1, (size_t)n, cap);
    s[got] = '\0';
    fclose(cap);
    return s;
}

static void journal_lines_carry_priorities(void **state)
{
    (void)state;
    begin(JOURNAL, "debug");
    bs_log(BS_LOG_ERR, "e %d", 1);
    bs_log(BS_LOG_WARNING, "w");
    bs_log(BS_LOG_NOTICE, "n");
    bs_log(BS_LOG_INFO, "i\n");                 /* a trailing newline is not a blank line */
    bs_log(BS_LOG_DEBUG, "d");
    bs_log(BS_LOG_ERR | BS_LOG_BARE, "f.json:1:2: bad");
    assert_true(bs_log_to_journal());
    char *s = end();
    assert_string_equal(s, "<3>e 1\n<4>w\n<5>n\n<6>i\n<7>d\n<3>f.json:1:2: bad\n");
    free(s);
}

static void terminal_lines_name_the_program(void **state)
{
    (void)state;
    begin(PLAIN, NULL);
    bs_log(BS_LOG_ERR, "e");
    bs_log(BS_LOG_WARNING, "w");
    bs_log(BS_LOG_NOTICE, "n");
    bs_log(BS_LOG_INFO, "i");
    bs_log(BS_LOG_DEBUG, "hidden below the default threshold");
    bs_log(BS_LOG_ERR | BS_LOG_BARE, "f.json:1:2: bad");
    assert_false(bs_log_to_journal());
    char *s = end();
    assert_string_equal(s, "prog: error: e\nprog: warning: w\nprog: n\nprog: i\nf.json:1:2: bad\n");
    free(s);
}

static void another_stream_is_not_the_journal(void **state)
{
    (void)state;
    begin(OTHER_STREAM, NULL);
    bs_log(BS_LOG_WARNING, "w");
    char *s = end();
    assert_string_equal(s, "prog: warning: w\n");
    free(s);
}

static void every_line_of_a_message_has_its_priority(void **state)
{
    (void)state;
    begin(JOURNAL, NULL);
    bs_log(BS_LOG_ERR, "refused:\n%s", "a.json:1:1: x\na.json:2:1: y\n");
    char *s = end();
    assert_string_equal(s, "<3>refused:\n<3>a.json:1:1: x\n<3>a.json:2:1: y\n");
    free(s);
    begin(PLAIN, NULL);
    bs_log(BS_LOG_ERR, "refused:\n%s", "a.json:1:1: x\na.json:2:1: y\n");
    s = end();
    assert_string_equal(s, "prog: error: refused:\na.json:1:1: x\na.json:2:1: y\n");
    free(s);
}

static void threshold_from_the_environment(void **state)
{
    (void)state;
    begin(JOURNAL, "warning");
    bs_log(BS_LOG_ERR, "e");
    bs_log(BS_LOG_WARNING, "w");
    bs_log(BS_LOG_NOTICE, "n");
    assert_false(bs_log_enabled(BS_LOG_INFO));
    char *s = end();
    assert_string_equal(s, "<3>e\n<4>w\n");
    free(s);
}

static void a_huge_message_is_cut_not_lost(void **state)
{
    (void)state;
    size_t n = 3 * BS_LOG_MAX;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = '\0';
    begin(JOURNAL, NULL);
    bs_log(BS_LOG_WARNING, "%s", big);
    char *s = end();
    size_t len = strlen(s);
    assert_true(len > 1000 && len <= BS_LOG_MAX + 16);
    assert_memory_equal(s, "<4>aaa", 6);
    assert_string_equal(s + len - 5, "a...\n");
    assert_ptr_equal(strchr(s, '\n'), s + len - 1);   /* one line */
    free(s);
    free(big);
}

#define NTHREADS 4
#define NLINES   400

static void *talker(void *arg)
{
    int id = (int)(intptr_t)arg;
    char pad[301];
    memset(pad, 'a' + id, 300);
    pad[300] = '\0';
    for (int i = 0; i < NLINES; i++)
        bs_log(BS_LOG_INFO, "T%d %04d %s", id, i, pad);
    return NULL;
}

static void threads_never_mix_lines(void **state)
{
    (void)state;
    begin(JOURNAL, NULL);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, talker, (void *)(intptr_t)i);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    char *s = end();
    int count[NTHREADS] = { 0 }, lines = 0;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"), lines++) {
        int id, k;
        char pad[400];
        assert_int_equal(sscanf(line, "<6>T%d %d %399s", &id, &k, pad), 3);
        assert_true(id >= 0 && id < NTHREADS);
        assert_int_equal(strlen(pad), 300);
        assert_int_equal(strspn(pad, (char[]){ (char)('a' + id), 0 }), 300);
        assert_int_equal(k, count[id]);       /* each thread's lines in its order */
        count[id]++;
    }
    assert_int_equal(lines, NTHREADS * NLINES);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(journal_lines_carry_priorities),
        cmocka_unit_test(terminal_lines_name_the_program),
        cmocka_unit_test(another_stream_is_not_the_journal),
        cmocka_unit_test(every_line_of_a_message_has_its_priority),
        cmocka_unit_test(threshold_from_the_environment),
        cmocka_unit_test(a_huge_message_is_cut_not_lost),
        cmocka_unit_test(threads_never_mix_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
