/*
 * processor/sources/timeparse.c - lg_parse_time (declared in source.h).
 *
 * No libc time functions: the civil date is turned into days since the
 * epoch arithmetically (proleptic Gregorian calendar, eras of 400 years).
 */
#include "processor/sources/source.h"

#include <stdbool.h>
#include <stdint.h>

/* Days from 1970-01-01 to y-m-d. The year is shifted to start in March so
 * that the leap day is the last day of the shifted year. */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                         /* [0, 399] */
    int64_t mp = (m + 9) % 12;                           /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;            /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static bool is_leap(int64_t y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m) {
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Reads exactly n digits at s[*i]. */
static bool digits(const char *s, size_t len, size_t *i, int n, int *out) {
    int v = 0;
    for (int k = 0; k < n; k++) {
        if (*i >= len || s[*i] < '0' || s[*i] > '9')
            return false;
        v = v * 10 + (s[*i] - '0');
        (*i)++;
    }
    *out = v;
    return true;
}

/* Reads the digits of a fraction at s[*i] (after the separator) as
 * milliseconds; at least one digit, extra precision ignored. */
static bool fraction(const char *s, size_t len, size_t *i, int *ms) {
    int nf = 0, scale = 100, v = 0;
    for (; *i < len && s[*i] >= '0' && s[*i] <= '9'; (*i)++, nf++) {
        v += (s[*i] - '0') * scale;
        scale /= 10;
    }
    *ms = v;
    return nf > 0;
}

static bool parse_epoch(const char *s, size_t n, int64_t *ms) {
    size_t i = 0;
    int64_t ip = 0;
    int ndig = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (++ndig > 16)
            return false;
        ip = ip * 10 + (s[i] - '0');
    }
    if (ndig == 0)
        return false;
    int frac_ms = 0;
    if (i < n && s[i] == '.') {
        i++;
        if (!fraction(s, n, &i, &frac_ms))
            return false;
    }
    if (i != n)
        return false;
    if (ip < 100000000000LL) /* below 1e11: seconds */
        *ms = ip * 1000 + frac_ms;
    else
        *ms = ip;
    return true;
}

bool lg_parse_time(const char *s, size_t n, int64_t *ms) {
    if (!s)
        return false;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    while (n && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    if (n == 0)
        return false;
    if (n < 10 || s[4] != '-')
        return parse_epoch(s, n, ms);

    size_t i = 0;
    int y, mo, d, h, mi, sec = 0;
    if (!digits(s, n, &i, 4, &y) || s[i++] != '-' || !digits(s, n, &i, 2, &mo) || i >= n ||
        s[i++] != '-' || !digits(s, n, &i, 2, &d))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return false;
    if (i >= n || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
        return false;
    i++;
    if (!digits(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || !digits(s, n, &i, 2, &mi))
        return false;
    if (i < n && s[i] == ':') {
        i++;
        if (!digits(s, n, &i, 2, &sec))
            return false;
    }
    if (h > 23 || mi > 59 || sec > 60)
        return false;
    int frac = 0;
    if (i < n && (s[i] == '.' || s[i] == ',')) {
        i++;
        if (!fraction(s, n, &i, &frac))
            return false;
    }
    int64_t off_s = 0;
    if (i < n) {
        char c = s[i++];
        if (c == 'Z' || c == 'z') {
            /* UTC */
        } else if (c == '+' || c == '-') {
            int oh, om = 0;
            if (!digits(s, n, &i, 2, &oh))
                return false;
            if (i < n && s[i] == ':')
                i++;
            if (i < n && !digits(s, n, &i, 2, &om))
                return false;
            if (oh > 23 || om > 59)
                return false;
            off_s = (int64_t)(oh * 3600 + om * 60) * (c == '-' ? -1 : 1);
        } else {
            return false;
        }
        if (i != n)
            return false;
    }
    int64_t days = days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - off_s;
    *ms = secs * 1000 + frac;
    return true;
}
