/* Unit tests for renderer/jsonpos.c (cmocka, table-driven).
 *
 * Each table row is one cmocka test: parse `input`; if an error is expected,
 * check its line:col and that msg contains `msg`; if success is expected,
 * look up the node at `path` and check its value position (line:col) and its
 * key position (kline:kcol, 0 = must not have a key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonpos.h"

struct tcase {
    const char *name;
    const char *input;
    size_t len;       /* 0: strlen(input) */
    int expect_ok;
    int line, col;    /* error position, or value position of `path` */
    const char *msg;  /* error: expected substring of the message */
    const char *path; /* ok: '.'-separated keys / array indexes; "" = root */
    int kline, kcol;  /* ok: key position of `path`; 0 = no key expected */
    const char *sval; /* ok: if set, node must be a string with this value */
};

#define B8 "[[[[[[[["
#define E8 "]]]]]]]]"
#define B64 B8 B8 B8 B8 B8 B8 B8 B8
#define E64 E8 E8 E8 E8 E8 E8 E8 E8

#define NESTED "{\n  \"w\": [\n    {\"id\": 7, \"t\": [true, null]}\n  ]\n}"

static const struct tcase cases[] = {
    /* successes and position lookups */
    {"empty_object", "{}", 0, 1, 1, 1, NULL, "", 0, 0, NULL},
    {"array_elem", "  [1, 2]", 0, 1, 1, 7, NULL, "1", 0, 0, NULL},
    {"line_comment", "// header\n{\"a\": 1}", 0, 1, 2, 7, NULL, "a", 2, 2, NULL},
    {"block_comment_multiline", "{/* c */\"a\":/* x\n y */true}", 0, 1, 2, 6,
     NULL, "a", 1, 9, NULL},
    {"comment_text_in_string", "{\"u\": \"http://x/*y*/\"}", 0, 1, 1, 7, NULL,
     "u", 1, 2, "http://x/*y*/"},
    {"comment_text_in_key", "{\"//k\": /*c*/ \"a//b\"}", 0, 1, 1, 15, NULL,
     "//k", 1, 2, "a//b"},
    {"line_comment_at_eof_no_newline", "[1] // end", 0, 1, 1, 1, NULL, "", 0,
     0, NULL},
    {"block_comment_at_eof", "[1]/* end */", 0, 1, 1, 1, NULL, "", 0, 0, NULL},
    {"bom_skipped", "\xEF\xBB\xBF{\"a\":1}", 0, 1, 1, 6, NULL, "a", 1, 2, NULL},
    {"nesting_64_ok", B64 "1" E64, 0, 1, 1, 1, NULL, "", 0, 0, NULL},
    {"nested_array_elem", NESTED, 0, 1, 3, 27, NULL, "w.0.t.1", 0, 0, NULL},
    {"nested_member", NESTED, 0, 1, 3, 12, NULL, "w.0.id", 3, 6, NULL},
    {"nested_top_member", NESTED, 0, 1, 2, 8, NULL, "w", 2, 3, NULL},
    {"nested_object_in_array", NESTED, 0, 1, 3, 5, NULL, "w.0", 0, 0, NULL},
    {"cjk_before_value", "{\"名\": \"値\", \"k\": 2}", 0, 1, 1, 17, NULL, "k",
     1, 12, NULL},
    {"not_nul_terminated", "[1]xyz", 3, 1, 1, 1, NULL, "", 0, 0, NULL},
    {"escapes_and_surrogates", "[\"\\u00e9\\uD83D\\uDE00\\n\"]", 0, 1, 1, 2,
     NULL, "0", 0, 0, "\xC3\xA9\xF0\x9F\x98\x80\n"},
    {"crlf_lines", "{\r\n  \"a\": 1\r\n}", 0, 1, 2, 8, NULL, "a", 2, 3, NULL},

    /* errors */
    {"err_line1_unexpected", "{\"a\": }", 0, 0, 1, 7,
     "unexpected character '}'", NULL, 0, 0, NULL},
    {"err_deep_line", "{\n  \"a\": 1,\n  \"b\": [1, 2,, 3]\n}", 0, 0, 3, 14,
     "unexpected character ','", NULL, 0, 0, NULL},
    {"err_cjk_missing_comma", "{\"名前\": \"東京\" \"x\": 1}", 0, 0, 1, 13,
     "expected ',' or '}'", NULL, 0, 0, NULL},
    {"err_cjk_trailing_comma_line2", "[\n\"日本語\", ]", 0, 0, 2, 6,
     "trailing comma is not allowed", NULL, 0, 0, NULL},
    {"err_trailing_comma_object", "{\"a\": 1,}", 0, 0, 1, 8,
     "trailing comma is not allowed", NULL, 0, 0, NULL},
    {"err_trailing_comma_object_ml", "{\n  \"a\": 1,\n}", 0, 0, 2, 9,
     "trailing comma is not allowed", NULL, 0, 0, NULL},
    {"err_trailing_comma_array", "[1, 2, ]", 0, 0, 1, 6,
     "trailing comma is not allowed", NULL, 0, 0, NULL},
    {"err_unterminated_string", "{\"a\": \"abc", 0, 0, 1, 7,
     "unterminated string", NULL, 0, 0, NULL},
    {"err_string_spans_lines", "[\"abc\n\"]", 0, 0, 1, 2,
     "unterminated string", NULL, 0, 0, NULL},
    {"err_unterminated_comment", "{\n /* oops\n}", 0, 0, 2, 2,
     "unterminated comment", NULL, 0, 0, NULL},
    {"err_unterminated_comment_star", "[1] /*/", 0, 0, 1, 5,
     "unterminated comment", NULL, 0, 0, NULL},
    {"err_extra_data", "{} {}", 0, 0, 1, 4,
     "extra data after the top-level value", NULL, 0, 0, NULL},
    {"err_extra_data_line2", "[1]\n]", 0, 0, 2, 1,
     "extra data after the top-level value", NULL, 0, 0, NULL},
    {"err_empty", "", 0, 0, 1, 1, "file is empty", NULL, 0, 0, NULL},
    {"err_only_comments", "  // nothing\n /* */ ", 0, 0, 1, 1,
     "file is empty", NULL, 0, 0, NULL},
    {"err_bom_only", "\xEF\xBB\xBF", 0, 0, 1, 1, "file is empty", NULL, 0, 0,
     NULL},
    {"err_bom_trailing_comma", "\xEF\xBB\xBF[1,]", 0, 0, 1, 3,
     "trailing comma is not allowed", NULL, 0, 0, NULL},
    {"err_nesting_65", B64 "[" "1" "]" E64, 0, 0, 1, 65, "nesting", NULL, 0,
     0, NULL},
    {"err_eof_in_object", "{\"a\": 1", 0, 0, 1, 8, "unexpected end of file",
     NULL, 0, 0, NULL},
    {"err_stray_slash", "[1 / 2]", 0, 0, 1, 4, "unexpected character '/'",
     NULL, 0, 0, NULL},
    {"err_missing_colon", "{\"a\" 1}", 0, 0, 1, 6, "expected ':'", NULL, 0,
     0, NULL},
    {"err_bad_literal", "[tru]", 0, 0, 1, 2, "invalid value 'tru'", NULL, 0,
     0, NULL},
    {"err_leading_zero", "[01]", 0, 0, 1, 2, "leading zero", NULL, 0, 0,
     NULL},
    {"err_nul_byte", "[1,\0]", 5, 0, 1, 4, "control character 0x00", NULL, 0,
     0, NULL},
    {"err_bad_escape", "[\"a\\q\"]", 0, 0, 1, 4, "invalid escape", NULL, 0, 0,
     NULL},
    {"err_lone_surrogate", "[\"\\uDC00\"]", 0, 0, 1, 3, "surrogate", NULL, 0,
     0, NULL},
    {"err_unexpected_cjk", "[1, 中]", 0, 0, 1, 5, "unexpected character '中'",
     NULL, 0, 0, NULL},
    {"err_crlf_bad_literal", "{\r\n\"a\": x}", 0, 0, 2, 6, "invalid value 'x'",
     NULL, 0, 0, NULL},
    {"err_tab_is_one_column", "{\t\"a\":\t[}", 0, 0, 1, 9,
     "unexpected character '}'", NULL, 0, 0, NULL},
    {"err_unquoted_key", "{\n  a: 1\n}", 0, 0, 2, 3, "expected a string key",
     NULL, 0, 0, NULL},
    {"err_long_number", "[1234567890123456789012345678901234567890123456789"
     "0123456789012345]", 0, 0, 1, 2, "number is too long", NULL, 0, 0, NULL},
};

