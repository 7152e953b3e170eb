/* The native runtime's kernel: a character BiLSTM tagger's forward pass, int8 x int8 -> int32.
 *
 * `segmenter/native.py` prepares the arrays (quantised weights in the layout below, the character
 * and standard embeddings' input projections folded into float tables) and calls `build` once and
 * `forward` once a batch. Every number a row's scores depend on is computed from that row alone,
 * in a fixed order, with fixed quantisation scales: a text gets the same scores whatever it is
 * batched with, whichever instruction set runs it (AVX-512 VNNI or plain C: integer sums are exact,
 * and the float operations are the same IEEE operations in the same order; the file is compiled
 * with -ffp-contract=off so that no multiply-add is fused in one path and not in the other).
 *
 * Quantisation:
 * - a bigram embedding row: int8 with one float scale per row (the shipped files store them so);
 * - weights: int8 with one float scale per output (column);
 * - a recurrent layer's output h = o * tanh(c), in (-1, 1): int8 with the fixed scale 1/127.
 * Inputs enter the integer dot products as unsigned bytes (value + 128); the 128 * sum of each
 * column's weights is subtracted after (`comp`), so the sums are exactly sum(x * w).
 *
 * Weight layout ("QMat"): for k inputs (padded to a multiple of 4) and g outputs (padded to a
 * multiple of 16), bytes [k / 4][g][4]: the 4 weights of inputs 4j..4j+3 for output o are
 * contiguous, which is what one VPDPBUSD lane multiplies with 4 input bytes.
 *
 * Gates are in torch's order (i, f, g, o). tanh is a [7/6] rational approximation, x P(x^2) / Q(x^2)
 * on [-7.905, 7.905] and +-1 past it, within 2.6e-6 of tanh (a least-squares fit weighted towards
 * the largest error; a quarter fewer operations than Eigen's [13/6] `generic_fast_tanh_float`, and
 * far inside the 1/254 rounding of the int8 h that follows); sigmoid(x) = 0.5 tanh(0.5 x) + 0.5.
 */
#define PY_SSIZE_T_CLEAN
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030B0000
#endif
#include <Python.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define HAVE_X86 1
#include <immintrin.h>
#else
#define HAVE_X86 0
#endif

#define MAX_LAYERS 8
/* the largest hidden size and bigram dimension `build` takes: a product's inputs are then at most
 * 2 x 8192, and its int32 sums (at most 16384 x 255 x 127 plus the compensation) cannot overflow */
#define MAX_WIDTH 8192
#define MAX_OUTPUTS 65536

typedef struct {
    int k, kp, g, gp;   /* inputs, inputs padded to 4; outputs, outputs padded to 16 */
    int8_t *w;          /* [kp / 4][gp][4] */
    float *scale;       /* [gp]: the column's weight scale times the input's fixed scale, if any */
    int32_t *comp;      /* [gp]: 128 * sum of the column's weights */
} QMat;

typedef struct {
    QMat wx[2];         /* layers after the first: the previous layer's 2H outputs -> 4H gates */
    QMat wh[2];         /* H -> 4H gates */
    float *bias[2];     /* [4H], layers after the first (the first layer's is in `stdtab`) */
} Layer;

typedef struct {
    int layers, hidden, n_units, n_std, n_feat, n_bigrams, bdim, bdim_p, n_out;
    float *chartab;     /* [n_units][2][4H] */
    float *stdtab;      /* [n_std][2][4H], with the first layer's biases */
    float *feattab;     /* [n_feat][2][4H] */
    int8_t *bigq;       /* [n_bigrams][bdim_p] */
    float *bigs;        /* [n_bigrams] */
    QMat left, right;   /* the left and right bigram embeddings -> the 2 x 4H gates of both directions */
    Layer layer[MAX_LAYERS];
    QMat out;           /* 2H -> n_out */
    QMat seg;           /* 2H -> the first 4 outputs alone (a factored head's BMES scores), or w NULL */
    float *out_b;       /* [n_out] */
} Model;

/* ------------------------------------------------------------------ arithmetic */

static inline float tanh_approx(float x) {
    const float clamp = 7.90531110763549805f;
    /* written as _mm512_max_ps and _mm512_min_ps compute (the second operand where x is NaN): a NaN
     * is clamped to -clamp on every instruction set, not NaN in C and -clamp in tanh16 */
    x = x > -clamp ? x : -clamp;
    x = x < clamp ? x : clamp;
    const float x2 = x * x;
    float p = x2 * 3.458354740359937e-06f + 0.002171470317989588f;
    p = x2 * p + 0.12180629372596741f;
    p = x2 * p + 0.9999898076057434f;
    p = x * p;
    float q = x2 * 0.0001311641972279176f + 0.020571477711200714f;
    q = x2 * q + 0.45510703325271606f;
    q = x2 * q + 1.0f;
    return p / q;
}

static inline float sigmoid_approx(float x) {
    return 0.5f * tanh_approx(0.5f * x) + 0.5f;
}

/* round to the nearest integer, ties to even (|v| <= 2^22), as an unsigned byte + 128 */
static inline uint8_t quantise_unit(float h) {
    float v = h * 127.0f;
    v = (v + 12582912.0f) - 12582912.0f;
    int q = (int)v;
    q = q < -127 ? -127 : (q > 127 ? 127 : q);
    return (uint8_t)(q + 128);
}

/* One LSTM step of one direction: gates (4H, pre-activation, overwritten), c (H) updated, h as
 * bytes into hq (H). The same loop is compiled for every instruction set below. */
#define LSTM_CELL_BODY                                                        \
    for (int j = 0; j < H; j++) {                                             \
        float ig = sigmoid_approx(gates[j]);                                  \
        float fg = sigmoid_approx(gates[H + j]);                              \
        float gg = tanh_approx(gates[2 * H + j]);                             \
        float og = sigmoid_approx(gates[3 * H + j]);                          \
        float cj = fg * c[j] + ig * gg;                                       \
        c[j] = cj;                                                            \
        hq[j] = quantise_unit(og * tanh_approx(cj));                          \
    }

/* acc[o] = sum_j x[j] * w[j][o] - comp[o], o < gp, for x of kp unsigned bytes */
#define QMATVEC_PLAIN_BODY                                                    \
    const int gp = m->gp, kq = m->kp / 4;                                     \
    for (int o = 0; o < gp; o++) acc[o] = -m->comp[o];                        \
    for (int j = 0; j < kq; j++) {                                            \
        const int8_t *w = m->w + (size_t)j * gp * 4;                          \
        const int32_t x0 = x[4 * j], x1 = x[4 * j + 1], x2 = x[4 * j + 2], x3 = x[4 * j + 3]; \
        for (int o = 0; o < gp; o++)                                          \
            acc[o] += x0 * w[4 * o] + x1 * w[4 * o + 1] + x2 * w[4 * o + 2] + x3 * w[4 * o + 3]; \
    }

/* The portable kernels, compiled once as they are and once for AVX2 (the compiler vectorises
 * the loops): the one-matrix product, two products and four (m1 x1, m2 x2, m1 x3, m2 x4: two
 * positions' left and right bigrams) as calls of it, and the LSTM cell. */
#define DEFINE_PORTABLE(SUFFIX, ATTR)                                                                 \
    ATTR static void qmatvec_##SUFFIX(const QMat *m, const uint8_t *x, int32_t *acc) { QMATVEC_PLAIN_BODY } \
    ATTR static void qmatvec2_##SUFFIX(const QMat *m1, const uint8_t *x1, int32_t *acc1, const QMat *m2,   \
                                       const uint8_t *x2, int32_t *acc2) {                               \
        qmatvec_##SUFFIX(m1, x1, acc1);                                                                   \
        qmatvec_##SUFFIX(m2, x2, acc2);                                                                   \
    }                                                                                                     \
    ATTR static void qmatvec4_##SUFFIX(const QMat *m1, const QMat *m2, const uint8_t *x1, const uint8_t *x2, \
                                       const uint8_t *x3, const uint8_t *x4, int32_t *a1, int32_t *a2,     \
                                       int32_t *a3, int32_t *a4) {                                       \
        qmatvec2_##SUFFIX(m1, x1, a1, m2, x2, a2);                                                        \
        qmatvec2_##SUFFIX(m1, x3, a3, m2, x4, a4);                                                        \
    }                                                                                                     \
    ATTR static void lstm_cell_##SUFFIX(float *gates, float *c, uint8_t *hq, int H) { LSTM_CELL_BODY }

