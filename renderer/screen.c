/* screen.c — a running layout: its life cycle and the frame step (see
 * screen.h; the parts it calls are listed in screen_impl.h). */
#include "screen_impl.h"
#include "tz.h"
#include "persist.h"
#include "clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_CAP       8192
#define MAX_TOPICS      10000

/* ---- life cycle ---------------------------------------------------------- */

/* Each binding's topic goes to the feed it names, or to every feed. */
static void subscribe(screen_t *s, const layout_t *l)
{
    for (int i = 0; i < l->nwidgets; i++) {
        const wdg_t *w = l->widgets[i];
        for (int b = 0; b < w->nbinds; b++)
            for (int k = 0; k < s->nfeeds; k++)
                if (w->feed < 0 || w->feed == k)
                    feed_add_subscription(s->feeds[k], w->binds[b].topic);
    }
}

/* The output surfaces (frame, background, still, the fade's); layers apart. */
static void free_surfaces(screen_t *s)
{
    if (s->frame)
        cairo_surface_destroy(s->frame);
    if (s->bg)
        cairo_surface_destroy(s->bg);
    if (s->trans_old)
        cairo_surface_destroy(s->trans_old);
    if (s->trans_new)
        cairo_surface_destroy(s->trans_new);
    if (s->trans_spare)
        cairo_surface_destroy(s->trans_spare);
    if (s->trans_region)
        cairo_region_destroy(s->trans_region);
    s->trans_region = NULL;
    if (s->still)
        cairo_surface_destroy(s->still);
    if (s->still_next)
        cairo_surface_destroy(s->still_next);
    if (s->next_todo)
        cairo_region_destroy(s->next_todo);
    s->still_next = NULL;
    s->next_todo = NULL;
    s->still_next_on = false;
    s->frame = s->bg = s->trans_old = s->trans_new = s->trans_spare = s->still = NULL;
    s->still_valid = false;
    s->trans_active = false;
}

int screen_resize(screen_t *s, int w, int h)
{
    if (w < 16 || h < 16 || w > 16384 || h > 16384)
        return -1;
    cairo_surface_t *frame = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_surface_t *bg = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(frame) || cairo_surface_status(bg)) {
        cairo_surface_destroy(frame);
        cairo_surface_destroy(bg);
        return -1;
    }
    free_surfaces(s);
    /* the still is remade whole anyway: made after the old surfaces went,
     * so a resize never holds two of it */
    cairo_surface_t *still = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(still)) {
        cairo_surface_destroy(still);
        cairo_surface_destroy(frame);
        cairo_surface_destroy(bg);
        return -1;
    }
    s->frame = frame;
    s->bg = bg;
    s->still = still;
    s->out_w = w;
    s->out_h = h;
    scr_fit(s);
    scr_paint_background(s);
    if (scr_layers_reset(s) != 0)
        return -1;
    damage_reset(&s->damage, w, h);
    damage_add_full(&s->damage);
    for (int i = 0; i < s->layout->nwidgets; i++)
        s->layout->widgets[i]->invalid = true;
    return 0;
}

screen_t *screen_new(layout_t *l, int out_w, int out_h, bool live, int64_t wall0_ms,
                     char *err, size_t errlen)
{
    screen_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        layout_free(l);
        return NULL;
    }
    s->layout = l;
    s->live = live;
    s->wall0_ms = wall0_ms;
    s->page = l->npages ? 0 : -1;
    s->store = store_new((size_t)l->history, MAX_TOPICS);
    s->q = feed_queue_new(QUEUE_CAP);
    if (!s->store || !s->q) {
        snprintf(err, errlen, "out of memory");
        goto err;
    }
    scr_set_interest(s);
    s->tc = text_cache_new(&l->theme, SCREEN_TEXT_CACHE_BYTES, err, errlen);
    if (!s->tc)
        goto err;
    if (screen_resize(s, out_w, out_h) != 0) {
        snprintf(err, errlen, "cannot make a %dx%d output surface", out_w, out_h);
        goto err;
    }
    for (int i = 0; i < l->nfeeds; i++) {
        feed_t *f = feed_new(&l->feeds[i], i, s->q, err, errlen);
        if (!f)
            goto err;
        f->wall0_ms = wall0_ms;
        s->feeds[s->nfeeds++] = f;
    }
    subscribe(s, l);
    if (live && screen_state_dir)
        scr_persist_setup(s);
    if (live)
        for (int i = 0; i < s->nfeeds; i++)
            if (feed_start(s->feeds[i]) != 0) {
                snprintf(err, errlen, "cannot start feed \"%s\"", s->feeds[i]->conf.id);
                goto err;
            }
    return s;
