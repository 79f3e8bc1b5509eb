/* store.c — topic store (render thread only; see store.h). */
#include "store.h"
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

typedef struct node {
    store_entry_t e;
    struct node  *next;
} node_t;

struct store {
    node_t      **buckets;
    size_t        nbuckets;     /* power of two, fixed for the store's life */
    size_t        hist_cap, max_topics;
    uint64_t      generation;
    int64_t       wall_ms;      /* store_set_clock; 0: no skew check */
    size_t        budget;       /* bytes */
    uint64_t      seq;          /* arrival order of history items */
    size_t        hist_bytes;   /* of st.bytes: history items */
    store_stats_t st;
    bool        (*keep)(const char *topic, void *ud);
    void         *keep_ud;
};

/* What malloc keeps per block beyond what was asked for (glibc: 8–16). */
#define ALLOC_OVERHEAD 16

void store_set_interest(store_t *s, bool (*keep)(const char *topic, void *ud), void *ud)
{
    s->keep = keep;
    s->keep_ud = ud;
}

void store_set_clock(store_t *s, int64_t wall_ms) { s->wall_ms = wall_ms; }

void store_set_budget(store_t *s, size_t bytes)
{
    if (bytes > 0)
        s->budget = bytes;
}

static uint32_t hash(const char *s)
{
    uint32_t h = 2166136261u;            /* FNV-1a */
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

/* Bytes a value tree holds, as allocated (value.c's layout). Linear in the
 * value, and only called once per value, when it comes in. */
static size_t vbytes(const bs_value_t *v)
{
    size_t n = sizeof *v + ALLOC_OVERHEAD;
    if (v->type == BS_STR)
        n += v->n + 1 + ALLOC_OVERHEAD;
    if (v->type == BS_ARR || v->type == BS_OBJ) {
        n += (size_t)v->n * sizeof(void *) + ALLOC_OVERHEAD;
        if (v->type == BS_OBJ)
            n += (size_t)v->n * sizeof(char *) + ALLOC_OVERHEAD;
        for (uint32_t i = 0; i < v->n; i++) {
            if (v->type == BS_OBJ)
                n += strlen(v->u.c.keys[i]) + 1 + ALLOC_OVERHEAD;
            n += vbytes(v->u.c.items[i]);
        }
    }
    return n;
}

/* Bytes of a node without value or history: the node and its topic. */
static size_t node_bytes(const char *topic)
{
    return sizeof(node_t) + strlen(topic) + 1 + 2 * ALLOC_OVERHEAD;
}

/* Bytes of one entry's history arrays (allocated at the first append). */
static size_t hist_arrays_bytes(size_t cap)
{
    return cap * (sizeof(bs_value_t *) + sizeof(int64_t) + 2 * sizeof(size_t) + sizeof(uint64_t)) +
           5 * ALLOC_OVERHEAD;
}

static void charge(store_t *s, store_entry_t *e, size_t n)
{
    e->bytes += n;
    s->st.bytes += n;
}

static void refund(store_t *s, store_entry_t *e, size_t n)
{
    e->bytes -= n;
    s->st.bytes -= n;
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
    s->budget = STORE_MAX_BYTES;
    return s;
}

static void free_hist_arrays(store_entry_t *e)
{
    free(e->hist);
    free(e->hist_ts);
    free(e->hist_bytes);
    free(e->hist_json);
    free(e->hist_seq);
    e->hist = NULL;
    e->hist_ts = NULL;
    e->hist_bytes = e->hist_json = NULL;
    e->hist_seq = NULL;
}

/* Frees n and gives its bytes back (the caller unlinks it). */
static void free_node(store_t *s, node_t *n)
{
    s->st.bytes -= n->e.bytes;
    for (size_t i = 0; i < n->e.hist_len; i++)
        s->hist_bytes -= n->e.hist_bytes[(n->e.hist_head + i) % n->e.hist_cap];
    free(n->e.topic);
    bs_value_free(n->e.value);
    if (n->e.hist)
        for (size_t i = 0; i < n->e.hist_cap; i++)
            bs_value_free(n->e.hist[i]);
    free_hist_arrays(&n->e);
    free(n);
}

static void clear(store_t *s)
{
    for (size_t b = 0; b < s->nbuckets; b++) {
        node_t *n = s->buckets[b];
        while (n) {
            node_t *next = n->next;
            free_node(s, n);
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

/* Whether a new topic may come in (topic cap, room for bound topics). */
static bool may_add(const store_t *s, const char *topic)
{
    if (s->st.topics >= s->max_topics)
        return false;
    if (s->keep && s->st.topics >= s->max_topics / 2 && !s->keep(topic, s->keep_ud))
        return false;                       /* the other half is for bound topics */
    return true;
}

/* Links a new node for *topic (taking it) at slot pp. NULL on OOM. */
static node_t *add_node(store_t *s, node_t **pp, char **topic)
{
    node_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->e.topic = *topic;
    *topic = NULL;
    *pp = n;
    s->st.topics++;
    charge(s, &n->e, node_bytes(n->e.topic));
    return n;
}

static void unlink_node(store_t *s, node_t *n)
{
    node_t **pp = find_slot(s, n->e.topic);
    *pp = n->next;
    free_node(s, n);
    s->st.topics--;
}

/* Drops e's oldest history item (counted as evicted). */
static void hist_drop_oldest(store_t *s, store_entry_t *e)
{
    size_t slot = e->hist_head;
    bs_value_free(e->hist[slot]);
    e->hist[slot] = NULL;
    refund(s, e, e->hist_bytes[slot]);
    s->hist_bytes -= e->hist_bytes[slot];
    e->hist_head = (e->hist_head + 1) % e->hist_cap;
    e->hist_len--;
    s->st.evicted++;
}

/* Makes room for need more bytes: evicts the oldest history items of the
 * whole store, by arrival, until bytes + need fits in 15/16 of the budget
 * (so the next few updates do not evict again) or no history is left.
 * O(buckets + topics) per item evicted; only when the budget is reached.
 * True when bytes + need fits in the budget. */
static bool make_room(store_t *s, size_t need)
{
    size_t goal = s->budget - s->budget / 16;
    while (s->st.bytes + need > goal) {
        store_entry_t *old = NULL;
        for (size_t b = 0; b < s->nbuckets; b++)
            for (node_t *n = s->buckets[b]; n; n = n->next)
                if (n->e.hist_len && (!old || n->e.hist_seq[n->e.hist_head] < old->hist_seq[old->hist_head]))
                    old = &n->e;
        if (!old)
            break;
        hist_drop_oldest(s, old);
    }
    return s->st.bytes + need <= s->budget;
}

/* Room for an update that adds add bytes and frees freed bytes. */
static bool room_for(store_t *s, size_t add, size_t freed)
{
    if (add <= freed || s->st.bytes + (add - freed) <= s->budget)
        return true;
    /* never evict for an update that would not fit with no history at all */
    if (s->st.bytes - s->hist_bytes + (add - freed) <= s->budget && make_room(s, add - freed))
        return true;
    s->st.over_budget++;
    return false;
}

/* Replaces e's value with v (vb bytes, js JSON length). */
static void set_value(store_t *s, store_entry_t *e, bs_value_t *v, size_t vb, size_t js)
{
    if (e->value) {
        bs_value_free(e->value);
        refund(s, e, e->value_bytes);
    }
    e->value = v;
    e->value_bytes = vb;
    e->value_json = js;
    charge(s, e, vb);
}

static int hist_push(store_t *s, store_entry_t *e, bs_value_t *v, int64_t ts, size_t vb, size_t js)
{
    if (s->hist_cap == 0) {
        bs_value_free(v);
        return 0;
    }
    if (!e->hist) {
        size_t cap = s->hist_cap;
        e->hist = calloc(cap, sizeof *e->hist);
        e->hist_ts = calloc(cap, sizeof *e->hist_ts);
        e->hist_bytes = calloc(cap, sizeof *e->hist_bytes);
        e->hist_json = calloc(cap, sizeof *e->hist_json);
        e->hist_seq = calloc(cap, sizeof *e->hist_seq);
        if (!e->hist || !e->hist_ts || !e->hist_bytes || !e->hist_json || !e->hist_seq) {
            free_hist_arrays(e);
            bs_value_free(v);
            return -1;
        }
        e->hist_cap = cap;
        charge(s, e, hist_arrays_bytes(cap));
    }
    size_t slot;
    if (e->hist_len < e->hist_cap) {
        slot = (e->hist_head + e->hist_len) % e->hist_cap;
        e->hist_len++;
    } else {
        slot = e->hist_head;                   /* overwrite the oldest */
        e->hist_head = (e->hist_head + 1) % e->hist_cap;
        bs_value_free(e->hist[slot]);
        refund(s, e, e->hist_bytes[slot]);
        s->hist_bytes -= e->hist_bytes[slot];
    }
    e->hist[slot] = v;
    e->hist_ts[slot] = ts;
    e->hist_bytes[slot] = vb;
    e->hist_json[slot] = js;
    e->hist_seq[slot] = ++s->seq;
    charge(s, e, vb);
    s->hist_bytes += vb;
    return 0;
}

const bs_value_t *store_hist_info(const store_entry_t *e, size_t i, int64_t *ts_ms, uint64_t *seq, size_t *json)
{
    if (!e || !e->hist || i >= e->hist_len)
        return NULL;
    size_t slot = (e->hist_head + i) % e->hist_cap;
    if (ts_ms)
        *ts_ms = e->hist_ts[slot];
    if (seq)
        *seq = e->hist_seq[slot];
    if (json)
        *json = e->hist_json[slot];
    return e->hist[slot];
}

const bs_value_t *store_hist(const store_entry_t *e, size_t i, int64_t *ts_ms)
{
    return store_hist_info(e, i, ts_ms, NULL, NULL);
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

/* UPD_SNAPSHOT: everything replaced by the topics of u's object. */
static int apply_snapshot(store_t *s, feed_update_t *u, double now)
{
    if (!u->value || u->value->type != BS_OBJ)
        return -1;
    clear(s);
    bs_value_t *obj = u->value;
    for (uint32_t i = 0; i < obj->n; i++) {
        node_t **pp = find_slot(s, obj->u.c.keys[i]);
        node_t *n = *pp;
        bs_value_t *v = obj->u.c.items[i];
        size_t vb = vbytes(v), add = vb + (n ? 0 : node_bytes(obj->u.c.keys[i]));
        if ((!n && !may_add(s, obj->u.c.keys[i])) || !room_for(s, add, n ? n->e.value_bytes : 0) ||
            (!n && !(n = add_node(s, pp, &obj->u.c.keys[i])))) {
            s->st.rejected++;
            continue;
        }
        set_value(s, &n->e, v, vb, jsonw_len(v));
        obj->u.c.items[i] = NULL;
        touch(s, &n->e, u->feed, u->ts_ms, now);
    }
    return 0;
}

/* SET, APPEND, MERGE of one topic. 0, or -1 when refused (nothing changed
 * but, possibly, history evicted to make room). */
static int apply_one(store_t *s, feed_update_t *u, double now)
{
    if (!u->topic || !u->value)
        return -1;
    node_t **pp = find_slot(s, u->topic);
    node_t *n = *pp;
    store_entry_t *e = n ? &n->e : NULL;
    if (!n && !may_add(s, u->topic))
        return -1;
    size_t newnode = n ? 0 : node_bytes(u->topic), freed = e && e->value ? e->value_bytes : 0;

    if (u->op == UPD_MERGE) {
        bs_value_t *m;
        if (!e || !e->value) {
            if (u->value->type != BS_OBJ)
                return -1;
            m = u->value;
            u->value = NULL;
        } else if (!(m = bs_value_merge(e->value, u->value, 4096))) {
            return -1;
        }
        size_t vb = vbytes(m);
        if (!room_for(s, newnode + vb, freed) || (!n && !(n = add_node(s, pp, &u->topic)))) {
            bs_value_free(m);
            return -1;
        }
        e = &n->e;
        set_value(s, e, m, vb, jsonw_len(m));
    } else if (u->op == UPD_APPEND) {
        /* pushes to the history ring and sets the value to (a copy of) the
         * last one pushed; an array appends many */
        bs_value_t *arr = u->value->type == BS_ARR ? u->value : NULL;
        if (arr && arr->n == 0)
            return -1;
        const bs_value_t *last = arr ? arr->u.c.items[arr->n - 1] : u->value;
        size_t lastb = vbytes(last), pushed = arr ? vbytes(arr) : lastb;
        size_t arrays = (!e || !e->hist) && s->hist_cap ? hist_arrays_bytes(s->hist_cap) : 0;
        if (!room_for(s, newnode + arrays + pushed + lastb, freed))
            return -1;
        bs_value_t *copy = bs_value_dup(last);
        if (!copy || (!n && !(n = add_node(s, pp, &u->topic)))) {
            bs_value_free(copy);
            return -1;
        }
        e = &n->e;
        size_t lastj = jsonw_len(last);
        for (uint32_t i = 0; arr && i < arr->n; i++) {
            bs_value_t *it = arr->u.c.items[i];
            arr->u.c.items[i] = NULL;
            size_t ib = i + 1 == arr->n ? lastb : vbytes(it);
            hist_push(s, e, it, u->ts_ms, ib, i + 1 == arr->n ? lastj : jsonw_len(it));
        }
        if (!arr) {
            hist_push(s, e, u->value, u->ts_ms, lastb, lastj);
            u->value = NULL;
        }
        set_value(s, e, copy, lastb, lastj);
    } else {
        size_t vb = vbytes(u->value);
        if (!room_for(s, newnode + vb, freed) || (!n && !(n = add_node(s, pp, &u->topic))))
            return -1;
        e = &n->e;
        set_value(s, e, u->value, vb, jsonw_len(u->value));
        u->value = NULL;
    }
    touch(s, e, u->feed, u->ts_ms, now);
    return 0;
}

int store_apply(store_t *s, feed_update_t *u, double now)
{
    int rc = -1;

    if (s->wall_ms > 0 && u->feed >= 0 && u->ts_ms > s->wall_ms + STORE_SKEW_TOLERANCE_MS) {
        s->st.skewed++;              /* a clock a year ahead would keep it "fresh" forever */
    } else if (u->op == UPD_SNAPSHOT) {
        rc = apply_snapshot(s, u, now);
    } else if (u->op == UPD_DELETE) {
        if (u->topic) {
            node_t *n = *find_slot(s, u->topic);
            if (n) {
                unlink_node(s, n);
                s->generation++;
                s->st.applied++;
            }
            rc = 0;
        }
    } else {
        rc = apply_one(s, u, now);
    }
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

const store_entry_t *store_iter_get(const store_t *s, store_iter_t *it)
{
    for (; it->bucket < s->nbuckets; it->bucket++, it->ord = 0) {
        node_t *n = s->buckets[it->bucket];
        for (size_t i = 0; n && i < it->ord; i++)
            n = n->next;
        if (n)
            return &n->e;
    }
    return NULL;
}

bool store_iter_find(const store_t *s, const char *topic, store_iter_t *it)
{
    size_t b = hash(topic) & (s->nbuckets - 1), ord = 0;
    for (node_t *n = s->buckets[b]; n; n = n->next, ord++)
        if (strcmp(n->e.topic, topic) == 0) {
            it->bucket = b;
            it->ord = ord;
            return true;
        }
    return false;
}

store_stats_t store_stats(const store_t *s)
{
    store_stats_t st = s->st;
    st.budget = s->budget;
    return st;
}