DEFINE_PORTABLE(plain, )

#if HAVE_X86
DEFINE_PORTABLE(avx2, __attribute__((target("avx2,fma"))))

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

VNNI_TARGET
static void qmatvec_vnni(const QMat *m, const uint8_t *x, int32_t *acc) {
    const int gp = m->gp, kq = m->kp / 4, blocks = gp / 16;
    int b = 0;
    for (; b + 8 <= blocks; b += 8) {
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        const int8_t *w = m->w + (size_t)b * 64;
        for (int j = 0; j < kq; j++, w += (size_t)gp * 4) {
            int32_t xj;
            memcpy(&xj, x + 4 * j, 4);
            const __m512i xv = _mm512_set1_epi32(xj);
            a0 = _mm512_dpbusd_epi32(a0, xv, _mm512_loadu_si512(w));
            a1 = _mm512_dpbusd_epi32(a1, xv, _mm512_loadu_si512(w + 64));
            a2 = _mm512_dpbusd_epi32(a2, xv, _mm512_loadu_si512(w + 128));
            a3 = _mm512_dpbusd_epi32(a3, xv, _mm512_loadu_si512(w + 192));
            a4 = _mm512_dpbusd_epi32(a4, xv, _mm512_loadu_si512(w + 256));
            a5 = _mm512_dpbusd_epi32(a5, xv, _mm512_loadu_si512(w + 320));
            a6 = _mm512_dpbusd_epi32(a6, xv, _mm512_loadu_si512(w + 384));
            a7 = _mm512_dpbusd_epi32(a7, xv, _mm512_loadu_si512(w + 448));
        }
        const int32_t *cp = m->comp + b * 16;
        int32_t *out = acc + b * 16;
        _mm512_storeu_si512(out, _mm512_sub_epi32(a0, _mm512_loadu_si512(cp)));
        _mm512_storeu_si512(out + 16, _mm512_sub_epi32(a1, _mm512_loadu_si512(cp + 16)));
        _mm512_storeu_si512(out + 32, _mm512_sub_epi32(a2, _mm512_loadu_si512(cp + 32)));
        _mm512_storeu_si512(out + 48, _mm512_sub_epi32(a3, _mm512_loadu_si512(cp + 48)));
        _mm512_storeu_si512(out + 64, _mm512_sub_epi32(a4, _mm512_loadu_si512(cp + 64)));
        _mm512_storeu_si512(out + 80, _mm512_sub_epi32(a5, _mm512_loadu_si512(cp + 80)));
        _mm512_storeu_si512(out + 96, _mm512_sub_epi32(a6, _mm512_loadu_si512(cp + 96)));
        _mm512_storeu_si512(out + 112, _mm512_sub_epi32(a7, _mm512_loadu_si512(cp + 112)));
    }
    for (; b + 4 <= blocks; b += 4) {  /* four chains in flight, not one (the tag layer: 64 outputs) */
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
        const int8_t *w = m->w + (size_t)b * 64;
        for (int j = 0; j < kq; j++, w += (size_t)gp * 4) {
            int32_t xj;
            memcpy(&xj, x + 4 * j, 4);
            const __m512i xv = _mm512_set1_epi32(xj);
            a0 = _mm512_dpbusd_epi32(a0, xv, _mm512_loadu_si512(w));
            a1 = _mm512_dpbusd_epi32(a1, xv, _mm512_loadu_si512(w + 64));
            a2 = _mm512_dpbusd_epi32(a2, xv, _mm512_loadu_si512(w + 128));
            a3 = _mm512_dpbusd_epi32(a3, xv, _mm512_loadu_si512(w + 192));
        }
        const int32_t *cp = m->comp + b * 16;
        int32_t *out = acc + b * 16;
        _mm512_storeu_si512(out, _mm512_sub_epi32(a0, _mm512_loadu_si512(cp)));
        _mm512_storeu_si512(out + 16, _mm512_sub_epi32(a1, _mm512_loadu_si512(cp + 16)));
        _mm512_storeu_si512(out + 32, _mm512_sub_epi32(a2, _mm512_loadu_si512(cp + 32)));
        _mm512_storeu_si512(out + 48, _mm512_sub_epi32(a3, _mm512_loadu_si512(cp + 48)));
    }
    for (; b < blocks; b++) {
        __m512i a0 = _mm512_setzero_si512();
        const int8_t *w = m->w + (size_t)b * 64;
        for (int j = 0; j < kq; j++, w += (size_t)gp * 4) {
            int32_t xj;
            memcpy(&xj, x + 4 * j, 4);
            a0 = _mm512_dpbusd_epi32(a0, _mm512_set1_epi32(xj), _mm512_loadu_si512(w));
        }
        _mm512_storeu_si512(acc + b * 16, _mm512_sub_epi32(a0, _mm512_loadu_si512(m->comp + b * 16)));
    }
}

/* Two independent products at once (the forward and the backward direction's recurrences): twice
 * the independent work in flight for each step's chain of dependent instructions. */
VNNI_TARGET
static void qmatvec2_vnni(const QMat *m1, const uint8_t *x1, int32_t *acc1, const QMat *m2, const uint8_t *x2,
                          int32_t *acc2) {
    if (m1->gp != m2->gp || m1->kp != m2->kp || m1->gp % 128) {
        qmatvec_vnni(m1, x1, acc1);
        qmatvec_vnni(m2, x2, acc2);
        return;
    }
    const int gp = m1->gp, kq = m1->kp / 4, blocks = gp / 16;
    for (int b = 0; b < blocks; b += 8) {
        __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        __m512i c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        const int8_t *w = m1->w + (size_t)b * 64, *v = m2->w + (size_t)b * 64;
        for (int j = 0; j < kq; j++, w += (size_t)gp * 4, v += (size_t)gp * 4) {
            int32_t xj, yj;
            memcpy(&xj, x1 + 4 * j, 4);
            memcpy(&yj, x2 + 4 * j, 4);
            const __m512i xv = _mm512_set1_epi32(xj), yv = _mm512_set1_epi32(yj);
            a0 = _mm512_dpbusd_epi32(a0, xv, _mm512_loadu_si512(w));
            c0 = _mm512_dpbusd_epi32(c0, yv, _mm512_loadu_si512(v));
            a1 = _mm512_dpbusd_epi32(a1, xv, _mm512_loadu_si512(w + 64));
            c1 = _mm512_dpbusd_epi32(c1, yv, _mm512_loadu_si512(v + 64));
            a2 = _mm512_dpbusd_epi32(a2, xv, _mm512_loadu_si512(w + 128));
            c2 = _mm512_dpbusd_epi32(c2, yv, _mm512_loadu_si512(v + 128));
            a3 = _mm512_dpbusd_epi32(a3, xv, _mm512_loadu_si512(w + 192));
            c3 = _mm512_dpbusd_epi32(c3, yv, _mm512_loadu_si512(v + 192));
            a4 = _mm512_dpbusd_epi32(a4, xv, _mm512_loadu_si512(w + 256));
            c4 = _mm512_dpbusd_epi32(c4, yv, _mm512_loadu_si512(v + 256));
            a5 = _mm512_dpbusd_epi32(a5, xv, _mm512_loadu_si512(w + 320));
            c5 = _mm512_dpbusd_epi32(c5, yv, _mm512_loadu_si512(v + 320));
            a6 = _mm512_dpbusd_epi32(a6, xv, _mm512_loadu_si512(w + 384));
            c6 = _mm512_dpbusd_epi32(c6, yv, _mm512_loadu_si512(v + 384));
            a7 = _mm512_dpbusd_epi32(a7, xv, _mm512_loadu_si512(w + 448));
            c7 = _mm512_dpbusd_epi32(c7, yv, _mm512_loadu_si512(v + 448));
        }
        const int32_t *p = m1->comp + b * 16, *q = m2->comp + b * 16;
        int32_t *o = acc1 + b * 16, *r = acc2 + b * 16;
#define STORE2(k, A, C)                                                                         \
        _mm512_storeu_si512(o + 16 * k, _mm512_sub_epi32(A, _mm512_loadu_si512(p + 16 * k))); \
        _mm512_storeu_si512(r + 16 * k, _mm512_sub_epi32(C, _mm512_loadu_si512(q + 16 * k)));
        STORE2(0, a0, c0) STORE2(1, a1, c1) STORE2(2, a2, c2) STORE2(3, a3, c3)
        STORE2(4, a4, c4) STORE2(5, a5, c5) STORE2(6, a6, c6) STORE2(7, a7, c7)
#undef STORE2
    }
}