err:
    screen_free(s);
    return NULL;
}

void screen_free(screen_t *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nfeeds; i++)
        feed_free(s->feeds[i]);        /* joins feed threads before the queue goes */
    if (s->persist) {                  /* the last state, then wait for the disk */
        if (s->q && s->store)          /* what the feeds delivered since the last frame counts too */
            scr_drain(s, s->last_now);
        scr_persist_save(s, s->last_now, s->last_wall);
        persist_writer_free(s->persist);
    }
    feed_queue_free(s->q);
    store_free(s->store);
    text_cache_free(s->tc);
    free(s->reload_errors);
    free(s->prof);
    free(s->wanted);
    if (s->layout)
        scr_layers_free(s);
    free_surfaces(s);
    layout_free(s->layout);
    free(s);
}

/* True when two feed confs would make the same connection. */
static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_feed(const feed_conf_t *a, const feed_conf_t *b)
{
    return feed_conf_equal(a, b);
}

/* True when the painted background of a is also b's: same canvas, fit and
 * the theme colours it is painted with. */
static bool same_backdrop(const layout_t *a, const layout_t *b)
{
    static const int used[] = { THEME_BG, THEME_BG2, THEME_ACCENT };
    if (a->width != b->width || a->height != b->height || a->fit != b->fit)
        return false;
    for (size_t i = 0; i < sizeof used / sizeof used[0]; i++) {
        const bs_color_t *x = &a->theme.colors[used[i]], *y = &b->theme.colors[used[i]];
        if (x->r != y->r || x->g != y->g || x->b != y->b || x->a != y->a)
            return false;
    }
    return true;
}

/* ---- a reload's next screen, made ready off the render thread ---------- */

struct screen_prep {
    screen_t sh;        /* the new layout on a screen of its own: layers, background,
                         * still, text cache; never on the display, never the
                         * live screen's (its store is borrowed in begin only) */
    bool     drawn;     /* screen_prep_draw made its layers */
};

screen_prep_t *screen_prep_begin(screen_t *s, layout_t *nl, text_cache_t *tc, double now, int64_t wall_ms)
{
    screen_prep_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    screen_t *sh = &p->sh;
    sh->layout = nl;
    sh->tc = tc;
    sh->live = s->live;
    sh->wall0_ms = s->wall0_ms;
    sh->out_w = s->out_w;
    sh->out_h = s->out_h;
    sh->page = scr_page_at(nl, now);
    scr_shift_at(nl, now, &sh->shift_x, &sh->shift_y);
    scr_fit(sh);
    /* the data as it is now, as of long ago (counters stand at their values) */
    sh->store = s->store;
    scr_deliver(sh, now - 3600);
    sh->store = NULL;
    /* the chrome the frame shows now, so the prepared frame has it too */
    memcpy(sh->banner, s->banner, sizeof sh->banner);
    memcpy(sh->hud, s->hud, sizeof sh->hud);
    sh->last_now = now;
    sh->last_wall = wall_ms;
    return p;
}

void screen_prep_draw(screen_prep_t *p)
{
    screen_t *sh = &p->sh;
    layout_t *l = sh->layout;
    char err[256];
    if (!sh->tc && !(sh->tc = text_cache_new(&l->theme, SCREEN_TEXT_CACHE_BYTES, err, sizeof err)))
        return;                          /* the swap opens them (and says why they fail) */
    sh->bg = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, sh->out_w, sh->out_h);
    sh->still = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, sh->out_w, sh->out_h);
    sh->frame = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, sh->out_w, sh->out_h);
    if (cairo_surface_status(sh->bg) || cairo_surface_status(sh->still) || cairo_surface_status(sh->frame) ||
        scr_layers_reset(sh) != 0)
        return;
    scr_paint_background(sh);
    if (l->tz)
        l->utc_offset_min = tz_offset_min(l->tz, sh->last_wall);
    p->drawn = scr_prepare_all(sh, sh->last_now, sh->last_wall);
}

