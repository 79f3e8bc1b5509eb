/* demo_sim.c — deterministic simulation of a district union's figures. */
#include "demo_sim.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_TOWNS   14
#define N_PEERS   14
#define N_KINDS   5
#define N_NEWS    12

static const char *const towns[N_TOWNS] = {
    "临平", "南苑", "东湖", "星桥", "乔司", "运河", "崇贤",
    "塘栖", "良渚", "仁和", "瓶窑", "闲林", "仓前", "五常",
};

static const char *const peers[N_PEERS] = {
    "临平区总工会", "杭州市总工会", "上城区总工会", "拱墅区总工会", "西湖区总工会",
    "滨江区总工会", "萧山区总工会", "余杭区总工会", "钱塘区总工会", "富阳区总工会",
    "临安区总工会", "桐庐县总工会", "淳安县总工会", "建德市总工会",
};

static const char *const kinds[N_KINDS] = {
    "职工互助医疗", "疗休养", "技能奖励", "法律援助", "双证制",
};

static const char *const news[N_NEWS] = {
    "临平区总工会“云课堂”新增劳模工匠系列课程10门",
    "“会员日”线上知识竞答本周五晚八点开赛，欢迎广大职工参与",
    "乔司街道总工会完成2026年度职工互助医疗线上申领",
    "区总工会发布第四季度职工疗休养线路，线上报名已开放",
    "南苑街道开展“工会法律援助进企业”线上宣讲",
    "元旦春节送温暖活动启动，困难职工帮扶线上申请通道开通",
    "良渚街道新增线上招聘岗位326个，覆盖智能制造与物流",
    "全区基层工会网上办公率持续保持90%以上",
    "区总工会公众号月度影响力位列全市工会系统前列",
    "“技能临平”线上技能比武报名截止至12月10日",
    "仁和街道工会组织线上健康讲座，千余名职工在线收看",
    "职工“双证制”培训线上课程开放选课",
};

struct demo_sim {
    uint64_t rng;
    int64_t  wall0_ms;
    double   tick_s;
    unsigned next;        /* next tick expected */
    double   rate;        /* online-office rate, % */
    double   members;     /* real-name registrations */
    double   kind_n[N_KINDS];
    double   courses, trainings, quizzes, drives, lectures, jobs;
    double   peer_v[N_PEERS], peer_drift[N_PEERS];
    double   town_v[N_TOWNS];
    unsigned news_head;
};

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t next_u64(demo_sim_t *s)
{
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(demo_sim_t *s)          /* [0, 1) */
{
    return (double)(next_u64(s) >> 11) * (1.0 / 9007199254740992.0);
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

demo_sim_t *demo_sim_new(uint64_t seed, int64_t wall0_ms, double tick_s)
{
    demo_sim_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->rng = seed ? seed : 20261125;
    s->wall0_ms = wall0_ms;
    s->tick_s = tick_s > 0 ? tick_s : 1.0;
    s->rate = 91.6;
    s->members = 128634;
    static const double k0[N_KINDS] = { 1826, 642, 415, 238, 377 };
    memcpy(s->kind_n, k0, sizeof k0);
    s->courses = 73;
    s->trainings = 31;
    s->quizzes = 6;
    s->drives = 3;
    s->lectures = 7;
    s->jobs = 1286;
    for (int i = 0; i < N_PEERS; i++) {
        s->peer_v[i] = 860 - i * 38 + uniform(s) * 60;
        s->peer_drift[i] = 0.4 + uniform(s) * 1.6;
    }
    s->peer_v[0] = 812;       /* ours starts mid-table and climbs */
    s->peer_drift[0] = 2.2;
    for (int i = 0; i < N_TOWNS; i++)
        s->town_v[i] = 62 + uniform(s) * 36;
    return s;
}

void demo_sim_free(demo_sim_t *s)
{
    free(s);
}

const char *const *demo_sim_topics(size_t *n)
{
    static const char *const topics[] = {
        "office.rate", "members.realname", "apply.total", "apply.kinds",
        "courses.cloud", "training.online", "quiz.member_day", "benefit.holiday",
        "lectures", "jobs.postings", "wechat.rank", "wechat.position", "towns", "news", "apply.daily",
        "apply.kinds.lastyear", "apply.monthly", "apply.monthly.lastyear", "world.demo",
        "assess.towns", "assess.board", "apply.funnel", "assess.summary", "assess.scores", "news.union", "venues",
    };
    *n = sizeof topics / sizeof topics[0];
    return topics;
}

static void add_msg(cJSON *frame, const char *topic, cJSON *value, int64_t ts, const char *op)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "topic", topic);
    if (op)
        cJSON_AddStringToObject(m, "op", op);
    cJSON_AddItemToObject(m, "value", value);
    cJSON_AddNumberToObject(m, "ts", (double)ts);
    cJSON_AddItemToArray(frame, m);
}

