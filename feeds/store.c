/* store.c — topic store (render thread only; see store.h). */
#include "store.h"

#include <stdlib.h>
#include <string.h>

typedef struct node {
    store_entry_t e;
    struct node  *next;
} node_t;

struct store {
    node_t      **buckets;
    size_t        nbuckets;     /* power of two */
    size_t        hist_cap, max_topics;
    uint64_t      generation;
    int64_t       wall_ms;      /* store_set_clock; 0: no skew check */
    store_stats_t st;
    bool        (*keep)(const char *topic, void *ud);
    void         *keep_ud;
};

void store_set_interest(store_t *s, bool (*keep)(const char *topic, void *ud), void *ud)
{
    s->keep = keep;
    s->keep_ud = ud;
}

void store_set_clock(store_t *s, int64_t wall_ms) { s->wall_ms = wall_ms; }

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;            /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

store_t *store_new(size_t hist_cap, size_t max_topics)
{
    store_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nbuckets = 256;
    while (s->nbuckets < max_topics / 2 && s->nbuckets < (1u << 16))
        s->nbuckets <<= 1;
    s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
    if (!s->buckets) {
        free(s);
        return NULL;
    }
    s->hist_cap = hist_cap;
    s->max_topics = max_topics;
    return s;
}

static void free_node(node_t *n, size_t hist_cap)
{
    free(n->e.topic);
    bs_value_free(n->e.value);
    if (n->e.hist)
        for (size_t i = 0; i < hist_cap; i++)
            bs_value_free(n->e.hist[i]);
    free(n->e.hist);
    free(n->e.hist_ts);
    free(n);
}

static void clear(store_t *s)
{
    for (size_t b = 0; b < s->nbuckets; b++) {
        node_t *n = s->buckets[b];
        while (n) {
            node_t *next = n->next;
            free_node(n, s->hist_cap);
            n = next;
        }
        s->buckets[b] = NULL;
    }
    s->st.topics = 0;
    s->generation++;
}

void store_free(store_t *s)
{
    if (!s)
        return;
    clear(s);
    free(s->buckets);
    free(s);
}

static node_t **find_slot(const store_t *s, const char *topic)
{
    node_t **pp = &s->buckets[hash(topic) & (s->nbuckets - 1)];
    while (*pp && strcmp((*pp)->e.topic, topic) != 0)
        pp = &(*pp)->next;
    return pp;
}

const store_entry_t *store_get(const store_t *s, const char *topic)
{
    if (!topic)
        return NULL;
    node_t *n = *find_slot(s, topic);
    return n ? &n->e : NULL;
}

/* Finds or creates the node for topic (taking *topic when created).
 * NULL when the topic cap is reached or memory ran out. */
static node_t *get_or_add(store_t *s, char **topic)
{
    node_t **pp = find_slot(s, *topic);
    if (*pp)
        return *pp;
    if (s->st.topics >= s->max_topics)
        return NULL;
    if (s->keep && s->st.topics >= s->max_topics / 2 && !s->keep(*topic, s->keep_ud))
        return NULL;                       /* the other half is for bound topics */
    node_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->e.topic = *topic;
    *topic = NULL;
    *pp = n;
    s->st.topics++;
    return n;
}

static int hist_push(store_t *s, store_entry_t *e, bs_value_t *v, int64_t ts)
{
    if (s->hist_cap == 0) {
        bs_value_free(v);
        return 0;
    }
    if (!e->hist) {
        e->hist = calloc(s->hist_cap, sizeof *e->hist);
        e->hist_ts = calloc(s->hist_cap, sizeof *e->hist_ts);
        if (!e->hist || !e->hist_ts) {
            free(e->hist);
            free(e->hist_ts);
            e->hist = NULL;
            e->hist_ts = NULL;
            bs_value_free(v);
            return -1;
        }
        e->hist_cap = s->hist_cap;
    }
    size_t slot;
    if (e->hist_len < s->hist_cap) {
        slot = (e->hist_head + e->hist_len) % s->hist_cap;
        e->hist_len++;
    } else {
        slot = e->hist_head;                   /* overwrite the oldest */
        e->hist_head = (e->hist_head + 1) % s->hist_cap;
        bs_value_free(e->hist[slot]);
    }
    e->hist[slot] = v;
    e->hist_ts[slot] = ts;
    return 0;
}