void screen_prep_free(screen_prep_t *p)
{
    if (!p)
        return;
    screen_t *sh = &p->sh;
    if (sh->layers)
        scr_layers_free(sh);
    if (sh->bg)
        cairo_surface_destroy(sh->bg);
    if (sh->still)
        cairo_surface_destroy(sh->still);
    if (sh->frame)
        cairo_surface_destroy(sh->frame);
    text_cache_free(sh->tc);
    free(sh->wanted);
    layout_free(sh->layout);
    free(p);
}

/* The prepared screen's pixels fit s as it is now: same output, same shift,
 * and drawn whole. */
static bool prep_fits(const screen_t *s, const screen_prep_t *p, const layout_t *nl, double now)
{
    const screen_t *sh = &p->sh;
    int dx, dy;
    scr_shift_at(nl, now, &dx, &dy);
    return p->drawn && sh->out_w == s->out_w && sh->out_h == s->out_h && dx == sh->shift_x &&
           dy == sh->shift_y && scr_page_at(nl, now) == sh->page && !s->dark;
}

/* The swap, with the new screen prepared (p) or not (nl, tc). */
static int swap_in(screen_t *s, layout_t *nl, text_cache_t *tc, screen_prep_t *p, double now,
                   screen_chores_t *ch, char *err, size_t errlen)
{
    memset(ch, 0, sizeof *ch);
    layout_t *old = s->layout;
    bool feeds_same = nl->nfeeds == old->nfeeds;
    for (int i = 0; feeds_same && i < nl->nfeeds; i++)
        feeds_same = same_feed(&nl->feeds[i], &old->feeds[i]);
    bool fonts_same = true;
    for (int i = 0; i < FONT_N_ROLES; i++)
        fonts_same = fonts_same && same_str(nl->theme.fonts[i], old->theme.fonts[i]);
    bool ready = p && prep_fits(s, p, nl, now);
    if (!fonts_same || (p && tc)) {      /* a prepared screen's cache is warm: take it */
        if (!tc)                         /* none made ahead: the slow way, here */
            tc = text_cache_new(&nl->theme, SCREEN_TEXT_CACHE_BYTES, err, errlen);
        if (!tc) {
            ch->layout = nl;
            return -1;
        }
    } else {
        ch->tc = tc;                     /* made ahead, not needed */
        tc = NULL;
    }
    if (!feeds_same) {
        /* new connections; the store keeps what the old ones brought */
        feed_t *nf[LAYOUT_MAX_FEEDS] = { 0 };
        for (int i = 0; i < nl->nfeeds; i++) {
            nf[i] = feed_new(&nl->feeds[i], i, s->q, err, errlen);   /* memory only: no thread yet */
            if (!nf[i]) {                /* the old layout stays, whole */
                for (int k = 0; k < i; k++)
                    ch->stop[ch->nstop++] = nf[k];
                if (tc)
                    ch->tc = tc;
                ch->layout = nl;
                return -1;
            }
            nf[i]->wall0_ms = s->wall0_ms;
        }
        for (int i = 0; i < s->nfeeds; i++)
            ch->stop[ch->nstop++] = s->feeds[i];
        memcpy(s->feeds, nf, sizeof nf);
        s->nfeeds = nl->nfeeds;
    }
    if (tc) {
        ch->tc = s->tc;
        s->tc = tc;
    }
    if (ready) {                         /* the old pixels go with the chores: unmapping is not free */
        ch->layers = s->layers;
        ch->nlayers = old->nwidgets;
        s->layers = NULL;
        s->layer_bytes = 0;
    } else {
        scr_layers_free(s);
    }
    s->layout = nl;
    subscribe(s, nl);
    if (!feeds_same && s->live)
        for (int i = 0; i < s->nfeeds; i++)
            ch->start[ch->nstart++] = s->feeds[i];
    scr_set_interest(s);
    ch->layout = old;
    s->page = scr_page_at(nl, now);
    if (ready) {
        /* the prepared pixels: layers of this page, the background and the
         * still composed from them; handed over whole (p->sh keeps none) */
        screen_t *sh = &p->sh;
        s->layers = sh->layers;
        s->layer_bytes = sh->layer_bytes;
        sh->layers = NULL;
        sh->layer_bytes = 0;
        ch->surfaces[0] = s->bg;
        ch->surfaces[1] = s->still;
        ch->surfaces[2] = s->frame;
        s->bg = sh->bg;
        s->still = sh->still;
        s->frame = sh->frame;             /* the whole first frame, as of step 1 */
        s->still_valid = sh->still_valid;
        sh->bg = sh->still = sh->frame = NULL;
        if (s->trans_active)
            s->trans_active = false;      /* a fade of the old layout's pages ends here */
        s->shift_x = sh->shift_x;
        s->shift_y = sh->shift_y;
        scr_fit(s);
        /* only what moved or changed since is repainted (marks where they
         * were drawn and where they are); the window presents it whole */
        damage_reset(&s->damage, s->out_w, s->out_h);
        s->damage_consumed = false;
        s->layers_gen++;                  /* a GPU compositor uploads the new layers */
        s->bg_gen++;
        if (s->compose_gpu) {             /* which keeps no frame: all of it, from the layers */
            damage_add_full(&s->damage);
            s->marks_refresh = true;
        }
        for (int i = 0; i < nl->nwidgets; i++) {   /* what the layers show is current */
            wdg_t *w = nl->widgets[i];
            const layer_t *L = &s->layers[i];
            bool drawn = L->cached && L->valid && L->base_valid;
            w->invalid = !drawn;
            w->base_invalid = w->area_invalid = w->base_area_invalid = false;
        }
        /* what changed since the data was handed to the prepared widgets
         * (their bindings remember the versions they saw) is delivered at
         * the next frame, so this one only swaps and moves the marks */
        s->hold_deliver = true;
        s->reloads++;
        screen_set_reload_errors(s, NULL);
        return 0;
    }
    if (p) {                               /* prepared for another size or time: its data stays */
        for (int i = 0; i < nl->nwidgets; i++)
            nl->widgets[i]->invalid = true;
    }
    if (same_backdrop(old, nl)) {
        /* the painted background stands (a full-screen paint: far longer than
         * a frame on a slow box); only the widgets' layers are remade */
        if (scr_layers_reset(s) != 0) {
            snprintf(err, errlen, "cannot remake the widget layers");
            return -1;
        }
        damage_reset(&s->damage, s->out_w, s->out_h);
        damage_add_full(&s->damage);
        for (int i = 0; i < nl->nwidgets; i++)
            nl->widgets[i]->invalid = true;
    } else if (screen_resize(s, s->out_w, s->out_h) != 0) {   /* new canvas or theme colours */
        snprintf(err, errlen, "cannot remake the output surfaces");
        return -1;
    }
    /* the data carries over: deliver it as of long ago, so counters stand at
     * their values instead of counting up again */
    s->store_gen = 0;
    scr_deliver(s, p ? now : now - 3600);
    s->reloads++;
    screen_set_reload_errors(s, NULL);
    return 0;
}

