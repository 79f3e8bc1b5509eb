/* report.c — the run report as JSON (see README "Report format"). */
#include "screen_impl.h"
#include "imgcache.h"
#include "video.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

char *screen_report(screen_t *s, int64_t wall_ms)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "layout", s->layout->file);
    cJSON_AddNumberToObject(root, "wall_ms", (double)wall_ms);
    cJSON *ws = cJSON_AddArrayToObject(root, "widgets");
    for (int i = 0; i < s->layout->nwidgets; i++) {
        const wdg_t *w = s->layout->widgets[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", w->id);
        cJSON_AddStringToObject(o, "type", w->cls->name);
        wdg_text_t t = { 0 };
        if (w->cls->text)
            w->cls->text(w, &t);
        /* "text": the first line; "rows": every line (lists) */
        cJSON *rows = cJSON_CreateArray();
        char *save = NULL, *line = t.buf ? strtok_r(t.buf, "\n", &save) : NULL;
        cJSON_AddStringToObject(o, "text", line ? line : "");
        for (; line; line = strtok_r(NULL, "\n", &save))
            cJSON_AddItemToArray(rows, cJSON_CreateString(line));
        cJSON_AddItemToObject(o, "rows", rows);
        free(t.buf);
        cJSON_AddBoolToObject(o, "stale", w->stale);
        if (w->has_data)
            cJSON_AddNumberToObject(o, "age_s", round(w->data_age * 10) / 10);
        else
            cJSON_AddNullToObject(o, "age_s");
        cJSON_AddItemToArray(ws, o);
    }
    cJSON_AddStringToObject(root, "banner", s->banner);
    cJSON_AddNumberToObject(root, "state_loaded", s->persist_loaded);
    cJSON_AddNumberToObject(root, "reloads", (double)s->reloads);
    wdg_image_stats_t is;
    wdg_image_stats(&is);
    cJSON *im = cJSON_AddObjectToObject(root, "images");
    cJSON_AddNumberToObject(im, "files", (double)is.files);
    cJSON_AddNumberToObject(im, "decoded_px", (double)is.pixels);
    cJSON_AddNumberToObject(im, "shared", (double)is.shared);
    cJSON_AddNumberToObject(im, "refused", (double)is.refused);
    wdg_video_stats_t vs;
    wdg_video_stats(&vs);
    cJSON *vo = cJSON_AddObjectToObject(root, "videos");
    cJSON_AddNumberToObject(vo, "playing", (double)vs.playing);
    cJSON_AddNumberToObject(vo, "frames", (double)vs.frames);
    cJSON_AddNumberToObject(vo, "errors", (double)vs.errors);
    cJSON_AddNumberToObject(vo, "drops", (double)vs.drops);
    cJSON_AddNumberToObject(vo, "retries", (double)vs.retries);
    cJSON_AddNumberToObject(vo, "starts", (double)vs.starts);
    cJSON_AddNumberToObject(vo, "stops", (double)vs.stops);
    cJSON *re = cJSON_AddArrayToObject(root, "reload_errors");
    for (const char *p = s->reload_errors; p && *p;) {
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        if (line)
            cJSON_AddItemToArray(re, cJSON_CreateString(line));
        free(line);
        p += n;
        if (*p)
            p++;
    }
    cJSON *fs = cJSON_AddArrayToObject(root, "feeds");
    for (int i = 0; i < s->nfeeds; i++) {
        feed_status_t st = feed_status_get(s->feeds[i]);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", s->feeds[i]->conf.id);
        char url[1100];
        cJSON_AddStringToObject(o, "url", feed_url_redact(s->feeds[i]->conf.url, url, sizeof url));
        cJSON_AddStringToObject(o, "state", feed_state_name(st.state));
        cJSON_AddNumberToObject(o, "since_ms", (double)st.since_ms);
        cJSON_AddNumberToObject(o, "connects", (double)st.connects);
        cJSON_AddNumberToObject(o, "retries", (double)st.retries);
        cJSON_AddNumberToObject(o, "messages", (double)st.messages);
        cJSON_AddNumberToObject(o, "rejected", (double)st.rejected);
        cJSON_AddNumberToObject(o, "bytes", (double)st.bytes);
        cJSON_AddNumberToObject(o, "polls", (double)st.polls);
        cJSON_AddNumberToObject(o, "errors", (double)st.errors);
        cJSON_AddNumberToObject(o, "poll_ms", st.poll_ms);
        cJSON_AddStringToObject(o, "error", st.state == FEED_UP ? "" : st.error);
        cJSON_AddItemToArray(fs, o);
    }
    feed_queue_stats_t qs = feed_queue_stats(s->q);
    cJSON *q = cJSON_AddObjectToObject(root, "queue");
    cJSON_AddNumberToObject(q, "pushed", (double)qs.pushed);
    cJSON_AddNumberToObject(q, "coalesced", (double)qs.coalesced);
    cJSON_AddNumberToObject(q, "dropped", (double)qs.dropped);
    cJSON_AddNumberToObject(q, "high_water", (double)qs.high_water);
    store_stats_t ss = store_stats(s->store);
    cJSON *so = cJSON_AddObjectToObject(root, "store");
    cJSON_AddNumberToObject(so, "topics", (double)ss.topics);
    cJSON_AddNumberToObject(so, "applied", (double)ss.applied);
    cJSON_AddNumberToObject(so, "rejected", (double)ss.rejected);
    cJSON_AddNumberToObject(so, "skewed", (double)ss.skewed);
    cJSON_AddNumberToObject(so, "over_budget", (double)ss.over_budget);
    cJSON_AddNumberToObject(so, "evicted", (double)ss.evicted);
    cJSON_AddNumberToObject(so, "bytes", (double)ss.bytes);
    cJSON_AddNumberToObject(so, "budget", (double)ss.budget);
    cJSON_AddNumberToObject(so, "state_left_out", (double)s->state_cut);
    cJSON *r = cJSON_AddObjectToObject(root, "render");
    cJSON_AddNumberToObject(r, "frames", (double)s->st.frames);
    cJSON_AddNumberToObject(r, "late", (double)s->st.late);
    cJSON_AddNumberToObject(r, "dropped", (double)s->st.dropped);
    cJSON_AddNumberToObject(r, "slept", (double)s->st.slept);
    cJSON_AddNumberToObject(r, "worst_late_ms", s->st.worst_late_ms);
    cJSON_AddNumberToObject(r, "painted", (double)s->st.painted);
    cJSON_AddNumberToObject(r, "widgets_drawn", (double)s->st.widgets_drawn);
    cJSON_AddNumberToObject(r, "pixels", (double)s->st.pixels);
    cJSON_AddNumberToObject(r, "drawn_px", (double)s->st.drawn_px);
    cJSON *rl = cJSON_AddObjectToObject(r, "reload");
    cJSON_AddNumberToObject(rl, "frames", (double)s->st.reload_frames);
    cJSON_AddNumberToObject(rl, "late", (double)s->st.reload_late);
    cJSON_AddNumberToObject(rl, "dropped", (double)s->st.reload_dropped);
    cJSON_AddNumberToObject(rl, "worst_ms", s->st.reload_worst_ms);
    cJSON_AddNumberToObject(rl, "worst_cpu_ms", s->st.reload_worst_cpu_ms);
    cJSON_AddNumberToObject(rl, "swap_ms", s->st.reload_swap_ms);
    char *out = cJSON_Print(root);
    cJSON_Delete(root);
    return out;
}
