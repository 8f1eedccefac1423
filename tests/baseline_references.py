"""Second, independent evaluations of the baselines' reference formulas.

Plain Python over nested lists of floats (``Tensor.tolist()``), one loop per
sum, written from the reference code of each method (RepDistiller's
``distiller_zoo``, SKD's ``utils/criterion.py``, CIRKD's ``losses``), not from
mmdlkd's losses. Each function gives the unweighted value the reference code
returns; tests multiply by the configs' weights.
"""
import math
from typing import List, Optional, Sequence

Vec = List[float]


def softmax(v: Sequence[float], tau: float = 1.0) -> Vec:
    top = max(v)
    e = [math.exp((x - top) / tau) for x in v]
    total = sum(e)
    return [x / total for x in e]


def kl(p: Sequence[float], q: Sequence[float]) -> float:
    """KL(p || q) of two distributions (0 log 0 = 0)."""
    return sum(a * (math.log(a) - math.log(b)) for a, b in zip(p, q) if a > 0)


def cross_entropy(logits: Sequence[float], label: int) -> float:
    return -math.log(softmax(logits)[label])


def pixel_rows(maps) -> List[Vec]:
    """The per-pixel class vectors of ``[N][K][H][W]`` maps."""
    return [[maps[n][k][h][w] for k in range(len(maps[n]))]
            for n in range(len(maps)) for h in range(len(maps[n][0]))
            for w in range(len(maps[n][0][0]))]


def kd(s, t, tau: float) -> float:
    """RepDistiller's ``DistillKL``: sum of the KLs over the batch, times
    tau^2, over the batch size. ``[N][K]`` logits."""
    total = sum(kl(softmax(b, tau), softmax(a, tau)) for a, b in zip(s, t))
    return total * tau**2 / len(s)


def pixel_kd(s, t, tau: float) -> float:
    """CIRKD's ``CriterionKD``: KD over all pixel rows of ``[N][K][H][W]``
    logit maps (``batchmean`` over ``N*H*W`` rows)."""
    return kd(pixel_rows(s), pixel_rows(t), tau)


def skd_pixel_wise(s, t) -> float:
    """SKD's ``CriterionPixelWise``: the cross-entropy of the student's
    per-pixel distributions against the teacher's, summed over the batch's
    pixels and divided by ``H*W`` (not by the batch size)."""
    h, w = len(s[0][0]), len(s[0][0][0])
    total = 0.
    for a, b in zip(pixel_rows(s), pixel_rows(t)):
        p_t, p_s = softmax(b), softmax(a)
        total -= sum(x * math.log(y) for x, y in zip(p_t, p_s))
    return total / w / h


def skd_pixel_entropy(t) -> float:
    """The teacher's part of :func:`skd_pixel_wise` (its entropy over the
    same normalisation), constant for the student."""
    h, w = len(t[0][0]), len(t[0][0][0])
    total = 0.
    for b in pixel_rows(t):
        total -= sum(x * math.log(x) for x in softmax(b) if x > 0)
    return total / w / h


def mse(a, b) -> float:
    """``nn.MSELoss``: the mean squared difference over all elements."""
    flat_a, flat_b = flatten(a), flatten(b)
    return sum((x - y)**2 for x, y in zip(flat_a, flat_b)) / len(flat_a)


def flatten(x) -> Vec:
    if isinstance(x, (int, float)):
        return [float(x)]
    return [v for item in x for v in flatten(item)]


def l2_normalize(v: Sequence[float], eps: float = 1e-12) -> Vec:
    """``F.normalize``: v / max(||v||, eps)."""
    norm = max(math.sqrt(sum(x * x for x in v)), eps)
    return [x / norm for x in v]


def attention(f, p: float = 2.) -> List[Vec]:
    """RepDistiller's ``Attention.at``: mean_c |f_c|^p per position,
    L2-normalised per image; ``[N][C][H][W]`` -> ``[N][H*W]``."""
    out = []
    for img in f:
        c, h, w = len(img), len(img[0]), len(img[0][0])
        q = [
            sum(abs(img[k][i][j])**p for k in range(c)) / c for i in range(h)
            for j in range(w)
        ]
        out.append(l2_normalize(q))
    return out