int screen_reload_prepared(screen_t *s, layout_t *nl, text_cache_t *tc, double now, screen_chores_t *ch,
                           char *err, size_t errlen)
{
    return swap_in(s, nl, tc, NULL, now, ch, err, errlen);
}

int screen_reload_prep(screen_t *s, screen_prep_t *p, double now, screen_chores_t *ch, char *err, size_t errlen)
{
    layout_t *nl = p->sh.layout;
    text_cache_t *tc = p->sh.tc;
    p->sh.layout = NULL;                 /* the swap (or the chores) own them now */
    p->sh.tc = NULL;
    int rc = swap_in(s, nl, tc, p, now, ch, err, errlen);
    if (p->sh.layers) {                  /* not taken: nl is s's or the chores' until then */
        p->sh.layout = nl;
        scr_layers_free(&p->sh);
        p->sh.layout = NULL;
    }
    screen_prep_free(p);                 /* what the swap did not take: memory only */
    return rc;
}

void screen_chores_run(screen_chores_t *ch)
{
    for (int i = 0; i < ch->nstop; i++)
        feed_free(ch->stop[i]);
    for (int i = 0; i < ch->nstart; i++)
        feed_start(ch->start[i]);
    text_cache_free(ch->tc);
    layout_free(ch->layout);
    for (int i = 0; ch->layers && i < ch->nlayers; i++) {
        layer_t *L = &ch->layers[i];
        if (L->surf)
            cairo_surface_destroy(L->surf);
        if (L->base)
            cairo_surface_destroy(L->base);
        if (L->top)
            cairo_surface_destroy(L->top);
        if (L->veil)
            cairo_surface_destroy(L->veil);
    }
    free(ch->layers);
    for (size_t i = 0; i < sizeof ch->surfaces / sizeof ch->surfaces[0]; i++)
        if (ch->surfaces[i])
            cairo_surface_destroy(ch->surfaces[i]);
    memset(ch, 0, sizeof *ch);
}

