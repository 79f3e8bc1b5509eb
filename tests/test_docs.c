/* test_docs.c — the widget reference generated from the option tables
 * (loader/docs.c), white box: its buffer takes a paragraph of any length,
 * and every kind's paragraph reaches the page whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* The static put() is here; this executable links widgets only, so the
 * loader archive's copy of docs.c is never linked in. */
#include "../loader/docs.c"

/* A paragraph far past any scratch buffer comes through whole, and the
 * text after it too (docs.c cut at 2047 bytes and copied past the end of
 * its 2 KiB scratch buffer). */
static void long_paragraph_whole(void **st)
{
    (void)st;
    enum { N = 9000 };
    char *para = malloc(N + 1);
    assert_non_null(para);
    for (int i = 0; i < N; i++)
        para[i] = (char)('a' + i % 26);
    para[N] = '\0';
    buf_t b = { 0 };
    put(&b, "## x\n\n%s\n", para);
    put(&b, "after %d\n", 7);
    assert_false(b.oom);
    assert_int_equal(b.len, 6 + N + 1 + 8);
    assert_int_equal(strlen(b.s), b.len);
    assert_memory_equal(b.s + 6, para, N);
    assert_string_equal(b.s + 6 + N, "\nafter 7\n");
    free(b.s);
    free(para);
}

/* Every registered kind's paragraph is in the generated page, whole. */
static void every_doc_whole(void **st)
{
    (void)st;
    char *md = docs_widgets_markdown();
    assert_non_null(md);
    int n = 0;
    for (const wdg_class_t *const *c = wdg_classes(); *c; c++, n++) {
        if (!(*c)->doc)
            continue;
        if (!strstr(md, (*c)->doc))
            fail_msg("the paragraph of %s (%zu bytes) is not whole in the page", (*c)->name, strlen((*c)->doc));
    }
    assert_true(n > 10);
    free(md);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_paragraph_whole),
        cmocka_unit_test(every_doc_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