/* Two matrices times two inputs each (two positions' left and right bigrams): each weight block
 * loaded once for both positions, half the weight traffic of two `qmatvec2_vnni` calls. */
VNNI_TARGET
static void qmatvec4_vnni(const QMat *m1, const QMat *m2, const uint8_t *x1, const uint8_t *x2, const uint8_t *x3,
                          const uint8_t *x4, int32_t *a1, int32_t *a2, int32_t *a3, int32_t *a4) {
    if (m1->gp != m2->gp || m1->kp != m2->kp || m1->gp % 64) {
        qmatvec2_vnni(m1, x1, a1, m2, x2, a2);
        qmatvec2_vnni(m1, x3, a3, m2, x4, a4);
        return;
    }
    const int gp = m1->gp, kq = m1->kp / 4, blocks = gp / 16;
    for (int b = 0; b < blocks; b += 4) {
        __m512i p0 = _mm512_setzero_si512(), p1 = p0, p2 = p0, p3 = p0, q0 = p0, q1 = p0, q2 = p0, q3 = p0;
        __m512i r0 = p0, r1 = p0, r2 = p0, r3 = p0, s0 = p0, s1 = p0, s2 = p0, s3 = p0;
        const int8_t *w = m1->w + (size_t)b * 64, *v = m2->w + (size_t)b * 64;
        for (int j = 0; j < kq; j++, w += (size_t)gp * 4, v += (size_t)gp * 4) {
            int32_t e1, e2, e3, e4;
            memcpy(&e1, x1 + 4 * j, 4);
            memcpy(&e2, x2 + 4 * j, 4);
            memcpy(&e3, x3 + 4 * j, 4);
            memcpy(&e4, x4 + 4 * j, 4);
            const __m512i X1 = _mm512_set1_epi32(e1), X2 = _mm512_set1_epi32(e2), X3 = _mm512_set1_epi32(e3),
                          X4 = _mm512_set1_epi32(e4);
            __m512i wk = _mm512_loadu_si512(w), vk = _mm512_loadu_si512(v);
            p0 = _mm512_dpbusd_epi32(p0, X1, wk); r0 = _mm512_dpbusd_epi32(r0, X3, wk);
            q0 = _mm512_dpbusd_epi32(q0, X2, vk); s0 = _mm512_dpbusd_epi32(s0, X4, vk);
            wk = _mm512_loadu_si512(w + 64); vk = _mm512_loadu_si512(v + 64);
            p1 = _mm512_dpbusd_epi32(p1, X1, wk); r1 = _mm512_dpbusd_epi32(r1, X3, wk);
            q1 = _mm512_dpbusd_epi32(q1, X2, vk); s1 = _mm512_dpbusd_epi32(s1, X4, vk);
            wk = _mm512_loadu_si512(w + 128); vk = _mm512_loadu_si512(v + 128);
            p2 = _mm512_dpbusd_epi32(p2, X1, wk); r2 = _mm512_dpbusd_epi32(r2, X3, wk);
            q2 = _mm512_dpbusd_epi32(q2, X2, vk); s2 = _mm512_dpbusd_epi32(s2, X4, vk);
            wk = _mm512_loadu_si512(w + 192); vk = _mm512_loadu_si512(v + 192);
            p3 = _mm512_dpbusd_epi32(p3, X1, wk); r3 = _mm512_dpbusd_epi32(r3, X3, wk);
            q3 = _mm512_dpbusd_epi32(q3, X2, vk); s3 = _mm512_dpbusd_epi32(s3, X4, vk);
        }
        const int32_t *c1 = m1->comp + b * 16, *c2 = m2->comp + b * 16;
#define STORE4(k, P, Q, R, S)                                                                              \
        _mm512_storeu_si512(a1 + b * 16 + 16 * k, _mm512_sub_epi32(P, _mm512_loadu_si512(c1 + 16 * k))); \
        _mm512_storeu_si512(a2 + b * 16 + 16 * k, _mm512_sub_epi32(Q, _mm512_loadu_si512(c2 + 16 * k))); \
        _mm512_storeu_si512(a3 + b * 16 + 16 * k, _mm512_sub_epi32(R, _mm512_loadu_si512(c1 + 16 * k))); \
        _mm512_storeu_si512(a4 + b * 16 + 16 * k, _mm512_sub_epi32(S, _mm512_loadu_si512(c2 + 16 * k)));
        STORE4(0, p0, q0, r0, s0) STORE4(1, p1, q1, r1, s1) STORE4(2, p2, q2, r2, s2) STORE4(3, p3, q3, r3, s3)
#undef STORE4
    }
}

/* tanh_approx, sigmoid_approx and quantise_unit on 16 lanes: the same IEEE operations in the
 * same order as the scalar functions above, so the same numbers. */
VNNI_TARGET
static inline __m512 tanh16(__m512 x) {
    const __m512 clamp = _mm512_set1_ps(7.90531110763549805f);
    x = _mm512_max_ps(x, _mm512_sub_ps(_mm512_setzero_ps(), clamp));
    x = _mm512_min_ps(x, clamp);
    const __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_add_ps(_mm512_mul_ps(x2, _mm512_set1_ps(3.458354740359937e-06f)),
                             _mm512_set1_ps(0.002171470317989588f));
    p = _mm512_add_ps(_mm512_mul_ps(x2, p), _mm512_set1_ps(0.12180629372596741f));
    p = _mm512_add_ps(_mm512_mul_ps(x2, p), _mm512_set1_ps(0.9999898076057434f));
    p = _mm512_mul_ps(x, p);
    __m512 q = _mm512_add_ps(_mm512_mul_ps(x2, _mm512_set1_ps(0.0001311641972279176f)),
                             _mm512_set1_ps(0.020571477711200714f));
    q = _mm512_add_ps(_mm512_mul_ps(x2, q), _mm512_set1_ps(0.45510703325271606f));
    q = _mm512_add_ps(_mm512_mul_ps(x2, q), _mm512_set1_ps(1.0f));
    return _mm512_div_ps(p, q);
}

VNNI_TARGET
static inline __m512 sigmoid16(__m512 x) {
    const __m512 half = _mm512_set1_ps(0.5f);
    return _mm512_add_ps(_mm512_mul_ps(half, tanh16(_mm512_mul_ps(half, x))), half);
}