def at(fs, ft, p: float = 2.) -> float:
    """RepDistiller's ``Attention.at_loss`` for maps of equal size: the mean
    over images and positions of the squared difference of the maps."""
    qs, qt = attention(fs, p), attention(ft, p)
    diffs = [(a - b)**2 for rs, rt in zip(qs, qt) for a, b in zip(rs, rt)]
    return sum(diffs) / len(diffs)


def sp(fs, ft) -> float:
    """RepDistiller's ``Similarity.similarity_loss``: batch Gram matrices of
    the flattened features, rows L2-normalised, ||G_t - G_s||_F^2 / b^2."""

    def gram(f):
        rows = [flatten(x) for x in f]
        g = [[sum(a * b for a, b in zip(r1, r2)) for r2 in rows]
             for r1 in rows]
        return [l2_normalize(r) for r in g]

    gs, gt = gram(fs), gram(ft)
    b = len(gs)
    return sum(
        (gt[i][j] - gs[i][j])**2 for i in range(b) for j in range(b)) / (
            b * b)


def smooth_l1(a: Sequence[float], b: Sequence[float]) -> float:
    """``F.smooth_l1_loss`` (beta 1), mean over the entries."""
    total = 0.
    for x, y in zip(a, b):
        d = abs(x - y)
        total += 0.5 * d * d if d < 1 else d - 0.5
    return total / len(a)


def rkd(fs, ft, w_d: float = 25., w_a: float = 50.) -> float:
    """RepDistiller's ``RKDLoss``: distances (sqrt of the clamped squared
    distance, diagonal 0) over their mean where positive, and angles of the
    L2-normalised differences (0 where a point meets itself)."""

    def relations(f):
        x = [flatten(v) for v in f]
        n = len(x)
        dist = []
        for a in range(n):
            for b in range(n):
                sq = sum((p - q)**2 for p, q in zip(x[a], x[b]))
                dist.append(0. if a == b else math.sqrt(max(sq, 1e-12)))
        positive = [d for d in dist if d > 0]
        mean = sum(positive) / len(positive)
        dist = [d / mean for d in dist]
        angle = []
        for a in range(n):
            # td[a][b] = x[b] - x[a], as teacher.unsqueeze(0) - unsqueeze(1)
            units = [
                l2_normalize([p - q for p, q in zip(x[b], x[a])])
                for b in range(n)
            ]
            for b in range(n):
                for c in range(n):
                    angle.append(
                        sum(p * q for p, q in zip(units[b], units[c])))
        return dist, angle

    s_d, s_a = relations(fs)
    t_d, t_a = relations(ft)
    return w_d * smooth_l1(s_d, t_d) + w_a * smooth_l1(s_a, t_a)


def cwd(s, t, tau: float) -> float:
    """CIRKD's ``CriterionCWD(norm_type='channel', divergence='kl')``: per
    channel a softmax over the positions, KL summed over positions, channels
    and images, divided by ``N*C``, times tau^2."""
    total, count = 0., 0
    for img_s, img_t in zip(s, t):
        for ch_s, ch_t in zip(img_s, img_t):
            p_t = softmax(flatten(ch_t), tau)
            p_s = softmax(flatten(ch_s), tau)
            total += kl(p_t, p_s)
            count += 1
    return total * tau**2 / count


def max_pool_ceil(f, kernel: int):
    """``nn.MaxPool2d(kernel, stride=kernel, ceil_mode=True)`` of
    ``[N][C][H][W]``."""
    out = []
    for img in f:
        h, w = len(img[0]), len(img[0][0])
        rows = range(0, h, kernel)
        cols = range(0, w, kernel)
        out.append([[[
            max(ch[y][x] for y in range(i, min(i + kernel, h))
                for x in range(j, min(j + kernel, w))) for j in cols
        ] for i in rows] for ch in img])
    return out


