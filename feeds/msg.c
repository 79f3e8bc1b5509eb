/* msg.c — feed protocol parsing on feed threads (see msg.h). */
#include "msg.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bs_value_t *bs_value_from_cjson(const cJSON *j, const bs_limits_t *lim, int depth,
                                char *err, size_t errlen)
{
    if (cJSON_IsNull(j))
        return bs_value_null();
    if (cJSON_IsBool(j))
        return bs_value_bool(cJSON_IsTrue(j));
    if (cJSON_IsNumber(j)) {
        if (!isfinite(j->valuedouble)) {
            snprintf(err, errlen, "number out of range");
            return NULL;
        }
        return bs_value_num(j->valuedouble);
    }
    if (cJSON_IsString(j)) {
        size_t len = strlen(j->valuestring);
        if (len > lim->string_len) {
            snprintf(err, errlen, "string longer than %zu bytes", lim->string_len);
            return NULL;
        }
        if (!bs_utf8_valid(j->valuestring, len)) {
            snprintf(err, errlen, "string is not valid UTF-8");
            return NULL;
        }
        return bs_value_str(j->valuestring, len);
    }
    if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
        /* depth counts containers: a value [[1]] nests 2 deep */
        if (depth > lim->depth) {
            snprintf(err, errlen, "nesting deeper than %d", lim->depth);
            return NULL;
        }
        bool obj = cJSON_IsObject(j);
        size_t n = 0;
        for (const cJSON *c = j->child; c; c = c->next)
            if (++n > lim->items) {
                snprintf(err, errlen, "more than %zu items", lim->items);
                return NULL;
            }
        bs_value_t *v = obj ? bs_value_obj((uint32_t)n) : bs_value_arr((uint32_t)n);
        if (!v) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        size_t i = 0;
        for (const cJSON *c = j->child; c; c = c->next, i++) {
            if (obj) {
                size_t kl = strlen(c->string);
                if (kl > lim->string_len || !bs_utf8_valid(c->string, kl)) {
                    snprintf(err, errlen, "bad object key");
                    goto err;
                }
                v->u.c.keys[i] = strdup(c->string);
                if (!v->u.c.keys[i])
                    goto err;
            }
            v->u.c.items[i] = bs_value_from_cjson(c, lim, depth + 1, err, errlen);
            if (!v->u.c.items[i])
                goto err;
        }
        return v;
    err:
        bs_value_free(v);
        return NULL;
    }
    snprintf(err, errlen, "unsupported JSON value");
    return NULL;
}

static int parse_op(const cJSON *op, upd_op_t *out)
{
    static const struct { const char *name; upd_op_t op; } ops[] = {
        { "set", UPD_SET }, { "append", UPD_APPEND }, { "merge", UPD_MERGE },
        { "delete", UPD_DELETE }, { "snapshot", UPD_SNAPSHOT },
    };
    if (!op) {
        *out = UPD_SET;
        return 0;
    }
    if (!cJSON_IsString(op))
        return -1;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op->valuestring, ops[i].name) == 0) {
            *out = ops[i].op;
            return 0;
        }
    return -1;
}

/* Checks a topic name: non-empty, capped, UTF-8, no control characters. */
static bool topic_ok(const char *t, const bs_limits_t *lim)
{
    size_t len = strlen(t);
    if (len == 0 || len > lim->topic_len || !bs_utf8_valid(t, len))
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)t[i] < 0x20)
            return false;
    return true;
}