VNNI_TARGET
static void lstm_cell_vnni(float *gates, float *c, uint8_t *hq, int H) {
    int j = 0;
    const __m512 magic = _mm512_set1_ps(12582912.0f), k127 = _mm512_set1_ps(127.0f);
    const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127), off = _mm512_set1_epi32(128);
    for (; j + 16 <= H; j += 16) {
        const __m512 ig = sigmoid16(_mm512_loadu_ps(gates + j));
        const __m512 fg = sigmoid16(_mm512_loadu_ps(gates + H + j));
        const __m512 gg = tanh16(_mm512_loadu_ps(gates + 2 * H + j));
        const __m512 og = sigmoid16(_mm512_loadu_ps(gates + 3 * H + j));
        const __m512 cj = _mm512_add_ps(_mm512_mul_ps(fg, _mm512_loadu_ps(c + j)), _mm512_mul_ps(ig, gg));
        _mm512_storeu_ps(c + j, cj);
        __m512 v = _mm512_mul_ps(_mm512_mul_ps(og, tanh16(cj)), k127);
        v = _mm512_sub_ps(_mm512_add_ps(v, magic), magic);
        __m512i q = _mm512_cvttps_epi32(v);
        q = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, lo), hi), off);
        _mm_storeu_si128((__m128i *)(hq + j), _mm512_cvtepi32_epi8(q));
    }
    for (; j < H; j++) {
        float ig = sigmoid_approx(gates[j]);
        float fg = sigmoid_approx(gates[H + j]);
        float gg = tanh_approx(gates[2 * H + j]);
        float og = sigmoid_approx(gates[3 * H + j]);
        float cj = fg * c[j] + ig * gg;
        c[j] = cj;
        hq[j] = quantise_unit(og * tanh_approx(cj));
    }
}
#endif

/* ------------------------------------------------------------------ the forward pass */

/* Scores of one row of n units: ids `chars` (n), `bigrams` (n + 1), features (n, n_feat) or NULL,
 * into out (n, n_out). Work space: pre (n, 2, 4H) floats, hs (n, hrow) bytes twice, acc. */