def skd_similarity(f,
                   norms: Optional[List[Vec]] = None,
                   norm_eps: float = 1e-8) -> List[List[Vec]]:
    """SKD's ``similarity``: each node (position) divided by its L2 norm over
    channels plus ``norm_eps`` (SKD's 1e-8), then the node-by-node dot
    products; ``norms`` (``[N][P]``) replaces the norms by given constants."""
    out = []
    for n, img in enumerate(f):
        c, h, w = len(img), len(img[0]), len(img[0][0])
        nodes = [[img[k][i][j] for k in range(c)] for i in range(h)
                 for j in range(w)]
        if norms is None:
            scale = [
                math.sqrt(sum(v * v for v in node)) + norm_eps
                for node in nodes
            ]
        else:
            scale = norms[n]
        units = [[v / s for v in node] for node, s in zip(nodes, scale)]
        out.append([[sum(a * b for a, b in zip(u, v)) for v in units]
                    for u in units])
    return out


def skd_node_norms(f, norm_eps: float = 1e-8) -> List[Vec]:
    """The nodes' L2 norms (plus SKD's 1e-8) of ``[N][C][H][W]``."""
    return [[
        math.sqrt(sum(img[k][i][j]**2 for k in range(len(img)))) + norm_eps
        for i in range(len(img[0])) for j in range(len(img[0][0]))
    ] for img in f]


def skd_pair_wise(fs,
                  ft,
                  scale: float = 0.5,
                  s_norms=None,
                  norm_eps: float = 1e-8) -> float:
    """SKD's ``CriterionPairWiseforWholeFeatAfterPool``: both maps max-pooled
    with a kernel of ``int(scale * size)`` (ceil mode), then ``sim_dis_
    compute``: the squared differences of the similarity matrices over
    ``P^2`` and ``N``, summed. ``s_norms`` fixes the student's (pooled) node
    norms, for the gradient SKD's detached norm gives; ``norm_eps`` is the
    1e-8 SKD adds to every norm (0 compares the formula without it: it moves
    the loss by about 1e-8 / (norm * the similarities' difference))."""
    kernel = int(len(ft[0][0]) * scale)
    ps, pt = max_pool_ceil(fs, kernel), max_pool_ceil(ft, kernel)
    ss = skd_similarity(ps, s_norms, norm_eps)
    st = skd_similarity(pt, norm_eps=norm_eps)
    n, p = len(ss), len(ss[0])
    return sum((st[i][a][b] - ss[i][a][b])**2 for i in range(n)
               for a in range(p) for b in range(p)) / (p * p) / n


def batch_norm(x, weight, bias, eps: float, mean=None, var=None):
    """``BatchNorm2d`` of ``[N][C][H][W]``: with ``mean``/``var`` None, the
    batch's statistics per channel (biased variance, training mode), else
    the given running statistics (eval mode)."""
    n, c = len(x), len(x[0])
    out = [[None] * c for _ in range(n)]
    for k in range(c):
        values = [v for i in range(n) for row in x[i][k] for v in row]
        m = sum(values) / len(values) if mean is None else mean[k]
        if var is None:
            s2 = sum((v - m)**2 for v in values) / len(values)
        else:
            s2 = var[k]
        denom = math.sqrt(s2 + eps)
        for i in range(n):
            out[i][k] = [[(v - m) / denom * weight[k] + bias[k] for v in row]
                         for row in x[i][k]]
    return out


def conv2d_valid(x, weight, bias):
    """A stride-1, unpadded convolution of ``[N][C][H][W]`` with
    ``[O][C][kh][kw]`` weights and ``[O]`` bias."""
    out = []
    kh, kw = len(weight[0][0]), len(weight[0][0][0])
    for img in x:
        h, w = len(img[0]) - kh + 1, len(img[0][0]) - kw + 1
        out.append([[[
            bias[o] + sum(weight[o][c][a][b] * img[c][i + a][j + b]
                          for c in range(len(img)) for a in range(kh)
                          for b in range(kw)) for j in range(w)
        ] for i in range(h)] for o in range(len(weight))])
    return out


def relu(x):
    if isinstance(x, list):
        return [relu(v) for v in x]
    return max(x, 0.)


def conv_reg(x,
             conv_weight,
             conv_bias,
             bn_weight,
             bn_bias,
             eps: float,
             mean=None,
             var=None):
    """RepDistiller's ``ConvReg`` for maps the convolution keeps valid
    (``s_H >= t_H``): convolution, BatchNorm, ReLU."""
    return relu(
        batch_norm(
            conv2d_valid(x, conv_weight, conv_bias), bn_weight, bn_bias, eps,
            mean, var))