static void add_num(cJSON *frame, const char *topic, double v, int64_t ts)
{
    add_msg(frame, topic, cJSON_CreateNumber(v), ts, NULL);
}

static double kinds_total(const demo_sim_t *s)
{
    double t = 0;
    for (int i = 0; i < N_KINDS; i++)
        t += s->kind_n[i];
    return t;
}

/* Grows a counter towards (and never past) its target, slowly. */
static bool creep(demo_sim_t *s, double *v, double target, double p)
{
    if (*v < target && uniform(s) < p) {
        *v += 1;
        return true;
    }
    return false;
}

/* A small deterministic wobble of tick k for item i, in [-1, 1]. */
static double wobble(unsigned k, int i)
{
    return sin(k * 0.013 + i * 1.7) * 0.6 + sin(k * 0.0071 + i * 0.9) * 0.4;
}

/* assess.towns (radar: three towns and the district's average against the
 * plan's criteria), assess.board (every town's WeChat original posts,
 * reposts, online activities and score) and apply.funnel. */
static void add_assessment(const demo_sim_t *s, cJSON *frame, unsigned k, int64_t ts)
{
    static const char *const crit[] = { "公众号原创", "公众号转发", "线上活动", "网上办公率", "实名会员", "线上申请" };
    static const double base[N_TOWNS][4] = {   /* posts, reposts, activities, office rate */
        { 46, 212, 38, 96 }, { 31, 168, 27, 93 }, { 28, 151, 30, 94 }, { 35, 190, 33, 95 },
        { 22, 133, 21, 91 }, { 25, 142, 24, 92 }, { 19, 120, 18, 90 }, { 27, 160, 26, 93 },
        { 24, 139, 22, 91 }, { 30, 171, 29, 94 }, { 21, 128, 20, 90 }, { 26, 150, 25, 92 },
        { 23, 137, 23, 91 }, { 29, 158, 28, 93 },
    };
    double v[N_TOWNS][6], avg[6] = { 0 };
    for (int t = 0; t < N_TOWNS; t++) {
        for (int c = 0; c < 4; c++)
            v[t][c] = base[t][c] * (1 + 0.04 * wobble(k, t * 4 + c)) + (c < 3 ? k / 600.0 : 0);
        v[t][3] = fmin(100, v[t][3]);
        v[t][4] = 4200 + t * 310 + ((t * 7919) % 1300) + k / 60.0;
        v[t][5] = 120 + ((t * 104729) % 180) + k / 120.0;
        for (int c = 0; c < 6; c++)
            avg[c] += v[t][c] / N_TOWNS;
    }
    cJSON *radar = cJSON_CreateArray();
    static const int shown[] = { 0, 1, 3 };          /* three towns of the plan, then the average */
    for (int i = 0; i < 4; i++) {
        cJSON *o = cJSON_CreateObject();
        const double *row = i < 3 ? v[shown[i]] : avg;
        cJSON_AddStringToObject(o, "name", i < 3 ? towns[shown[i]] : "全区平均");
        for (int c = 0; c < 6; c++)
            cJSON_AddNumberToObject(o, crit[c], round(row[c] * 10) / 10);
        cJSON_AddItemToArray(radar, o);
    }
    add_msg(frame, "assess.towns", radar, ts, NULL);

    cJSON *board = cJSON_CreateArray(), *scores = cJSON_CreateArray();
    double sum[3] = { 0 };
    for (int t = 0; t < N_TOWNS; t++) {
        cJSON *o = cJSON_CreateObject();
        double score = 60 + v[t][0] * 0.35 + v[t][1] * 0.05 + v[t][2] * 0.3 + (v[t][3] - 90) * 1.2;
        score = round(fmin(100, score) * 10) / 10;
        cJSON_AddStringToObject(o, "town", towns[t]);
        cJSON_AddNumberToObject(o, "original", round(v[t][0]));
        cJSON_AddNumberToObject(o, "reposts", round(v[t][1]));
        cJSON_AddNumberToObject(o, "activities", round(v[t][2]));
        cJSON_AddNumberToObject(o, "office", round(v[t][3] * 10) / 10);
        cJSON_AddNumberToObject(o, "score", score);
        cJSON_AddItemToArray(board, o);
        cJSON *sc = cJSON_CreateObject();       /* the same scores as {name, value}, for a ranking */
        cJSON_AddStringToObject(sc, "name", towns[t]);
        cJSON_AddNumberToObject(sc, "value", score);
        cJSON_AddItemToArray(scores, sc);
        for (int c = 0; c < 3; c++)
            sum[c] += round(v[t][c]);
    }
    add_msg(frame, "assess.board", board, ts, NULL);
    add_msg(frame, "assess.scores", scores, ts, NULL);
    cJSON *sm = cJSON_CreateObject();           /* the district's totals of the assessment */
    cJSON_AddNumberToObject(sm, "towns", N_TOWNS);
    cJSON_AddNumberToObject(sm, "original", sum[0]);
    cJSON_AddNumberToObject(sm, "reposts", sum[1]);
    cJSON_AddNumberToObject(sm, "activities", sum[2]);
    cJSON_AddNumberToObject(sm, "office", round(avg[3] * 10) / 10);
    add_msg(frame, "assess.summary", sm, ts, NULL);

    static const char *const stages[] = { "提交申请", "受理", "审核通过", "发放完成" };
    static const double keep[] = { 1, 0.94, 0.86, 0.79 };
    double total = kinds_total(s);
    cJSON *fun = cJSON_CreateArray();
    for (int i = 0; i < 4; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", stages[i]);
        cJSON_AddNumberToObject(o, "value", round(total * keep[i]));
        cJSON_AddItemToArray(fun, o);
    }
    add_msg(frame, "apply.funnel", fun, ts, NULL);
}