#define DEFINE_FORWARD_ROW(NAME, ATTR, QMATVEC, QMATVEC2, QMATVEC4, CELL)                             \
ATTR static void NAME(const Model *M, const int64_t *chars, const int64_t *bigrams, const float *feats,        \
                        int64_t std, int n, const QMat *om, int n_o, float *out, float *pre, uint8_t *hin,     \
                        uint8_t *hout, int32_t *acc, int32_t *acc2, float *c, uint8_t *bq) {                   \
    const int H = M->hidden, G = 4 * H;                                                                        \
    const int hw = M->out.kp;  /* bytes per position of a layer's output (2H, padded to 4) */                  \
    const float *stdrow = M->stdtab + (size_t)std * 2 * G;                                                     \
    /* the first layer's input projections, one pass over each position's gates: the unit's and the            \
     * standard's rows, the dictionary features that are set, the two bigrams' products */                     \
    const float *ls = M->left.scale, *rs = M->right.scale;                                                     \
    const size_t gmax = (size_t)(2 * G > M->out.gp ? 2 * G : M->out.gp) + 16;                                  \
    int32_t *acc3 = acc2 + gmax, *acc4 = acc2 + 2 * gmax;  /* the second position's products */                \
    for (int t0 = 0; t0 < n; t0 += 2) {  /* two positions at a time: their bigram products together */         \
        const int pair = t0 + 1 < n;                                                                           \
        if (M->bdim) {                                                                                         \
            for (int u = 0; u <= pair; u++) {                                                                  \
                const int8_t *ql = M->bigq + (size_t)bigrams[t0 + u] * M->bdim_p;                              \
                const int8_t *qr = M->bigq + (size_t)bigrams[t0 + u + 1] * M->bdim_p;                          \
                uint8_t *x = bq + (size_t)u * 2 * M->bdim_p;                                                   \
                for (int j = 0; j < M->bdim_p; j++) x[j] = (uint8_t)(ql[j] + 128);                             \
                for (int j = 0; j < M->bdim_p; j++) x[M->bdim_p + j] = (uint8_t)(qr[j] + 128);                 \
            }                                                                                                  \
            if (pair)                                                                                          \
                QMATVEC4(&M->left, &M->right, bq, bq + M->bdim_p, bq + 2 * M->bdim_p, bq + 3 * M->bdim_p, acc, acc2, \
                         acc3, acc4);                                                                          \
            else                                                                                               \
                QMATVEC2(&M->left, bq, acc, &M->right, bq + M->bdim_p, acc2);                                  \
        }                                                                                                      \
        for (int u = 0; u <= pair; u++) {                                                                      \
            const int t = t0 + u;                                                                              \
            const int32_t *al = u ? acc3 : acc, *ar = u ? acc4 : acc2;                                         \
            float *p = pre + (size_t)t * 2 * G;                                                                \
            const float *cr = M->chartab + (size_t)chars[t] * 2 * G;                                           \
            const float *f1 = NULL, *f2 = NULL;                                                                \
            float v1 = 0.0f, v2 = 0.0f;                                                                        \
            int nf = 0;                                                                                        \
            for (int f = 0; f < M->n_feat && feats; f++) {                                                     \
                const float v = feats[(size_t)t * M->n_feat + f];                                              \
                if (v != 0.0f) {                                                                               \
                    if (nf == 0) { f1 = M->feattab + (size_t)f * 2 * G; v1 = v; }                              \
                    else if (nf == 1) { f2 = M->feattab + (size_t)f * 2 * G; v2 = v; }                         \
                    nf++;                                                                                      \
                }                                                                                              \
            }                                                                                                  \
            const float sl = M->bdim ? M->bigs[bigrams[t]] : 0.0f, sr = M->bdim ? M->bigs[bigrams[t + 1]] : 0.0f; \
            if (nf <= 2 && M->bdim) {  /* the usual case, in one pass */                                       \
                if (nf == 0)                                                                                   \
                    for (int o = 0; o < 2 * G; o++)                                                            \
                        p[o] = (cr[o] + stdrow[o]) + (ls[o] * sl) * (float)al[o] + (rs[o] * sr) * (float)ar[o]; \
                else if (nf == 1)                                                                              \
                    for (int o = 0; o < 2 * G; o++)                                                            \
                        p[o] = ((cr[o] + stdrow[o]) + v1 * f1[o]) + (ls[o] * sl) * (float)al[o] +              \
                               (rs[o] * sr) * (float)ar[o];                                                    \
                else                                                                                           \
                    for (int o = 0; o < 2 * G; o++)                                                            \
                        p[o] = (((cr[o] + stdrow[o]) + v1 * f1[o]) + v2 * f2[o]) + (ls[o] * sl) * (float)al[o] + \
                               (rs[o] * sr) * (float)ar[o];                                                    \
            } else {  /* the same sums, a pass for each part */                                                \
                for (int o = 0; o < 2 * G; o++) p[o] = cr[o] + stdrow[o];                                      \
                for (int f = 0; f < M->n_feat && feats; f++) {                                                 \
                    const float v = feats[(size_t)t * M->n_feat + f];                                          \
                    if (v != 0.0f) {                                                                           \
                        const float *fr = M->feattab + (size_t)f * 2 * G;                                      \
                        for (int o = 0; o < 2 * G; o++) p[o] = p[o] + v * fr[o];                               \
                    }                                                                                          \
                }                                                                                              \
                if (M->bdim)                                                                                   \
                    for (int o = 0; o < 2 * G; o++)                                                            \
                        p[o] = p[o] + (ls[o] * sl) * (float)al[o] + (rs[o] * sr) * (float)ar[o];               \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
    for (int l = 0; l < M->layers; l++) {                                                                      \
        const Layer *L = &M->layer[l];                                                                         \
        if (l > 0) {  /* this layer's input projections, from the previous layer's bytes */                    \
            for (int t = 0; t < n; t++) {                                                                      \
                float *p = pre + (size_t)t * 2 * G;                                                            \
                for (int d = 0; d < 2; d++) {                                                                  \
                    QMATVEC(&L->wx[d], hin + (size_t)t * hw, acc);                                             \
                    const float *s = L->wx[d].scale, *b = L->bias[d];                                          \
                    for (int o = 0; o < G; o++) p[d * G + o] = b[o] + s[o] * (float)acc[o];                    \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        memset(hout, 128, (size_t)n * hw);                                                                     \
        {  /* both directions side by side: step s of the forward pass and of the backward one */              \
            const QMat *whf = &L->wh[0], *whb = &L->wh[1];                                                     \
            uint8_t *hf = bq, *hb = bq + whf->kp;  /* the previous step's h of each, as bytes */               \
            float *cf = c, *cb = c + H;                                                                        \
            memset(hf, 128, (size_t)whf->kp);                                                                  \
            memset(hb, 128, (size_t)whb->kp);                                                                  \
            memset(c, 0, sizeof(float) * 2 * (size_t)H);                                                       \
            for (int s = 0; s < n; s++) {                                                                      \
                const int tf = s, tb = n - 1 - s;                                                              \
                float *gf = pre + (size_t)tf * 2 * G, *gb = pre + (size_t)tb * 2 * G + G;                      \
                QMATVEC2(whf, hf, acc, whb, hb, acc2);                                                         \
                const float *sf = whf->scale, *sb = whb->scale;                                                \
                for (int o = 0; o < G; o++) gf[o] = gf[o] + sf[o] * (float)acc[o];                             \
                for (int o = 0; o < G; o++) gb[o] = gb[o] + sb[o] * (float)acc2[o];                            \
                uint8_t *htf = hout + (size_t)tf * hw, *htb = hout + (size_t)tb * hw + H;                      \
                CELL(gf, cf, htf, H);                                                                          \
                CELL(gb, cb, htb, H);                                                                          \
                memcpy(hf, htf, (size_t)H);                                                                    \
                memcpy(hb, htb, (size_t)H);                                                                    \
            }                                                                                                  \
        }                                                                                                      \
        uint8_t *tmp = hin;                                                                                    \
        hin = hout;                                                                                            \
        hout = tmp;                                                                                            \
    }                                                                                                          \
    /* the tag layer, from the last layer's bytes (now in hin) */                                              \
    for (int t = 0; t < n; t++) {                                                                              \
        QMATVEC(om, hin + (size_t)t * hw, acc);                                                                \
        float *o_row = out + (size_t)t * n_o;                                                                  \
        for (int o = 0; o < n_o; o++) o_row[o] = M->out_b[o] + om->scale[o] * (float)acc[o];                   \
    }                                                                                                          \
}


DEFINE_FORWARD_ROW(forward_row_plain, , qmatvec_plain, qmatvec2_plain, qmatvec4_plain, lstm_cell_plain)
#if HAVE_X86
DEFINE_FORWARD_ROW(forward_row_avx2, __attribute__((target("avx2,fma"))), qmatvec_avx2, qmatvec2_avx2, qmatvec4_avx2, \
                   lstm_cell_avx2)
DEFINE_FORWARD_ROW(forward_row_vnni, VNNI_TARGET, qmatvec_vnni, qmatvec2_vnni, qmatvec4_vnni, lstm_cell_vnni)
#endif

typedef void (*row_fn)(const Model *, const int64_t *, const int64_t *, const float *, int64_t, int, const QMat *,
                       int, float *, float *, uint8_t *, uint8_t *, int32_t *, int32_t *, float *, uint8_t *);
static row_fn forward_row = forward_row_plain;
static const char *isa = "plain";

static void choose_isa(int force_plain) {
    forward_row = forward_row_plain;
    isa = "plain";
#if HAVE_X86
    if (force_plain) return;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl")) {
        forward_row = forward_row_vnni;
        isa = "avx512vnni";
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        forward_row = forward_row_avx2;
        isa = "avx2";
    }
#else
    (void)force_plain;
#endif
}

/* ------------------------------------------------------------------ Python glue */

/* Per-thread work space for `forward`, grown as needed and freed when the thread ends. */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
typedef struct {
    void *p;
    size_t n;
} Scratch;

static void scratch_free(void *v) {
    Scratch *sc = v;
    if (sc) {
        free(sc->p);
        free(sc);
    }
}

static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

static void *scratch(size_t n) {
    pthread_once(&scratch_once, scratch_init);
    Scratch *sc = pthread_getspecific(scratch_key);
    if (!sc) {
        sc = calloc(1, sizeof *sc);
        if (!sc || pthread_setspecific(scratch_key, sc)) {
            free(sc);
            return NULL;
        }
    }
    if (sc->n < n) {
        free(sc->p);
        sc->p = NULL;
        sc->n = 0;
        if (posix_memalign(&sc->p, 64, n)) {
            sc->p = NULL;
            return NULL;
        }
        sc->n = n;
    }
    return sc->p;
}

/* Release buffers a function took (a zeroed buffer, never taken, is left alone). */
static void release(int n, ...) {
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) PyBuffer_Release(va_arg(ap, Py_buffer *));
    va_end(ap);
}

static void *alloc_copy(const Py_buffer *b) {
    void *p = NULL;
    size_t n = (size_t)b->len;
    if (posix_memalign(&p, 64, n ? n : 64)) return NULL;
    if (n) memcpy(p, b->buf, n);
    return p;
}

static void free_qmat(QMat *q) {
    free(q->w);
    free(q->scale);
    free(q->comp);
}

static void free_model(Model *M) {
    if (!M) return;
    free(M->chartab);
    free(M->stdtab);
    free(M->feattab);
    free(M->bigq);
    free(M->bigs);
    for (int d = 0; d < 2; d++) {
        for (int l = 0; l < MAX_LAYERS; l++) {
            free_qmat(&M->layer[l].wx[d]);
            free_qmat(&M->layer[l].wh[d]);
            free(M->layer[l].bias[d]);
        }
    }
    free_qmat(&M->left);
    free_qmat(&M->right);
    free_qmat(&M->out);
    free_qmat(&M->seg);
    free(M->out_b);
    free(M);
}

static void capsule_free(PyObject *cap) {
    free_model((Model *)PyCapsule_GetPointer(cap, "segmenter._native.Model"));
}

/* A buffer's bytes, copied into 64-byte aligned memory; checks the size. */
static int take(PyObject *obj, size_t expect, void **dst, const char *what) {
    Py_buffer b;
    if (PyObject_GetBuffer(obj, &b, PyBUF_C_CONTIGUOUS) < 0) return -1;
    if ((size_t)b.len != expect) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, expected %zu", what, b.len, expect);
        PyBuffer_Release(&b);
        return -1;
    }
    *dst = alloc_copy(&b);
    PyBuffer_Release(&b);
    if (!*dst) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* (k, g, weights bytes, scale float32[gp], comp int32[gp]) -> QMat of k inputs and g outputs, as
 * the model's dimensions say: `forward` sizes its work space and reads the scales from those */
static int take_qmat(PyObject *t, QMat *q, int k, int g, const char *what) {
    PyObject *w, *s, *cp;
    if (!PyArg_ParseTuple(t, "iiOOO", &q->k, &q->g, &w, &s, &cp)) return -1;
    if (q->k != k || q->g != g) {
        PyErr_Format(PyExc_ValueError, "%s: %d inputs and %d outputs, expected %d and %d", what, q->k, q->g, k, g);
        return -1;
    }
    q->kp = (q->k + 3) / 4 * 4;
    q->gp = (q->g + 15) / 16 * 16;
    if (take(w, (size_t)q->kp * q->gp, (void **)&q->w, what) < 0) return -1;
    if (take(s, sizeof(float) * q->gp, (void **)&q->scale, what) < 0) return -1;
    if (take(cp, sizeof(int32_t) * q->gp, (void **)&q->comp, what) < 0) return -1;
    return 0;
}

static PyObject *py_build(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *dims, *chartab, *stdtab, *feattab, *bigq, *bigs, *left, *right, *layers, *out, *out_b, *seg;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOOOO", &dims, &chartab, &stdtab, &feattab, &bigq, &bigs, &left, &right,
                          &layers, &out, &out_b, &seg))
        return NULL;
    Model *M = calloc(1, sizeof(Model));
    if (!M) return PyErr_NoMemory();
    if (!PyArg_ParseTuple(dims, "iiiiiiii", &M->layers, &M->hidden, &M->n_units, &M->n_std, &M->n_feat,
                          &M->n_bigrams, &M->bdim, &M->n_out))
        goto fail;
    if (M->layers < 1 || M->layers > MAX_LAYERS || M->hidden < 1 || M->hidden > MAX_WIDTH || M->n_units < 1 ||
        M->n_std < 1 || M->n_feat < 0 || M->n_bigrams < 0 || M->bdim < 0 || M->bdim > MAX_WIDTH || M->n_out < 0 ||
        M->n_out > MAX_OUTPUTS) {
        PyErr_SetString(PyExc_ValueError, "bad dimensions");
        goto fail;
    }
    const size_t G2 = (size_t)8 * M->hidden;
    M->bdim_p = (M->bdim + 3) / 4 * 4;
    if (take(chartab, sizeof(float) * M->n_units * G2, (void **)&M->chartab, "chartab") < 0) goto fail;
    if (take(stdtab, sizeof(float) * M->n_std * G2, (void **)&M->stdtab, "stdtab") < 0) goto fail;
    if (take(feattab, sizeof(float) * M->n_feat * G2, (void **)&M->feattab, "feattab") < 0) goto fail;
    if (take(bigq, (size_t)M->n_bigrams * M->bdim_p, (void **)&M->bigq, "bigq") < 0) goto fail;
    if (take(bigs, sizeof(float) * M->n_bigrams, (void **)&M->bigs, "bigs") < 0) goto fail;
    const int H = M->hidden;
    if (M->bdim && (take_qmat(left, &M->left, M->bdim, 8 * H, "left") < 0 ||
                    take_qmat(right, &M->right, M->bdim, 8 * H, "right") < 0))
        goto fail;
    for (int l = 0; l < M->layers; l++) {
        PyObject *spec = PySequence_GetItem(layers, l);
        if (!spec) goto fail;
        /* (wx fwd, wx bwd, wh fwd, wh bwd, bias fwd, bias bwd); wx and biases None for layer 0 */
        int bad = 0;
        for (int d = 0; d < 2 && !bad; d++) {
            PyObject *wx = PySequence_GetItem(spec, d), *wh = PySequence_GetItem(spec, 2 + d),
                     *b = PySequence_GetItem(spec, 4 + d);
            bad = !wx || !wh || !b;
            if (!bad && l > 0)
                bad = take_qmat(wx, &M->layer[l].wx[d], 2 * H, 4 * H, "wx") < 0 ||
                      take(b, sizeof(float) * 4 * M->hidden, (void **)&M->layer[l].bias[d], "bias") < 0;
            if (!bad) bad = take_qmat(wh, &M->layer[l].wh[d], H, 4 * H, "wh") < 0;
            Py_XDECREF(wx);
            Py_XDECREF(wh);
            Py_XDECREF(b);
        }
        Py_DECREF(spec);
        if (bad) goto fail;
    }
    if (take_qmat(out, &M->out, 2 * H, M->n_out, "out") < 0) goto fail;
    if (take(out_b, sizeof(float) * M->n_out, (void **)&M->out_b, "out_b") < 0) goto fail;
    if (seg != Py_None && (M->n_out < 4 || take_qmat(seg, &M->seg, 2 * H, 4, "seg") < 0)) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "seg: the first 4 outputs");
        goto fail;
    }
    return PyCapsule_New(M, "segmenter._native.Model", capsule_free);
fail:
    free_model(M);
    return NULL;
}