/* One message → one update through sink. 0 ok, -1 rejected (err set). */
static int parse_message(const cJSON *m, const bs_limits_t *lim, int feed,
                         feed_sink_fn sink, void *ud, char *err, size_t errlen)
{
    feed_update_t u = { .feed = feed };
    if (!cJSON_IsObject(m)) {
        snprintf(err, errlen, "message is not an object");
        return -1;
    }
    if (parse_op(cJSON_GetObjectItemCaseSensitive(m, "op"), &u.op) != 0) {
        snprintf(err, errlen, "unknown \"op\"");
        return -1;
    }
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(m, "ts");
    if (ts) {
        if (!cJSON_IsNumber(ts) || !(ts->valuedouble >= 0) || ts->valuedouble > 9.0e15) {
            snprintf(err, errlen, "\"ts\" must be ms since the epoch");
            return -1;
        }
        u.ts_ms = (int64_t)ts->valuedouble;
    }
    if (u.op == UPD_SNAPSHOT) {
        const cJSON *topics = cJSON_GetObjectItemCaseSensitive(m, "topics");
        if (!cJSON_IsObject(topics)) {
            snprintf(err, errlen, "snapshot needs a \"topics\" object");
            return -1;
        }
        for (const cJSON *c = topics->child; c; c = c->next)
            if (!topic_ok(c->string, lim)) {
                snprintf(err, errlen, "bad topic name in snapshot");
                return -1;
            }
        /* depth 0: the topics object is a container, not a value */
        u.value = bs_value_from_cjson(topics, lim, 0, err, errlen);
        if (!u.value)
            return -1;
        sink(&u, ud);
        return 0;
    }
    const cJSON *topic = cJSON_GetObjectItemCaseSensitive(m, "topic");
    if (!cJSON_IsString(topic) || !topic_ok(topic->valuestring, lim)) {
        snprintf(err, errlen, "missing or bad \"topic\"");
        return -1;
    }
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(m, "value");
    if (u.op != UPD_DELETE) {
        if (!value) {
            snprintf(err, errlen, "missing \"value\"");
            return -1;
        }
        if (u.op == UPD_MERGE && !cJSON_IsObject(value)) {
            snprintf(err, errlen, "merge needs an object value");
            return -1;
        }
        u.value = bs_value_from_cjson(value, lim, 1, err, errlen);
        if (!u.value)
            return -1;
    }
    u.topic = strdup(topic->valuestring);
    if (!u.topic) {
        feed_update_clear(&u);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    sink(&u, ud);
    return 0;
}

int feed_parse_frame(const char *buf, size_t len, const bs_limits_t *lim, int feed,
                     feed_sink_fn sink, void *ud, feed_parse_counts_t *counts,
                     char *err, size_t errlen)
{
    char tmp[160];
    if (!err) {
        err = tmp;
        errlen = sizeof tmp;
    }
    err[0] = '\0';
    if (len > lim->frame_bytes) {
        snprintf(err, errlen, "frame of %zu bytes is over the %zu byte cap", len, lim->frame_bytes);
        goto bad_frame;
    }
    if (!bs_utf8_valid(buf, len)) {
        snprintf(err, errlen, "frame is not valid UTF-8");
        goto bad_frame;
    }
    /* cJSON recurses without a limit of its own beyond CJSON_NESTING_LIMIT
     * (1000); refuse deeper input cheaply before parsing. */
    {
        int d = 0, maxd = 0;
        bool in_str = false;
        for (size_t i = 0; i < len; i++) {
            char c = buf[i];
            if (in_str) {
                if (c == '\\')
                    i++;
                else if (c == '"')
                    in_str = false;
            } else if (c == '"') {
                in_str = true;
            } else if (c == '[' || c == '{') {
                if (++d > maxd)
                    maxd = d;
            } else if (c == ']' || c == '}') {
                d--;
            }
        }
        /* +2: the frame array and the message object hold the value */
        if (maxd > lim->depth + 2) {
            snprintf(err, errlen, "nesting deeper than %d", lim->depth);
            goto bad_frame;
        }
    }
    /* the whole frame must be one JSON text: trailing junk spoils it */
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (root && end) {
        size_t used = (size_t)(end - buf);
        while (used < len && (buf[used] == ' ' || buf[used] == '\t' || buf[used] == '\n' || buf[used] == '\r'))
            used++;
        if (used < len && !(used + 1 == len && buf[used] == '\0')) {
            cJSON_Delete(root);
            root = NULL;
        }
    }
    if (!root) {
        snprintf(err, errlen, "invalid JSON");
        goto bad_frame;
    }
    int emitted = 0;
    char merr[160];
    if (cJSON_IsArray(root)) {
        for (const cJSON *m = root->child; m; m = m->next) {
            if (parse_message(m, lim, feed, sink, ud, merr, sizeof merr) == 0) {
                emitted++;
            } else {
                if (counts)
                    counts->rejected++;
                if (!err[0])
                    snprintf(err, errlen, "%s", merr);
            }
        }
    } else if (parse_message(root, lim, feed, sink, ud, merr, sizeof merr) == 0) {
        emitted++;
    } else {
        if (counts)
            counts->rejected++;
        snprintf(err, errlen, "%s", merr);
    }
    cJSON_Delete(root);
    if (counts)
        counts->messages += (uint64_t)emitted;
    return emitted;

bad_frame:
    if (counts)
        counts->rejected++;
    return -1;
}

cJSON *bs_value_to_cjson(const bs_value_t *v)
{
    if (!v)
        return cJSON_CreateNull();
    switch (v->type) {
    case BS_NULL: return cJSON_CreateNull();
    case BS_BOOL: return cJSON_CreateBool(v->u.b);
    case BS_NUM:  return cJSON_CreateNumber(v->u.num);
    case BS_STR:  return cJSON_CreateString(v->u.str);
    case BS_ARR:
    case BS_OBJ: {
        cJSON *c = v->type == BS_ARR ? cJSON_CreateArray() : cJSON_CreateObject();
        if (!c)
            return NULL;
        for (uint32_t i = 0; i < v->n; i++) {
            cJSON *it = bs_value_to_cjson(v->u.c.items[i]);
            if (!it) {
                cJSON_Delete(c);
                return NULL;
            }
            if (v->type == BS_ARR)
                cJSON_AddItemToArray(c, it);
            else
                cJSON_AddItemToObject(c, v->u.c.keys[i], it);
        }
        return c;
    }
    }
    return NULL;
}

cJSON *feed_update_to_cjson(const feed_update_t *u)
{
    static const char *const ops[] = { "set", "append", "merge", "delete", "snapshot" };
    cJSON *m = cJSON_CreateObject();
    if (!m)
        return NULL;
    if (u->op != UPD_SET)
        cJSON_AddStringToObject(m, "op", ops[u->op]);
    if (u->op == UPD_SNAPSHOT) {
        cJSON *t = bs_value_to_cjson(u->value);
        if (!t)
            goto err;
        cJSON_AddItemToObject(m, "topics", t);
    } else {
        cJSON_AddStringToObject(m, "topic", u->topic ? u->topic : "");
        if (u->op != UPD_DELETE) {
            cJSON *v = bs_value_to_cjson(u->value);
            if (!v)
                goto err;
            cJSON_AddItemToObject(m, "value", v);
        }
    }
    if (u->ts_ms)
        cJSON_AddNumberToObject(m, "ts", (double)u->ts_ms);
    return m;
err:
    cJSON_Delete(m);
    return NULL;
}
