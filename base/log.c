/* log.c — messages on stderr with priorities for journald (see log.h). */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *prog = "bigscreen";
static bool journal;
static int threshold = BS_LOG_INFO;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

/* True when fd 2 is the stream JOURNAL_STREAM names ("dev:ino", decimal):
 * systemd's documented test, so a child whose stderr was redirected by a
 * shell script is not mistaken for the journal. */
static bool stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char end;
    if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2)
        return false;
    struct stat st;
    if (fstat(STDERR_FILENO, &st) != 0)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static int parse_level(const char *s)
{
    static const char *const names[] = { "err", "warning", "notice", "info", "debug" };
    if (!s || !*s)
        return -1;
    if (s[0] >= '0' && s[0] <= '7' && !s[1])
        return s[0] - '0';
    for (int i = 0; i < 5; i++)
        if (!strcasecmp(s, names[i]))
            return BS_LOG_ERR + i;
    if (!strcasecmp(s, "error"))
        return BS_LOG_ERR;
    if (!strcasecmp(s, "warn"))
        return BS_LOG_WARNING;
    return -1;
}

static void look(void)
{
    journal = stderr_is_journal();
    int l = parse_level(getenv("BIGSCREEN_LOG_LEVEL"));
    threshold = l >= 0 ? l : BS_LOG_INFO;
}

void bs_log_init(const char *name)
{
    if (name && *name)
        prog = name;
    pthread_once(&once, look);
    look();                            /* again, for a test that changed the environment */
}

bool bs_log_to_journal(void)
{
    pthread_once(&once, look);
    return journal;
}

bool bs_log_enabled(int level)
{
    pthread_once(&once, look);
    return (level & 0xff) <= threshold;
}

/* Appends n bytes of s to out (cap bytes), keeping room for the newline. */
static size_t put(char *out, size_t o, size_t cap, const char *s, size_t n)
{
    if (o + n > cap - 1)
        n = o < cap - 1 ? cap - 1 - o : 0;
    memcpy(out + o, s, n);
    return o + n;
}

static void write_all(const char *buf, size_t len)
{
    pthread_mutex_lock(&write_lock);
    while (len > 0) {
        ssize_t w = write(STDERR_FILENO, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;                     /* stderr closed or broken: the message is lost */
        buf += w;
        len -= (size_t)w;
    }
    pthread_mutex_unlock(&write_lock);
}

void bs_vlog(int level, const char *fmt, va_list ap)
{
    int lv = level & 0xff;
    bool bare = level & BS_LOG_BARE;
    if (lv < 0)
        lv = 0;
    if (lv > BS_LOG_DEBUG)
        lv = BS_LOG_DEBUG;
    if (!bs_log_enabled(lv))
        return;
    char small[1024], *msg = small;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(small, sizeof small, fmt, aq);
    va_end(aq);
    if (n < 0)
        return;
    bool cut = false;
    if ((size_t)n >= sizeof small) {
        size_t want = (size_t)n + 1 > BS_LOG_MAX ? BS_LOG_MAX : (size_t)n + 1;
        msg = malloc(want);
        if (msg) {
            vsnprintf(msg, want, fmt, ap);
            cut = (size_t)n + 1 > want;
        } else {
            msg = small;               /* no memory: the first KiB is better than nothing */
            cut = true;
        }
    }
    /* Lines of the message, each with its prefix: "<N>" in the journal (all
     * lines), "name: word: " at a terminal (the first line, unless bare). */
    static const char *const words[8] = { "emergency: ", "alert: ", "critical: ", "error: ", "warning: ", "", "",
                                          "debug: " };
    size_t mlen = strlen(msg), lines = 1;
    for (size_t i = 0; i < mlen; i++)
        lines += msg[i] == '\n';
    size_t cap = mlen + lines * (strlen(prog) + 16) + 8;
    char obuf[1400], *out = cap <= sizeof obuf ? obuf : malloc(cap);
    if (!out) {
        out = obuf;
        cap = sizeof obuf;
    }
    size_t o = 0;
    const char *p = msg, *end = msg + mlen;
    if (mlen && end[-1] == '\n')
        end--;                         /* a trailing newline is the caller's habit, not a blank line */
    for (bool first = true;; first = false) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (journal) {
            char pre[4] = { '<', (char)('0' + lv), '>', 0 };
            o = put(out, o, cap, pre, 3);
        } else if (first && !bare) {
            o = put(out, o, cap, prog, strlen(prog));
            o = put(out, o, cap, ": ", 2);
            o = put(out, o, cap, words[lv], strlen(words[lv]));
        }
        o = put(out, o, cap, p, (size_t)(stop - p));
        if (!nl && cut)
            o = put(out, o, cap, "...", 3);
        if (o < cap)
            out[o++] = '\n';          /* put() keeps a byte for it */
        if (!nl)
            break;
        p = nl + 1;
    }
    write_all(out, o);
    if (out != obuf)
        free(out);
    if (msg != small)
        free(msg);
}

void bs_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bs_vlog(level, fmt, ap);
    va_end(ap);
}
