/* text.c — text masks from SDL2_ttf, cached with an LRU cap (see text.h). */
#include "text.h"
#include "fileio.h"
#include "datadir.h"
#include "value.h"

#include <SDL2/SDL_ttf.h>
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#define MAX_ENTRIES  4096
#define MAX_TEXT     2048     /* bytes of one run */
#define NBUCKETS     1024

typedef struct entry {
    struct entry *hnext;            /* hash chain */
    struct entry *prev, *next;      /* LRU list, most recent first */
    uint32_t      hash;
    int           role, px, blur;
    char         *s;
    text_run_t    run;
    size_t        bytes;
} entry_t;

struct text_cache {
    TTF_Font          *fonts[FONT_N_ROLES];
    int                font_px[FONT_N_ROLES];  /* size each font is set to now */
    entry_t           *buckets[NBUCKETS];
    entry_t           *head, *tail;
    size_t             max_bytes;
    uint64_t           id;
    text_cache_stats_t st;
};

/* ---- font manifest ---------------------------------------------------- */

static cJSON *manifest;          /* loaded once; main/render thread only */

static const cJSON *manifest_fonts(void)
{
    if (!manifest) {
        char path[1024];
        if (bs_datadir_find("fonts/manifest.json", path, sizeof path) != 0)
            return NULL;
        size_t n;
        char *buf = bs_read_file(path, 65536, &n, NULL, 0);
        if (!buf)
            return NULL;
        manifest = cJSON_ParseWithLength(buf, n);
        free(buf);
    }
    return cJSON_GetObjectItemCaseSensitive(manifest, "fonts");
}

int font_lookup(const char *name, char *path, size_t pathlen, int *index)
{
    const cJSON *fonts = manifest_fonts(), *f;
    cJSON_ArrayForEach(f, fonts) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(f, "name");
        if (!cJSON_IsString(n) || strcmp(n->valuestring, name) != 0)
            continue;
        const cJSON *idx = cJSON_GetObjectItemCaseSensitive(f, "index"), *file;
        cJSON_ArrayForEach(file, cJSON_GetObjectItemCaseSensitive(f, "files")) {
            if (cJSON_IsString(file) && access(file->valuestring, R_OK) == 0 &&
                bs_is_regular(file->valuestring)) {   /* SDL_ttf opens it: never a FIFO */
                snprintf(path, pathlen, "%s", file->valuestring);
                *index = cJSON_IsNumber(idx) ? idx->valueint : 0;
                return 0;
            }
        }
        return -1;
    }
    return -1;
}

void font_known(char *buf, size_t len)
{
    const cJSON *f;
    buf[0] = '\0';
    if (!manifest_fonts()) {
        char dirs[768];
        bs_datadir_describe(dirs, sizeof dirs);
        snprintf(buf, len, "none: no readable fonts/manifest.json in %s; see --data-dir", dirs);
        return;
    }
    cJSON_ArrayForEach(f, manifest_fonts()) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(f, "name");
        if (!cJSON_IsString(n))
            continue;
        if (buf[0])
            strncat(buf, ", ", len - strlen(buf) - 1);
        strncat(buf, n->valuestring, len - strlen(buf) - 1);
    }
}

/* ---- cache -------------------------------------------------------------- */

/* Caches are made and freed on the render thread and, for a hot reload, on
 * the reload watcher: the library's users and FreeType's face creation and
 * destruction (one FT_Library) are serialised by this lock. A cache is then
 * used by one thread only. */
static int ttf_users;
static uint64_t cache_ids;       /* under ttf_lock */
static pthread_mutex_t ttf_lock = PTHREAD_MUTEX_INITIALIZER;

static text_cache_t *cache_new(const theme_t *theme, size_t max_bytes, char *err, size_t errlen);
static void cache_free(text_cache_t *tc);

text_cache_t *text_cache_new(const theme_t *theme, size_t max_bytes, char *err, size_t errlen)
{
    pthread_mutex_lock(&ttf_lock);
    text_cache_t *tc = cache_new(theme, max_bytes, err, errlen);
    pthread_mutex_unlock(&ttf_lock);
    return tc;
}

void text_cache_free(text_cache_t *tc)
{
    if (!tc)
        return;
    pthread_mutex_lock(&ttf_lock);
    cache_free(tc);
    pthread_mutex_unlock(&ttf_lock);
}