/* Follow a '.'-separated path of keys / array indexes from root.
 * Returns the node or NULL. */
static const cJSON *lookup(const cJSON *root, const char *path)
{
    char seg[64];
    const cJSON *n = root;
    const char *p = path;

    while (*p && n) {
        size_t k = strcspn(p, ".");

        if (k >= sizeof seg)
            return NULL;
        memcpy(seg, p, k);
        seg[k] = '\0';
        p += k + (p[k] == '.');
        if (cJSON_IsArray(n))
            n = cJSON_GetArrayItem(n, atoi(seg));
        else
            n = cJSON_GetObjectItemCaseSensitive(n, seg);
    }
    return n;
}

/* Run one table row (passed as the cmocka state). */
static void run_case(void **state)
{
    const struct tcase *tc = *state;
    size_t len = tc->len ? tc->len : strlen(tc->input);
    int line = -1, col = -1;
    char msg[200] = "";
    jsonpos_t *jp = jsonpos_parse(tc->input, len, &line, &col, msg, sizeof msg);

    if (!tc->expect_ok) {
        if (jp)
            fail_msg("%s: parse succeeded, expected error", tc->name);
        print_message("    got %d:%d %s\n", line, col, msg);
        assert_int_equal(line, tc->line);
        assert_int_equal(col, tc->col);
        assert_non_null(strstr(msg, tc->msg));
        return;
    }
    if (!jp)
        fail_msg("%s: parse failed at %d:%d: %s", tc->name, line, col, msg);
    {
        const cJSON *node = lookup(jsonpos_root(jp), tc->path);
        int kl = -1, kc = -1, krc;

        assert_non_null(node);
        assert_int_equal(jsonpos_pos(jp, node, &line, &col), 0);
        krc = jsonpos_key_pos(jp, node, &kl, &kc);
        print_message("    %s at %d:%d key %d:%d\n", tc->path, line, col, kl,
                      kc);
        assert_int_equal(line, tc->line);
        assert_int_equal(col, tc->col);
        if (tc->kline) {
            assert_int_equal(krc, 0);
            assert_int_equal(kl, tc->kline);
            assert_int_equal(kc, tc->kcol);
        } else {
            assert_int_equal(krc, -1);
        }
        if (tc->sval) {
            assert_true(cJSON_IsString(node));
            assert_string_equal(node->valuestring, tc->sval);
        }
    }
    jsonpos_free(jp);
}