/* forward(model, chars int64 (b, s), bigrams int64 (b, s + 1), lengths int64 (b,), standards int64 (b,),
 *         features float32 (b, s, n_feat) or None, out float32 (b, s, outputs), b, s, outputs):
 * outputs is n_out, or 4 for a model built with `seg` (a factored head's BMES scores alone). */
static PyObject *py_forward(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *cap, *feat_obj;
    Py_buffer chars, bigrams, lengths, stds, feats = {0}, out;
    int b, s, outputs;
    if (!PyArg_ParseTuple(args, "Oy*y*y*y*Ow*iii", &cap, &chars, &bigrams, &lengths, &stds, &feat_obj, &out, &b, &s,
                          &outputs))
        return NULL;
    PyObject *result = NULL;
    int have_feats = 0;
    const Model *M = PyCapsule_GetPointer(cap, "segmenter._native.Model");
    if (!M) goto done;
    if (feat_obj != Py_None) {
        if (PyObject_GetBuffer(feat_obj, &feats, PyBUF_C_CONTIGUOUS) < 0) goto done;
        have_feats = 1;
    }
    /* b and s small enough that no size below wraps around (a wrapped size could match a small
     * buffer): every array then has fewer than PY_SSIZE_T_MAX bytes */
    const size_t widest = (size_t)(outputs > M->n_feat ? outputs : M->n_feat) + 2;
    if (b < 0 || s < 0 || outputs < 0 || (b && (size_t)s + 1 > (size_t)PY_SSIZE_T_MAX / 8 / widest / (size_t)b)) {
        PyErr_SetString(PyExc_ValueError, "forward: arrays of the wrong size");
        goto done;
    }
    const size_t bs = (size_t)b * s;
    if ((size_t)chars.len != 8 * bs || (size_t)bigrams.len != 8 * (size_t)b * ((size_t)s + 1) ||
        !(outputs == M->n_out || (outputs == 4 && M->seg.w)) ||
        (size_t)lengths.len != 8 * (size_t)b || (size_t)out.len != 4 * bs * (size_t)outputs ||
        (size_t)stds.len != 8 * (size_t)b || (have_feats && (size_t)feats.len != 4 * bs * M->n_feat)) {
        PyErr_SetString(PyExc_ValueError, "forward: arrays of the wrong size");
        goto done;
    }
    const int64_t *ch = chars.buf, *bg = bigrams.buf, *ln = lengths.buf, *sd = stds.buf;
    for (size_t i = 0; i < bs; i++)
        if (ch[i] < 0 || ch[i] >= M->n_units) {
            PyErr_SetString(PyExc_ValueError, "forward: a unit id out of range");
            goto done;
        }
    for (size_t i = 0; i < (size_t)b * ((size_t)s + 1); i++)
        if (bg[i] < 0 || bg[i] >= (M->bdim ? M->n_bigrams : 1 << 30)) {
            PyErr_SetString(PyExc_ValueError, "forward: a bigram id out of range");
            goto done;
        }
    for (int r = 0; r < b; r++)
        if (ln[r] < 0 || ln[r] > s || sd[r] < 0 || sd[r] >= M->n_std) {
            PyErr_SetString(PyExc_ValueError, "forward: a length or standard out of range");
            goto done;
        }
    const int H = M->hidden, G = 4 * H, hw = M->out.kp;
    const size_t gmax = (size_t)(2 * G > M->out.gp ? 2 * G : M->out.gp) + 16;
    int fail = 0;
    Py_BEGIN_ALLOW_THREADS
    /* one block of work space, kept by the thread from call to call (fresh memory every call
     * cost page faults: a fifth of a 50-character call) */
    const size_t sp = s ? (size_t)s : 1;
    const size_t sizes[7] = {sizeof(float) * sp * 2 * G, sp * hw + 64, sp * hw + 64, sizeof(int32_t) * gmax,
                             3 * sizeof(int32_t) * gmax, sizeof(float) * 2 * (size_t)H + 64,
                             (size_t)(4 * M->bdim_p + 2 * H + 64)};
    size_t total = 0;
    for (int i = 0; i < 7; i++) total += (sizes[i] + 63) / 64 * 64;
    uint8_t *block = scratch(total);
    if (!block) {
        fail = 1;
    } else {
        void *part[7];
        for (int i = 0; i < 7; i++) {
            part[i] = block;
            block += (sizes[i] + 63) / 64 * 64;
        }
        float *o = out.buf;
        const QMat *om = outputs == M->n_out ? &M->out : &M->seg;
        memset(o, 0, (size_t)out.len);
        const float *f = have_feats ? feats.buf : NULL;
        for (int r = 0; r < b; r++) {
            const size_t at = (size_t)r * s;
            forward_row(M, ch + at, bg + (size_t)r * ((size_t)s + 1), f ? f + at * M->n_feat : NULL, sd[r], (int)ln[r], om,
                        outputs, o + at * outputs, part[0], part[1], part[2], part[3], part[4], part[5], part[6]);
        }
    }
    Py_END_ALLOW_THREADS
    if (fail) {
        PyErr_NoMemory();
        goto done;
    }
    result = Py_NewRef(Py_None);
done:
    release(6, &chars, &bigrams, &lengths, &stds, &out, &feats);
    return result;
}