/* venues: the union's service stations and venues on the district map
 * ({name, lon, lat, value}: visits today), a pure function of the tick
 * drawing nothing from the RNG, so every other topic stays as it was. */
static void add_venues(cJSON *frame, unsigned k, int64_t ts)
{
    static const struct { const char *name; double lon, lat, visits; } venue[] = {
        { "区职工服务中心", 120.315, 30.452, 386 }, { "乔司职工驿站", 120.300, 30.330, 214 },
        { "南苑工会服务站", 120.262, 30.392, 168 }, { "塘栖职工之家", 120.205, 30.518, 142 },
        { "崇贤户外劳动者驿站", 120.118, 30.462, 97 }, { "星桥职工服务站", 120.215, 30.352, 121 },
        { "良渚工会驿站", 120.090, 30.400, 155 }, { "仁和职工书屋", 120.040, 30.490, 73 },
    };
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < sizeof venue / sizeof venue[0]; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", venue[i].name);
        cJSON_AddNumberToObject(o, "lon", venue[i].lon);
        cJSON_AddNumberToObject(o, "lat", venue[i].lat);
        cJSON_AddNumberToObject(o, "value", venue[i].visits + (double)((k / 10 * (i + 3)) % 97));
        cJSON_AddItemToArray(arr, o);
    }
    add_msg(frame, "venues", arr, ts, NULL);
}