const bs_value_t *store_hist(const store_entry_t *e, size_t i, int64_t *ts_ms)
{
    if (!e || !e->hist || i >= e->hist_len)
        return NULL;
    size_t cap = e->hist_cap;
    size_t slot = (e->hist_head + i) % cap;
    if (ts_ms)
        *ts_ms = e->hist_ts[slot];
    return e->hist[slot];
}

static void touch(store_t *s, store_entry_t *e, int feed, int64_t ts, double now)
{
    e->feed = feed;
    e->ts_ms = ts;
    e->recv = now;
    e->version++;
    s->generation++;
    s->st.applied++;
}

int store_apply(store_t *s, feed_update_t *u, double now)
{
    int rc = -1;

    if (s->wall_ms > 0 && u->feed >= 0 && u->ts_ms > s->wall_ms + STORE_SKEW_TOLERANCE_MS) {
        s->st.skewed++;              /* a clock a year ahead would keep it "fresh" forever */
        goto out;
    }
    switch (u->op) {
    case UPD_SNAPSHOT: {
        if (!u->value || u->value->type != BS_OBJ)
            break;
        clear(s);
        bs_value_t *obj = u->value;
        for (uint32_t i = 0; i < obj->n; i++) {
            char *topic = obj->u.c.keys[i];
            node_t *n = get_or_add(s, &topic);
            if (!n) {
                s->st.rejected++;
                continue;
            }
            if (topic == NULL)
                obj->u.c.keys[i] = NULL;          /* taken by the node */
            bs_value_free(n->e.value);
            n->e.value = obj->u.c.items[i];
            obj->u.c.items[i] = NULL;
            touch(s, &n->e, u->feed, u->ts_ms, now);
        }
        rc = 0;
        break;
    }
    case UPD_DELETE: {
        if (!u->topic)
            break;
        node_t **pp = find_slot(s, u->topic);
        if (*pp) {
            node_t *n = *pp;
            *pp = n->next;
            free_node(n, s->hist_cap);
            s->st.topics--;
            s->generation++;
            s->st.applied++;
        }
        rc = 0;
        break;
    }
    case UPD_SET:
    case UPD_APPEND:
    case UPD_MERGE: {
        if (!u->topic || !u->value)
            break;
        node_t *n = get_or_add(s, &u->topic);
        if (!n)
            break;
        store_entry_t *e = &n->e;
        if (u->op == UPD_MERGE) {
            if (!e->value) {
                if (u->value->type != BS_OBJ)
                    goto reject_new;
                e->value = u->value;
                u->value = NULL;
            } else {
                bs_value_t *m = bs_value_merge(e->value, u->value, 4096);
                if (!m)
                    break;
                bs_value_free(e->value);
                e->value = m;
            }
        } else if (u->op == UPD_APPEND && u->value->type == BS_ARR) {
            /* an array appends many; the value becomes the last one */
            bs_value_t *arr = u->value;
            if (arr->n == 0)
                goto reject_new;
            for (uint32_t i = 0; i < arr->n; i++) {
                hist_push(s, e, arr->u.c.items[i], u->ts_ms);
                arr->u.c.items[i] = NULL;
            }
            bs_value_t *last = bs_value_dup(store_hist(e, e->hist_len - 1, NULL));
            if (!last)
                break;
            bs_value_free(e->value);
            e->value = last;
        } else if (u->op == UPD_APPEND) {
            bs_value_t *copy = bs_value_dup(u->value);
            if (!copy)
                break;
            hist_push(s, e, copy, u->ts_ms);
            bs_value_free(e->value);
            e->value = u->value;
            u->value = NULL;
        } else {
            bs_value_free(e->value);
            e->value = u->value;
            u->value = NULL;
        }
        touch(s, e, u->feed, u->ts_ms, now);
        rc = 0;
        break;
    reject_new:
        if (!e->value) {           /* never leave a valueless entry behind */
            node_t **pp = find_slot(s, e->topic);
            *pp = n->next;
            free_node(n, s->hist_cap);
            s->st.topics--;
        }
        break;
    }
    }
out:
    if (rc != 0)
        s->st.rejected++;
    feed_update_clear(u);
    return rc;
}

uint64_t store_generation(const store_t *s) { return s->generation; }

void store_foreach(const store_t *s, void (*fn)(const store_entry_t *e, void *ud), void *ud)
{
    for (size_t b = 0; b < s->nbuckets; b++)
        for (node_t *n = s->buckets[b]; n; n = n->next)
            fn(&n->e, ud);
}

store_stats_t store_stats(const store_t *s) { return s->st; }