/* ------------------------------------------------------------------ pipeline helpers
 * C forms of four steps of the pipeline, whatever the runtime: the same results as their Python
 * and NumPy forms (`decode._bmes_row`, `vocab.WordDict.features`, `tags.word_bounds`,
 * `vocab._IntMap.get`), which remain where the kernel is not built; tests/segmenter/test_native.py
 * holds them equal. */

/* viterbi_bmes(scores float32 (b, s, 4), lengths int64 (b,), out int16 (b, s)): the best legal
 * BMES labels of every row, as `decode._bmes_row` computes them (float64 sums, ties to E and B);
 * zeros past a row's length. */
static PyObject *py_viterbi_bmes(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer sc, ln, out;
    int b, s;
    if (!PyArg_ParseTuple(args, "y*y*w*ii", &sc, &ln, &out, &b, &s)) return NULL;
    PyObject *result = NULL;
    const size_t bs = (size_t)(b < 0 ? 0 : b) * (size_t)(s < 0 ? 0 : s);
    /* (the bound on b x s: no size below wraps around) */
    if (b < 0 || s < 0 || (b && (size_t)s > (size_t)PY_SSIZE_T_MAX / 16 / (size_t)b) || (size_t)sc.len != 16 * bs || (size_t)ln.len != 8 * (size_t)b || (size_t)out.len != 2 * bs) {
        PyErr_SetString(PyExc_ValueError, "viterbi_bmes: arrays of the wrong size");
        goto done;
    }
    const int64_t *len = ln.buf;
    for (int r = 0; r < b; r++)
        if (len[r] < 0 || len[r] > s) {
            PyErr_SetString(PyExc_ValueError, "viterbi_bmes: a length out of range");
            goto done;
        }
    uint8_t *from = calloc(2, (size_t)(s ? s : 1));
    if (!from) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    const float *x0 = sc.buf;
    int16_t *o0 = out.buf;
    memset(o0, 0, 2 * bs);
    for (int r = 0; r < b; r++) {
        const int n = (int)len[r];
        if (!n) continue;  /* nothing to read (a row of s = 0 scores has no x[0]) */
        const float *x = x0 + (size_t)r * s * 4;
        int16_t *o = o0 + (size_t)r * s;
        uint8_t *from_s = from, *from_m = from + s;
        double vb = x[0], vm = -1e9, ve = -1e9, vs = x[3];
        for (int t = 1; t < n; t++) {
            const float *xt = x + 4 * t;
            double closed, opened;
            if (vs > ve) { from_s[t] = 1; closed = vs; } else { from_s[t] = 0; closed = ve; }
            if (vm > vb) { from_m[t] = 1; opened = vm; } else { from_m[t] = 0; opened = vb; }
            vb = closed + (double)xt[0];
            vs = closed + (double)xt[3];
            vm = opened + (double)xt[1];
            ve = opened + (double)xt[2];
        }
        int cur = vs > ve ? 3 : 2;  /* S : E */
        for (int t = n - 1; t >= 0; t--) {
            o[t] = (int16_t)cur;
            if (cur == 0 || cur == 3) cur = from_s[t] ? 3 : 2;
            else cur = from_m[t] ? 1 : 0;
        }
    }
    Py_END_ALLOW_THREADS
    free(from);
    result = Py_NewRef(Py_None);
done:
    release(3, &sc, &ln, &out);
    return result;
}

/* The value of `key` in an open-addressing table of (key, value) slots (`vocab._IntMap`: linear
 * probing from the Fibonacci-hash home slot, key -1 for an empty slot), or `missing`. */
static inline int64_t intmap_find(const int64_t *slots, size_t size, int shift, int64_t key, int64_t missing) {
    size_t at = (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ULL) >> shift);
    for (size_t probe = 0; probe < size; probe++, at = (at + 1) & (size - 1)) {
        if (slots[2 * at] == key) return slots[2 * at + 1];
        if (slots[2 * at] == -1) break;
    }
    return missing;
}

/* word_features(codes int64 (n,), longest, bits uint8, words int64 (size, 2), shift, gaps bool (n,) or None,
 * out uint8 (n, 2 (longest - 1)), zeroed): `WordDict.features`, each run that passes the bit set
 * looked up in the open-addressing table of the words' keys (`vocab._IntMap`: (key, word length)
 * slots, linear probing from the Fibonacci-hash home slot), one or two probes instead of a binary
 * search of the sorted keys. */
static PyObject *py_word_features(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer codes, bits, words, out, gaps = {0};
    PyObject *gaps_obj;
    int longest, shift;
    if (!PyArg_ParseTuple(args, "y*iy*y*iOw*", &codes, &longest, &bits, &words, &shift, &gaps_obj, &out)) return NULL;
    PyObject *result = NULL;
    int have_gaps = 0;
    const size_t n = (size_t)codes.len / 8, size = (size_t)words.len / 16;
    const int width = longest >= 2 && longest <= 1 << 16 ? 2 * (longest - 1) : 0;  /* (checked below) */
    if (gaps_obj != Py_None) {
        if (PyObject_GetBuffer(gaps_obj, &gaps, PyBUF_C_CONTIGUOUS) < 0) goto done;
        have_gaps = 1;
    }
    if (longest < 2 || longest > 1 << 16 || (size_t)codes.len % 8 || (size_t)words.len % 16 || !size ||
        (size & (size - 1)) || shift < 1 || shift > 63 || ((uint64_t)1 << (64 - shift)) != size ||
        (size_t)out.len != n * (size_t)width || (have_gaps && (size_t)gaps.len != n) || bits.len < (1 << 20)) {
        PyErr_SetString(PyExc_ValueError, "word_features: arrays of the wrong size");
        goto done;
    }
    {
        const uint64_t SEED = 0xCBF29CE484222325ULL, MUL = 0x100000001B3ULL;
        const int64_t *c = codes.buf, *slots = words.buf;
        const uint8_t *bt = bits.buf, *gp = have_gaps ? gaps.buf : NULL;
        uint8_t *o = out.buf;
        const uint64_t mask = ((uint64_t)1 << 23) - 1;
        for (size_t i = 0; i < n; i++) {
            uint64_t h = (SEED ^ (uint64_t)c[i]) * MUL;
            for (int len = 2; len <= longest && i + (size_t)len <= n; len++) {
                const size_t j = i + (size_t)len - 1;
                if (gp && gp[j]) break;  /* no word runs across whitespace */
                h = (h ^ (uint64_t)c[j]) * MUL;
                const int64_t key = (int64_t)(h >> 1);
                const uint64_t cut = (uint64_t)key & mask;
                if (!((bt[cut >> 3] >> (cut & 7)) & 1)) continue;
                if (intmap_find(slots, size, shift, key, 0) == len) {
                    o[i * width + (size_t)(len - 2)] = 1;
                    o[j * width + (size_t)(longest - 1 + len - 2)] = 1;
                }
            }
        }
    }
    result = Py_NewRef(Py_None);
done:
    release(5, &codes, &bits, &words, &out, &gaps);
    return result;
}