char *demo_sim_tick(demo_sim_t *s, unsigned k)
{
    /* catch up if ticks were skipped: the state walks every tick in order */
    while (s->next < k) {
        char *skip = demo_sim_tick(s, s->next);
        free(skip);
    }
    bool full = (k == 0);
    s->next = k + 1;
    int64_t ts = s->wall0_ms + (int64_t)llround(k * s->tick_s * 1000.0);
    cJSON *frame = cJSON_CreateArray();
    if (!frame)
        return NULL;

    /* rates drift within bounds */
    double old_rate = s->rate;
    if (!full)
        s->rate = clamp(s->rate + (uniform(s) - 0.48) * 0.3, 87.5, 97.5);
    if (full || round(old_rate * 10) != round(s->rate * 10))
        add_num(frame, "office.rate", round(s->rate * 10) / 10, ts);

    /* counters only grow */
    double dm = full ? 0 : floor(uniform(s) * 7);
    s->members += dm;
    if (full || dm > 0)
        add_num(frame, "members.realname", s->members, ts);

    bool kinds_changed = full;
    double day_apps = 0;
    for (int i = 0; i < N_KINDS && !full; i++)
        if (uniform(s) < 0.25 / (1 + i * 0.5)) {
            s->kind_n[i] += 1;
            day_apps += 1;
            kinds_changed = true;
        }
    if (kinds_changed) {
        cJSON *o = cJSON_CreateObject();
        for (int i = 0; i < N_KINDS; i++)
            cJSON_AddNumberToObject(o, kinds[i], s->kind_n[i]);
        add_msg(frame, "apply.kinds", o, ts, NULL);
        add_num(frame, "apply.total", kinds_total(s), ts);
    }
    if (!full)
        add_msg(frame, "apply.daily", cJSON_CreateNumber(day_apps), ts, "append");
    if (full) {           /* last year's totals by kind: fixed, for comparison charts */
        static const double last[N_KINDS] = { 1642, 705, 368, 251, 296 };
        cJSON *o = cJSON_CreateObject();
        for (int i = 0; i < N_KINDS; i++)
            cJSON_AddNumberToObject(o, kinds[i], last[i]);
        add_msg(frame, "apply.kinds.lastyear", o, ts, NULL);
        add_num(frame, "apply.total.lastyear", 3262, ts);    /* their sum: a KPI's 同比 baseline */
        /* online applications per month: this year to November, and last year */
        static const double month[2][12] = {
            { 238, 196, 284, 301, 322, 347, 311, 298, 336, 369, 396, 0 },
            { 204, 171, 236, 255, 262, 281, 270, 259, 288, 301, 322, 341 },
        };
        for (int y = 0; y < 2; y++) {
            cJSON *arr = cJSON_CreateArray();
            for (int m = 0; m < (y == 0 ? 11 : 12); m++) {
                char lb[16];
                snprintf(lb, sizeof lb, "%d月", m + 1);
                cJSON *it = cJSON_CreateObject();
                cJSON_AddStringToObject(it, "label", lb);
                cJSON_AddNumberToObject(it, "value", month[y][m]);
                cJSON_AddItemToArray(arr, it);
            }
            add_msg(frame, y == 0 ? "apply.monthly" : "apply.monthly.lastyear", arr, ts, NULL);
        }
        /* a fixed value per country of the Natural Earth test maps
         * (tests/data/natural-earth-*.geojson, keyed by NAME_EN), for the
         * real-GeoJSON golden; sent once and drawing nothing from the RNG,
         * so every other topic stays as it was */
        static const struct { const char *name; double v; } world[] = {
            { "South Africa", 92 }, { "Lesotho", 35 }, { "Eswatini", 48 }, { "Namibia", 57 },
            { "Botswana", 66 }, { "Zimbabwe", 41 }, { "Mozambique", 74 }, { "Madagascar", 83 },
            { "Indonesia", 95 }, { "Malaysia", 71 }, { "Brunei", 28 }, { "Philippines", 86 },
            { "East Timor", 22 }, { "Papua New Guinea", 53 }, { "Vanuatu", 31 }, { "Fiji", 62 },
        };
        cJSON *wo = cJSON_CreateObject();
        for (size_t i = 0; i < sizeof world / sizeof world[0]; i++)
            cJSON_AddNumberToObject(wo, world[i].name, world[i].v);
        add_msg(frame, "world.demo", wo, ts, NULL);
    }

    struct { const char *topic; double *v; double target; double p; } goals[] = {
        { "courses.cloud",   &s->courses,   100, 0.02 },
        { "training.online", &s->trainings, 50,  0.015 },
        { "quiz.member_day", &s->quizzes,   8,   0.004 },
        { "benefit.holiday", &s->drives,    4,   0.003 },
        { "lectures",        &s->lectures,  10,  0.005 },
        { "jobs.postings",   &s->jobs,      1e9, 0.3 },
    };
    for (size_t i = 0; i < sizeof goals / sizeof goals[0]; i++)
        if ((!full && creep(s, goals[i].v, goals[i].target, goals[i].p)) || full)
            add_num(frame, goals[i].topic, *goals[i].v, ts);

    /* the account ranking: values grow at different speeds, so places swap */
    if (full || k % 2 == 0) {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < N_PEERS; i++) {
            if (!full)
                s->peer_v[i] += s->peer_drift[i] * uniform(s) * 2;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "name", peers[i]);
            cJSON_AddNumberToObject(o, "value", round(s->peer_v[i] * 10) / 10);
            cJSON_AddItemToArray(arr, o);
        }
        add_msg(frame, "wechat.rank", arr, ts, NULL);
        int pos = 1;
        for (int i = 1; i < N_PEERS; i++)
            if (round(s->peer_v[i] * 10) > round(s->peer_v[0] * 10))
                pos++;
        add_num(frame, "wechat.position", pos, ts);
    }

    /* activity per town */
    if (full || k % 3 == 0) {
        cJSON *o = cJSON_CreateObject();
        for (int i = 0; i < N_TOWNS; i++) {
            if (!full)
                s->town_v[i] = clamp(s->town_v[i] + (uniform(s) - 0.5) * 3, 40, 100);
            cJSON_AddNumberToObject(o, towns[i], round(s->town_v[i]));
        }
        add_msg(frame, "towns", o, ts, NULL);
    }

    /* headlines: a new one comes to the front every 30 ticks */
    if (full || k % 30 == 0) {
        if (!full)
            s->news_head = (s->news_head + 1) % N_NEWS;
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < 6; i++)
            cJSON_AddItemToArray(arr, cJSON_CreateString(news[(s->news_head + i) % N_NEWS]));
        add_msg(frame, "news", arr, ts, NULL);
        /* 工会要闻: the same headlines, newest first, with a date and a column
         * (pure functions of the headline's place; nothing from the RNG) */
        static const char *const column[] = { "工会要闻", "基层动态", "服务职工" };
        cJSON *un = cJSON_CreateArray();
        for (int i = 0; i < 8; i++) {
            cJSON *o = cJSON_CreateObject();
            char date[16];
            snprintf(date, sizeof date, "11-%02d", 25 - i * 2 + (i > 3));
            cJSON_AddStringToObject(o, "title", news[(s->news_head + i) % N_NEWS]);
            cJSON_AddStringToObject(o, "date", date);
            cJSON_AddStringToObject(o, "column", column[(s->news_head + i) % 3]);
            cJSON_AddItemToArray(un, o);
        }
        add_msg(frame, "news.union", un, ts, NULL);
    }

    /* the towns' yearly assessment (考核) and the applications' pipeline:
     * pure functions of the tick, drawing nothing from the RNG, so every
     * other topic stays as it was; they move once a minute */
    if (full || k % 60 == 0)
        add_assessment(s, frame, k, ts);
    if (full || k % 10 == 0)
        add_venues(frame, k, ts);

    char *text = cJSON_PrintUnformatted(frame);
    cJSON_Delete(frame);
    return text;
}