static text_cache_t *cache_new(const theme_t *theme, size_t max_bytes, char *err, size_t errlen)
{
    if (ttf_users++ == 0 && TTF_Init() != 0) {
        ttf_users--;
        snprintf(err, errlen, "SDL_ttf: %s", TTF_GetError());
        return NULL;
    }
    text_cache_t *tc = calloc(1, sizeof *tc);
    if (!tc) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    tc->max_bytes = max_bytes;
    tc->id = ++cache_ids;
    for (int r = 0; r < FONT_N_ROLES; r++) {
        char path[1024];
        int index;
        if (!theme->fonts[r] || font_lookup(theme->fonts[r], path, sizeof path, &index) != 0) {
            snprintf(err, errlen, "font \"%s\" for %s text is not installed or not in fonts/manifest.json",
                     theme->fonts[r] ? theme->fonts[r] : "(none)", theme_font_roles[r]);
            goto err;
        }
        tc->fonts[r] = TTF_OpenFontIndex(path, 24, index);
        if (!tc->fonts[r]) {
            snprintf(err, errlen, "cannot open font %s: %s", path, TTF_GetError());
            goto err;
        }
        TTF_SetFontHinting(tc->fonts[r], TTF_HINTING_LIGHT);
        TTF_SetFontKerning(tc->fonts[r], 1);
    }
    return tc;
err:
    cache_free(tc);
    if (!tc && --ttf_users == 0)
        TTF_Quit();
    return NULL;
}

static void entry_free(entry_t *e)
{
    if (e->run.mask)
        cairo_surface_destroy(e->run.mask);
    free(e->s);
    free(e);
}

static void cache_free(text_cache_t *tc)
{
    if (!tc)
        return;
    entry_t *e = tc->head;
    while (e) {
        entry_t *n = e->next;
        entry_free(e);
        e = n;
    }
    for (int r = 0; r < FONT_N_ROLES; r++)
        if (tc->fonts[r])
            TTF_CloseFont(tc->fonts[r]);
    free(tc);
    if (--ttf_users == 0)
        TTF_Quit();
}