/* word_bounds(tags int16 (n,), lengths int64 (k,), firsts int64 (n,), lasts int64 (n,), cum int64 (k,))
 * -> words: `tags.word_bounds` (a boundary after every E or S and before every B or S, and at the
 * end of each sequence), into the first `words` entries of firsts and lasts. */
static PyObject *py_word_bounds(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer tg, ln, fo, lo, co;
    if (!PyArg_ParseTuple(args, "y*y*w*w*w*", &tg, &ln, &fo, &lo, &co)) return NULL;
    PyObject *result = NULL;
    const size_t n = (size_t)tg.len / 2, k = (size_t)ln.len / 8;
    const int64_t *len = ln.buf;
    size_t total = 0;
    for (size_t r = 0; r < k && !(tg.len % 2); r++) {
        /* each length checked against what remains: a sum could wrap around to n */
        if (len[r] < 0 || (size_t)len[r] > n - total) { total = n + 1; break; }
        total += (size_t)len[r];
    }
    if ((size_t)tg.len % 2 || (size_t)ln.len % 8 || total != n || (size_t)fo.len != 8 * n || (size_t)lo.len != 8 * n ||
        (size_t)co.len != 8 * k) {
        PyErr_SetString(PyExc_ValueError, "word_bounds: arrays of the wrong size");
        goto done;
    }
    {
        const int16_t *t = tg.buf;
        int64_t *firsts = fo.buf, *lasts = lo.buf, *cum = co.buf;
        size_t i = 0, words = 0;
        int start = 1;
        for (size_t r = 0; r < k; r++) {
            const size_t end = i + (size_t)len[r];
            for (; i < end; i++) {
                if (start) firsts[words] = (int64_t)i;
                const int close = i + 1 == end || t[i] >= 2 || t[i + 1] == 0 || t[i + 1] == 3;
                if (close) lasts[words++] = (int64_t)i;
                start = close;
            }
            cum[r] = (int64_t)words;
        }
        result = PyLong_FromSize_t(words);
    }
done:
    release(5, &tg, &ln, &fo, &lo, &co);
    return result;
}

/* intmap_get(pairs int64 (size, 2), shift, keys int64 (n,), out int64 (n,)): `vocab._IntMap.get`, the
 * id of every key by linear probing from its Fibonacci-hash home slot (1, `<UNK>`, where a probe
 * meets an empty slot, key -1, first); a slot is (key, id), side by side. */
static PyObject *py_intmap_get(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer pr, ky, out;
    int shift;
    if (!PyArg_ParseTuple(args, "y*iy*w*", &pr, &shift, &ky, &out)) return NULL;
    PyObject *result = NULL;
    const size_t size = (size_t)pr.len / 16, n = (size_t)ky.len / 8;
    if ((size_t)pr.len % 16 || (size_t)ky.len % 8 || out.len != ky.len || !size || (size & (size - 1)) || shift < 1 ||
        shift > 63 || ((uint64_t)1 << (64 - shift)) != size) {
        PyErr_SetString(PyExc_ValueError, "intmap_get: arrays of the wrong size");
        goto done;
    }
    {
        const int64_t *slots = pr.buf, *k = ky.buf;
        int64_t *o = out.buf;
        for (size_t i = 0; i < n; i++) o[i] = intmap_find(slots, size, shift, k[i], 1);
    }
    result = Py_NewRef(Py_None);
done:
    release(3, &pr, &ky, &out);
    return result;
}

/* encode_ids(codes int64 (n,), char_ids (int16 or int32 table), bigram pairs int64 (size, 2), shift,
 * chars int64 (n,), bigrams int64 (n,)): the ids of `Vocab.encode_many`, one pass: a unit's id
 * from the code table, the bigram of positions i and i + 1 looked up by its key
 * (codes[i] << 21 | codes[i + 1]; the last position's key is 0, as in the NumPy form). */
static PyObject *py_encode_ids(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer cd, ci, pr, co, bo;
    int shift, width;
    if (!PyArg_ParseTuple(args, "y*y*iy*iw*w*", &cd, &ci, &width, &pr, &shift, &co, &bo)) return NULL;
    PyObject *result = NULL;
    const size_t n = (size_t)cd.len / 8, size = (size_t)pr.len / 16;
    if ((size_t)cd.len % 8 || (width != 2 && width != 4) || (size_t)ci.len % (size_t)width || (size_t)pr.len % 16 ||
        !size || (size & (size - 1)) || shift < 1 || shift > 63 || ((uint64_t)1 << (64 - shift)) != size ||
        co.len != cd.len || bo.len != cd.len) {
        PyErr_SetString(PyExc_ValueError, "encode_ids: arrays of the wrong size");
        goto done;
    }
    {
        const int64_t *c = cd.buf, *slots = pr.buf;
        const size_t table = (size_t)ci.len / (size_t)width;
        int64_t *ch = co.buf, *bg = bo.buf;
        for (size_t i = 0; i < n; i++)
            if (c[i] < 0 || (uint64_t)c[i] >= table || (uint64_t)c[i] >= ((uint64_t)1 << 21)) {
                PyErr_SetString(PyExc_ValueError, "encode_ids: a code out of range");
                goto done;
            }
        for (size_t i = 0; i < n; i++) {
            ch[i] = width == 2 ? ((const int16_t *)ci.buf)[c[i]] : ((const int32_t *)ci.buf)[c[i]];
            const int64_t key = i + 1 < n ? (c[i] << 21 | c[i + 1]) : 0;
            bg[i] = intmap_find(slots, size, shift, key, 1);
        }
    }
    result = Py_NewRef(Py_None);
done:
    release(5, &cd, &ci, &pr, &co, &bo);
    return result;
}

static PyObject *py_set_isa(PyObject *self, PyObject *args) {
    (void)self;
    int plain;
    if (!PyArg_ParseTuple(args, "p", &plain)) return NULL;
    choose_isa(plain);
    return PyUnicode_FromString(isa);
}

static PyObject *py_isa(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    return PyUnicode_FromString(isa);
}

static PyMethodDef methods[] = {
    {"build", py_build, METH_VARARGS, "Copy a network's prepared arrays into a model (a capsule)."},
    {"forward", py_forward, METH_VARARGS, "Scores of a batch, into `out`."},
    {"viterbi_bmes", py_viterbi_bmes, METH_VARARGS, "Best legal BMES labels of every row (decode._bmes_row)."},
    {"word_features", py_word_features, METH_VARARGS, "Dictionary features of a run of key codes (WordDict.features)."},
    {"word_bounds", py_word_bounds, METH_VARARGS, "Every word's first and last tag (tags.word_bounds)."},
    {"encode_ids", py_encode_ids, METH_VARARGS, "Unit and bigram ids of a run of key codes (Vocab.encode_many)."},
    {"intmap_get", py_intmap_get, METH_VARARGS, "The id of every key in an open-addressing table (vocab._IntMap.get)."},
    {"set_isa", py_set_isa, METH_VARARGS, "set_isa(plain): the instruction set used (plain=True: plain C)."},
    {"isa", py_isa, METH_NOARGS, "The instruction set in use."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", "The native runtime's kernel.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__native(void) {
    choose_isa(0);
    return PyModule_Create(&module);
}