int screen_reload(screen_t *s, layout_t *nl, double now, char *err, size_t errlen)
{
    screen_chores_t ch;
    int rc = screen_reload_prepared(s, nl, NULL, now, &ch, err, errlen);
    screen_chores_run(&ch);
    return rc;
}

void screen_settle(screen_t *s, double now)
{
    for (int i = 0; i < s->layout->nwidgets; i++) {
        wdg_t *w = s->layout->widgets[i];
        if (w->cls->settle && !s->live && scr_visible(s, w))
            w->cls->settle(w, now, s->text_scale);
    }
}

void screen_step_feeds(screen_t *s, double t)
{
    for (int i = 0; i < s->nfeeds; i++)
        if (s->feeds[i]->be->step)
            s->feeds[i]->be->step(s->feeds[i], t);
}

/* ---- per frame ----------------------------------------------------------- */

/* ---- what time decides, applied ---- */

/* Moves the picture when the burn-in guard's step changed (redraws all). */
static void apply_shift(screen_t *s, double now)
{
    int dx, dy;
    scr_shift_at(s->layout, now, &dx, &dy);
    if (dx != s->shift_x || dy != s->shift_y) {   /* rare: redraw all where it now goes */
        s->shift_x = dx;
        s->shift_y = dy;
        screen_resize(s, s->out_w, s->out_h);
    }
}

/* Follows the dark hours; true while dark (nothing moves or draws). */
static bool apply_dark(screen_t *s, int64_t wall_ms)
{
    layout_t *l = s->layout;
    bool dark = scr_dark_at(l, wall_ms);
    if (dark != s->dark) {
        s->dark = dark;
        damage_add_full(&s->damage);
        for (int i = 0; i < l->nwidgets; i++)
            l->widgets[i]->invalid = true;
    }
    if (dark) {               /* the data stays current; nothing moves, nothing draws */
        for (int i = 0; i < l->nwidgets; i++)
            l->widgets[i]->invalid = l->widgets[i]->overlay_invalid = false;
        return true;
    }
    return false;
}

/* Follows the page carousel; a change damages everything and starts a fade. */
static void apply_page(screen_t *s, double now)
{
    layout_t *l = s->layout;
    int page = scr_page_at(l, now);
    if (page != s->page) {
        scr_fade_begin(s, now);
        s->page = page;
        /* everything is repainted; layers stay (those of the new page were
         * kept current while hidden, or prepared ahead) */
        damage_add_full(&s->damage);
        s->marks_refresh = true;
    }
}

/* The frame step: data in, then what time decides, then damage. */
bool screen_update(screen_t *s, double now, int64_t wall_ms)
{
    s->st.frames++;
    s->last_now = now;
    s->last_wall = wall_ms;
    if (s->layout->tz)                   /* an IANA zone: its offset at this time */
        s->layout->utc_offset_min = tz_offset_min(s->layout->tz, wall_ms);
    if (s->damage_consumed) {
        damage_reset(&s->damage, s->out_w, s->out_h);
        s->damage_consumed = false;
    }
    apply_shift(s, now);
    store_set_clock(s->store, wall_ms);   /* source times are judged against it */
    scr_drain(s, now);
    if (s->hold_deliver) {               /* the swap frame of a prepared reload */
        s->hold_deliver = false;
        s->store_gen = 0;                /* next frame: every binding checked */
    } else {
        scr_deliver(s, now);
    }
    scr_persist_tick(s, now, wall_ms);
    if (apply_dark(s, wall_ms))    /* the data stays current; nothing moves, nothing draws */
        return s->damage.n > 0;
    apply_page(s, now);
    scr_collect_damage(s, now, wall_ms);
    double spent = 0;                    /* a few ms of spare time a frame, for what comes */
    if (!s->pages_made && s->st.painted > 0)
        spent = scr_prepare_pages(s, now, wall_ms, PREPARE_BUDGET_S);
    if (spent < PREPARE_BUDGET_S)
        scr_prepare_ahead(s, now, wall_ms, PREPARE_BUDGET_S - spent);
    if (s->live)
        scr_update_banner(s);
    return s->damage.n > 0 || s->trans_active || s->moved;   /* a fade or a strip moves every frame */
}