static uint32_t hash_key(int role, int px, int blur, const char *s)
{
    uint32_t h = 2166136261u;
    h = (h ^ (uint32_t)role) * 16777619u;
    h = (h ^ (uint32_t)px) * 16777619u;
    h = (h ^ (uint32_t)blur) * 16777619u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

static void lru_unlink(text_cache_t *tc, entry_t *e)
{
    if (e->prev) e->prev->next = e->next; else tc->head = e->next;
    if (e->next) e->next->prev = e->prev; else tc->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_front(text_cache_t *tc, entry_t *e)
{
    e->next = tc->head;
    e->prev = NULL;
    if (tc->head)
        tc->head->prev = e;
    tc->head = e;
    if (!tc->tail)
        tc->tail = e;
}

static void evict_one(text_cache_t *tc)
{
    entry_t *e = tc->tail;
    if (!e)
        return;
    lru_unlink(tc, e);
    entry_t **pp = &tc->buckets[e->hash % NBUCKETS];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    tc->st.bytes -= e->bytes;
    tc->st.entries--;
    tc->st.evictions++;
    entry_free(e);
}

/* Three box blurs ≈ a Gaussian of radius r, on an A8 image in place. */
static void blur_a8(unsigned char *px, int w, int h, int stride, int r)
{
    unsigned char *tmp = malloc((size_t)(w > h ? w : h));
    if (!tmp || r <= 0) {
        free(tmp);
        return;
    }
    for (int pass = 0; pass < 3; pass++) {
        for (int y = 0; y < h; y++) {          /* horizontal */
            unsigned char *row = px + y * stride;
            int sum = 0;
            for (int x = -r; x <= r; x++)
                sum += (x >= 0 && x < w) ? row[x] : 0;
            for (int x = 0; x < w; x++) {
                tmp[x] = (unsigned char)(sum / (2 * r + 1));
                int out = x - r, in = x + r + 1;
                sum += (in < w ? row[in] : 0) - (out >= 0 ? row[out] : 0);
            }
            memcpy(row, tmp, (size_t)w);
        }
        for (int x = 0; x < w; x++) {          /* vertical */
            int sum = 0;
            for (int y = -r; y <= r; y++)
                sum += (y >= 0 && y < h) ? px[y * stride + x] : 0;
            for (int y = 0; y < h; y++) {
                tmp[y] = (unsigned char)(sum / (2 * r + 1));
                int out = y - r, in = y + r + 1;
                sum += (in < h ? px[in * stride + x] : 0) - (out >= 0 ? px[out * stride + x] : 0);
            }
            for (int y = 0; y < h; y++)
                px[y * stride + x] = tmp[y];
        }
    }
    free(tmp);
}

/* Sets a font's pixel size only when it differs: SDL_ttf drops its glyph
 * cache on every size change, and reloading glyphs reads the font file. */
static TTF_Font *font_at(text_cache_t *tc, int role, int px)
{
    if (tc->font_px[role] != px) {
        TTF_SetFontSize(tc->fonts[role], px);
        tc->font_px[role] = px;
    }
    return tc->fonts[role];
}

static int render_run(text_cache_t *tc, entry_t *e)
{
    TTF_Font *font = font_at(tc, e->role, e->px);
    e->run.ascent = TTF_FontAscent(font);
    e->run.pad = e->blur * 3;
    if (!e->s[0]) {
        e->run.height = TTF_FontHeight(font);
        return 0;
    }
    SDL_Color white = { 255, 255, 255, 255 };
    SDL_Surface *src = TTF_RenderUTF8_Blended(font, e->s, white);
    if (!src)
        return -1;
    SDL_Surface *conv = SDL_ConvertSurfaceFormat(src, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(src);
    if (!conv)
        return -1;
    int pad = e->run.pad;
    int w = conv->w + 2 * pad, h = conv->h + 2 * pad;
    cairo_surface_t *m = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    if (cairo_surface_status(m) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(m);
        SDL_FreeSurface(conv);
        return -1;
    }
    cairo_surface_flush(m);
    unsigned char *dst = cairo_image_surface_get_data(m);
    int dstride = cairo_image_surface_get_stride(m);
    memset(dst, 0, (size_t)dstride * h);
    SDL_LockSurface(conv);
    for (int y = 0; y < conv->h; y++) {
        const uint32_t *row = (const uint32_t *)((const char *)conv->pixels + y * conv->pitch);
        unsigned char *out = dst + (y + pad) * dstride + pad;
        for (int x = 0; x < conv->w; x++)
            out[x] = (unsigned char)(row[x] >> 24);
    }
    SDL_UnlockSurface(conv);
    e->run.advance = conv->w;
    SDL_FreeSurface(conv);
    if (e->blur)
        blur_a8(dst, w, h, dstride, e->blur);
    cairo_surface_mark_dirty(m);
    e->run.mask = m;
    e->run.width = w;
    e->run.height = h;
    e->bytes = (size_t)dstride * h + sizeof *e + strlen(e->s);
    return 0;
}

const text_run_t *text_get(text_cache_t *tc, int role, int px, const char *s, int blur)
{
    if (!tc || !s || role < 0 || role >= FONT_N_ROLES || px < 1 || px > 2000 || blur < 0 || blur > 64)
        return NULL;
    size_t len = strlen(s);
    if (len > MAX_TEXT || !bs_utf8_valid(s, len))
        return NULL;
    uint32_t h = hash_key(role, px, blur, s);
    for (entry_t *e = tc->buckets[h % NBUCKETS]; e; e = e->hnext)
        if (e->hash == h && e->role == role && e->px == px && e->blur == blur && strcmp(e->s, s) == 0) {
            lru_unlink(tc, e);
            lru_front(tc, e);
            tc->st.hits++;
            return &e->run;
        }
    tc->st.misses++;
    entry_t *e = calloc(1, sizeof *e);
    if (!e || !(e->s = strdup(s))) {
        free(e);
        return NULL;
    }
    e->hash = h;
    e->role = role;
    e->px = px;
    e->blur = blur;
    if (render_run(tc, e) != 0) {
        entry_free(e);
        return NULL;
    }
    if (!e->bytes)
        e->bytes = sizeof *e + len;
    while (tc->head && (tc->st.bytes + e->bytes > tc->max_bytes || tc->st.entries >= MAX_ENTRIES))
        evict_one(tc);
    e->hnext = tc->buckets[h % NBUCKETS];
    tc->buckets[h % NBUCKETS] = e;
    lru_front(tc, e);
    tc->st.bytes += e->bytes;
    tc->st.entries++;
    return &e->run;
}

double text_measure(text_cache_t *tc, int role, int px, const char *s)
{
    /* what is measured is nearly always drawn next: measure through the
     * cache, so a frame neither reshapes nor re-rasterises known text */
    const text_run_t *r = text_get(tc, role, px, s, 0);
    return r ? r->advance : 0;
}

uint64_t text_cache_id(const text_cache_t *tc)
{
    return tc ? tc->id : 0;
}

text_cache_stats_t text_cache_stats(const text_cache_t *tc)
{
    return tc->st;
}