/* Inputs over 16 MiB are refused at 1:1 without parsing. */
static void test_size_cap(void **state)
{
    size_t n = JSONPOS_MAX_INPUT + 1;
    char *big = malloc(n), msg[64];
    int line = 0, col = 0;

    (void)state;
    assert_non_null(big);
    memset(big, ' ', n);
    big[0] = '1';
    assert_null(jsonpos_parse(big, n, &line, &col, msg, sizeof msg));
    assert_int_equal(line, 1);
    assert_int_equal(col, 1);
    assert_non_null(strstr(msg, "larger than 16 MiB"));
    free(big);
}

/* NULL arguments, foreign nodes and short message buffers are handled. */
static void test_api_edges(void **state)
{
    const char *t = "{\"a\": [1, 2]}";
    jsonpos_t *jp = jsonpos_parse(t, strlen(t), NULL, NULL, NULL, 0);
    cJSON *foreign = cJSON_CreateNumber(1);
    int line = 0, col = 0;
    char msg[8];

    (void)state;
    assert_non_null(jp);
    assert_int_equal(jsonpos_pos(jp, foreign, &line, &col), -1);
    assert_int_equal(jsonpos_pos(jp, NULL, &line, &col), -1);
    assert_int_equal(jsonpos_pos(NULL, jsonpos_root(jp), &line, &col), -1);
    assert_int_equal(jsonpos_key_pos(jp, jsonpos_root(jp), &line, &col), -1);
    assert_int_equal(jsonpos_pos(jp, jsonpos_root(jp), NULL, NULL), 0);
    assert_null(jsonpos_root(NULL));
    cJSON_Delete(foreign);
    jsonpos_free(jp);
    jsonpos_free(NULL);

    /* error with NULL outs, then with a truncating msg buffer */
    assert_null(jsonpos_parse("[", 1, NULL, NULL, NULL, 0));
    assert_null(jsonpos_parse(NULL, 0, &line, &col, msg, sizeof msg));
    assert_string_equal(msg, "file is");
    assert_null(jsonpos_parse(NULL, 3, &line, &col, msg, sizeof msg));
}