/* ---- when the next frame is needed ---------------------------------------- */

static double soonest(double a, double b)
{
    return b < a ? b : a;
}

/* When widget w's staleness or its badge's text changes next, data aside
 * (scr_update_stale: stale after stale_after, the badge in whole seconds,
 * then minutes; a feed that goes down is caught by the loop's longest
 * sleep). */
static double stale_wake(const wdg_t *w, double now, int64_t wall_ms)
{
    if (w->nbinds == 0 || w->stale_after <= 0 || !w->has_data || !w->data_wall_ms)
        return INFINITY;
    double age = (double)(wall_ms - w->data_wall_ms) / 1000.0;
    if (!w->stale)
        return now + fmax(0, w->stale_after - age);
    double unit = age < 60 ? 1 : 60;
    return now + fmax(0, (floor(age / unit) + 1) * unit - age);
}

double screen_next_wake(const screen_t *s, double now, int64_t wall_ms)
{
    const layout_t *l = s->layout;
    if (!s->damage_consumed && s->damage.n > 0)
        return now;                       /* not painted yet */
    if (s->trans_active || s->moved || s->marks_refresh || s->hold_deliver || s->saving || !s->pages_made ||
        store_generation(s->store) != s->store_gen)
        return now;
    double t = INFINITY;
    if (s->persist)
        t = soonest(t, s->persist_next);
    if (l->on_min >= 0 && l->off_min >= 0 && l->on_min != l->off_min)   /* the dark hours turn on minutes */
        t = soonest(t, now + (double)((wall_ms / 60000 + 1) * 60000 - wall_ms) / 1000.0);
    if (s->dark)
        return t;                         /* nothing moves or draws */
    if (l->pixel_shift > 0 && l->pixel_shift_period > 0)
        t = soonest(t, (floor(now / l->pixel_shift_period) + 1) * l->pixel_shift_period);
    int next;
    double left = scr_page_next(l, now, &next);
    if (next >= 0)                        /* the next page is made ahead in its last seconds */
        t = soonest(t, left > PREPARE_AHEAD_S ? now + left - PREPARE_AHEAD_S : now);
    for (int i = 0; i < l->nwidgets && t > now; i++) {
        const wdg_t *w = l->widgets[i];
        if (!scr_visible(s, w))
            continue;                     /* kept current while hidden; ticked when shown */
        if (w->invalid || w->overlay_invalid || w->base_invalid || w->area_invalid || w->base_area_invalid)
            return now;
        if (w->cls->tick)
            t = soonest(t, w->cls->next_tick ? w->cls->next_tick(w, now, wall_ms) : now);
        t = soonest(t, stale_wake(w, now, wall_ms));
    }
    return t < now ? now : t;
}

double screen_idle_slot(screen_t *s, double next, double period, double anim0, double now, int64_t wall_ms)
{
    if (!(period > 0))
        return next;
    double wake = screen_next_wake(s, now, wall_ms) + anim0, after = bs_mono();
    if (!(wake > next + period * 0.5))
        return next;                      /* something moves: the next frame as usual */
    double until = fmin(wake, after + SCREEN_IDLE_MAX_S);
    double slot = next + fmax(0, ceil((until - next) / period - 1e-6)) * period;
    if (slot <= next)
        return next;
    if (feed_queue_wait(s->q, slot)) {    /* data: the first slot from now on */
        double t = bs_mono();
        slot = next + fmax(0, ceil((t - next) / period - 1e-6)) * period;
    }
    s->st.slept += (uint64_t)llround((slot - next) / period);
    return slot;
}
