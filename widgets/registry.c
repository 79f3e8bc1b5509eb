/* registry.c — the only list of widget kinds. */
#include "widget.h"

#include <string.h>

extern const wdg_class_t wdg_frame_class;
extern const wdg_class_t wdg_title_class;
extern const wdg_class_t wdg_kpi_class;
extern const wdg_class_t wdg_gauge_class;
extern const wdg_class_t wdg_ranking_class;
extern const wdg_class_t wdg_progress_class;
extern const wdg_class_t wdg_bar_class;
extern const wdg_class_t wdg_donut_class;
extern const wdg_class_t wdg_map_class;
extern const wdg_class_t wdg_ticker_class;
extern const wdg_class_t wdg_board_class;
extern const wdg_class_t wdg_text_class;
extern const wdg_class_t wdg_image_class;
extern const wdg_class_t wdg_liquid_class;
extern const wdg_class_t wdg_line_class;
extern const wdg_class_t wdg_radar_class;
extern const wdg_class_t wdg_funnel_class;
extern const wdg_class_t wdg_video_class;
extern const wdg_class_t wdg_slideshow_class;

static const wdg_class_t *const classes[] = {
    &wdg_title_class,
    &wdg_frame_class,
    &wdg_kpi_class,
    &wdg_gauge_class,
    &wdg_ranking_class,
    &wdg_progress_class,
    &wdg_bar_class,
    &wdg_donut_class,
    &wdg_map_class,
    &wdg_ticker_class,
    &wdg_board_class,
    &wdg_text_class,
    &wdg_image_class,
    &wdg_liquid_class,
    &wdg_line_class,
    &wdg_radar_class,
    &wdg_funnel_class,
    &wdg_video_class,
    &wdg_slideshow_class,
    NULL,
};

const wdg_class_t *const *wdg_classes(void)
{
    return classes;
}

const wdg_class_t *wdg_class_find(const char *name)
{
    for (int i = 0; classes[i]; i++)
        if (strcmp(classes[i]->name, name) == 0)
            return classes[i];
    return NULL;
}