/* Columns on long lines (past the code point checkpoints, with CJK and a
 * BOM): every key of a 20000-member one-line object sits where it was put,
 * counted in code points from its line's start. */
static void test_long_line_columns(void **state)
{
    size_t n = 20000, cap = 3 + n * 24 + 64, len = 0;
    char *t = malloc(cap);
    long *cols = malloc(n * sizeof *cols);
    long col = 1;

    (void)state;
    assert_non_null(t);
    assert_non_null(cols);
    len += (size_t)sprintf(t, "\xEF\xBB\xBF\n{");   /* BOM, line 1 empty */
    col = 2;
    for (size_t i = 0; i < n; i++) {
        if (i) {
            t[len++] = ',';
            col++;
        }
        cols[i] = col;
        int w = sprintf(t + len, "\"k%zu\":\"中\"", i);    /* 中: 3 bytes, 1 column */
        len += (size_t)w;
        col += w - 2;
    }
    t[len++] = '}';
    jsonpos_t *jp = jsonpos_parse(t, len, NULL, NULL, NULL, 0);
    assert_non_null(jp);
    size_t i = 0;
    for (const cJSON *m = jsonpos_root(jp)->child; m; m = m->next, i++) {
        int line = 0, c = 0;
        assert_int_equal(jsonpos_key_pos(jp, m, &line, &c), 0);
        assert_int_equal(line, 2);
        assert_int_equal(c, cols[i]);
    }
    assert_int_equal(i, n);
    jsonpos_free(jp);
    free(cols);
    free(t);
}

/* Every node of a tree has a position, and positions are strictly increasing
 * in document (pre-)order. */
static void check_order(const jsonpos_t *jp, const cJSON *n, long *last)
{
    int line, col;
    long here;

    assert_int_equal(jsonpos_pos(jp, n, &line, &col), 0);
    here = (long)line * 100000 + col;
    assert_true(here > *last);
    *last = here;
    for (n = n->child; n; n = n->next)
        check_order(jp, n, last);
}

/* Query the position of every node of a commented document. */
static void test_all_nodes_ordered(void **state)
{
    const char *t = "// c\n{\"a\": {\"b\": [1, {\"c\": null}, [[]]]},\n"
                    " /* x */ \"d\": \"e\", \"f\": -1.5e3}";
    jsonpos_t *jp = jsonpos_parse(t, strlen(t), NULL, NULL, NULL, 0);
    long last = 0;

    (void)state;
    assert_non_null(jp);
    check_order(jp, jsonpos_root(jp), &last);
    jsonpos_free(jp);
}

/* One cmocka test per table row plus the edge-case tests. Returns the
 * number of failed tests (0 = all passed). */
int main(void)
{
    enum { NCASES = sizeof cases / sizeof cases[0] };
    struct CMUnitTest tests[NCASES + 4];
    size_t i;

    for (i = 0; i < NCASES; i++) {
        struct CMUnitTest t = {cases[i].name, run_case, NULL, NULL,
                               (void *)&cases[i]};
        tests[i] = t;
    }
    {
        struct CMUnitTest extra[4] = {
            cmocka_unit_test(test_size_cap),
            cmocka_unit_test(test_api_edges),
            cmocka_unit_test(test_all_nodes_ordered),
            cmocka_unit_test(test_long_line_columns),
        };
        memcpy(tests + NCASES, extra, sizeof extra);
    }
    return _cmocka_run_group_tests("jsonpos", tests, NCASES + 4, NULL, NULL);
}
