/* Keel's only C: long double arithmetic and C-library number conversions that Redis clients
 * can observe and that Rust cannot reproduce natively.
 *
 * INCRBYFLOAT and HINCRBYFLOAT compute in `long double` (x87 80-bit extended precision on
 * x86-64) and print with `%.17Lf`; the digits a client sees depend on that precision, and Rust
 * has no 80-bit float. The parsing rules below are Redis 7.0's `string2ld` and `string2d`
 * (util.c) and the formatting is `ld2string(..., LD_STR_HUMAN)`.
 *
 * No function here allocates, keeps state or touches anything but its arguments and errno. */

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Redis's MAX_LONG_DOUBLE_CHARS: longest accepted input and the output buffer size. */
#define KEEL_MAX_LONG_DOUBLE_CHARS (5 * 1024)

#define KEEL_LD_ERR_CURRENT (-1)   /* the current value is not a valid float */
#define KEEL_LD_ERR_INCR (-2)      /* the increment is not a valid float */
#define KEEL_LD_ERR_NAN_INF (-3)   /* the result would be NaN or infinite */
#define KEEL_LD_ERR_NO_ROOM (-4)   /* the output buffer is too small */

/* Redis's string2ld: 1 and the value on success, 0 if `s` is not a valid long double. */
static int keel_string2ld_impl(const char *s, size_t slen, long double *dp) {
    char buf[KEEL_MAX_LONG_DOUBLE_CHARS];
    long double value;
    char *eptr;

    if (slen == 0 || slen >= sizeof(buf)) return 0;
    memcpy(buf, s, slen);
    buf[slen] = '\0';

    errno = 0;
    value = strtold(buf, &eptr);
    if (isspace((unsigned char)buf[0]) || eptr[0] != '\0' || (size_t)(eptr - buf) != slen ||
        (errno == ERANGE && (value == HUGE_VAL || value == -HUGE_VAL || value == 0)) ||
        errno == EINVAL || isnan(value))
        return 0;
    *dp = value;
    return 1;
}

/* Redis's ld2string with LD_STR_HUMAN: "%.17Lf", trailing zeros and a trailing '.' removed,
 * "-0" turned into "0". Returns the length, or 0 if `out` is too small. */
static int keel_ld2string_human(long double value, char *out, size_t outcap) {
    int n = snprintf(out, outcap, "%.17Lf", value);
    if (n < 0 || (size_t)n + 1 > outcap) return 0;
    size_t l = (size_t)n;
    if (strchr(out, '.') != NULL) {
        while (l > 0 && out[l - 1] == '0') l--;
        if (l > 0 && out[l - 1] == '.') l--;
    }
    if (l == 2 && out[0] == '-' && out[1] == '0') {
        out[0] = '0';
        l = 1;
    }
    out[l] = '\0';
    return (int)l;
}

/* INCRBYFLOAT: parse `a` (the stored value) and `b` (the increment) as long doubles, add, and
 * format the sum into `out`. Returns the length written or a negative KEEL_LD_ERR_*. */
int keel_ld_add(const char *a, size_t alen, const char *b, size_t blen, char *out, size_t outcap) {
    long double va, vb;
    if (!keel_string2ld_impl(a, alen, &va)) return KEEL_LD_ERR_CURRENT;
    if (!keel_string2ld_impl(b, blen, &vb)) return KEEL_LD_ERR_INCR;
    long double sum = va + vb;
    if (isnan(sum) || isinf(sum)) return KEEL_LD_ERR_NAN_INF;
    int n = keel_ld2string_human(sum, out, outcap);
    return n > 0 ? n : KEEL_LD_ERR_NO_ROOM;
}

/* string2ld for callers that only need validity and an approximation: 1 and `*dp` = the value
 * rounded to double, or 0. */
int keel_string2ld(const char *s, size_t slen, double *dp) {
    long double v;
    if (!keel_string2ld_impl(s, slen, &v)) return 0;
    *dp = (double)v;
    return 1;
}

/* Redis's string2d on a NUL-terminated copy `s` of `slen` bytes: 1 and the value, or 0. */
int keel_strtod(const char *s, size_t slen, double *dp) {
    char *eptr;
    errno = 0;
    double v = strtod(s, &eptr);
    if (slen == 0 || isspace((unsigned char)s[0]) || (size_t)(eptr - s) != slen ||
        (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) ||
        isnan(v))
        return 0;
    *dp = v;
    return 1;
}

/* printf("%.17g"): the reference the Rust formatter is tested against. */
int keel_format_g17(double v, char *out, size_t outcap) {
    return snprintf(out, outcap, "%.17g", v);
}
