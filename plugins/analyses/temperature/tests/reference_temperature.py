#!/usr/bin/python3
"""Independent float64 reference for the temperature analysis (docs/method.md, "From a sweep of
learning rates to temperatures"), written from the notebook's procedure with numpy.

Run once with /usr/bin/python3 (numpy installed); it prints the expected values that
temperature_reference_test.cpp pastes in. The bounds loop uses Python's min/max on numpy float64
scalars, the semantics thermo documents: a 0/0 = NaN candidate never replaces the running value,
±inf candidates take part. T is the notebook's exp((log T_min + log T_max) / 2): NaN where a bound
is negative (sqrt(T_min * T_max) would give |T| there).
"""
import numpy as np


def linear_fit(x, y):  # as the reference notebooks define it
    x_ = x - x.mean()
    y_ = y - y.mean()
    k = (x_ * y_).sum() / (x_ * x_).sum()
    b = y.mean() - k * x.mean()
    return k, b


def temperatures(lrs, U, S, eps, width):
    ell = np.log(lrs)
    W = np.maximum(width - np.abs(ell[:, None] - ell[None, :]), 0.0)
    W = W / W.sum(axis=1, keepdims=True)
    W[0] = 0.0
    W[0, 0] = 1.0
    W[-1] = 0.0
    W[-1, -1] = 1.0
    Us = W @ U
    Ss = W @ S
    n = len(lrs)
    T_min = np.zeros(n)
    T_max = np.zeros(n)
    T = np.zeros(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(n):
            lo, hi = 0.0, 2e18
            for j in range(n):
                if j == i:
                    continue
                v = (Us[i] - Us[j] - eps) / (Ss[i] - Ss[j])
                if j > i:
                    hi = min(hi, v)
                else:
                    lo = max(lo, v)
            if lo == 0:
                lo = hi
            if hi == 2e18:
                hi = lo
            T_min[i], T_max[i] = lo, hi
            T[i] = np.exp((np.log(lo) + np.log(hi)) / 2)
    return Us, Ss, T_min, T_max, T


def power_law(lrs, T):
    x, y = lrs[1:-1], T[1:-1]
    keep = np.isfinite(y) & (y > 0)
    if keep.sum() < 2:
        return float("nan"), float("nan"), int(keep.sum())
    k, b = linear_fit(np.log(x[keep]), np.log(y[keep]))
    return float(np.exp(b)), float(k), int(keep.sum())


def cpp(values):
    def one(v):
        if np.isnan(v):
            return "kNaN"
        if np.isinf(v):
            return "kInf" if v > 0 else "-kInf"
        return repr(float(v))
    return "{" + ", ".join(one(v) for v in values) + "}"


TABLES = {
    # 11 LRs of the paper's grid (14 per decade: neighbours within the smoothing width), U
    # increasing with LR, S non-monotone in two places; range [1, -1) drops both ends.
    "grid": dict(
        lrs=[0.001, 0.001178769, 0.001389495, 0.001637894, 0.001930698, 0.002275846, 0.002682696,
             0.003162278, 0.003727594, 0.004393971, 0.005179475],
        U=[0.081, 0.094, 0.118, 0.131, 0.169, 0.224, 0.297, 0.412, 0.583, 0.806, 1.137],
        S=[-9.1e6, -8.2e6, -8.45e6, -6.9e6, -5.4e6, -5.55e6, -3.2e6, -1.1e6, 0.7e6, 2.4e6, 3.9e6],
        eps=1e-2, width=0.3, range=(1, -1)),
    # 4 rows with S_0 = S_3 (identity end rows keep them equal) and U_0 - U_3 - eps = 0: 0/0.
    "zero_over_zero": dict(
        lrs=[0.001, 0.002, 0.004, 0.008], U=[0.75, 0.6, 0.55, 0.5], S=[2.0, 3.0, 3.5, 2.0],
        eps=0.25, width=5.0, range=(0, 4)),
    # 3 rows with S_0 = S_2 and a non-zero numerator: ±inf bounds.
    "infinite": dict(
        lrs=[0.01, 0.02, 0.04], U=[0.2, 0.3, 0.5], S=[1.0, 4.0, 1.0], eps=0.04, width=0.3, range=(0, 3)),
    # 8 LRs an octave apart (the width 0.3 < ln 2 makes W the identity), S rising with the LR but
    # for a dip at row 4: the bounds of rows 3 and 4 are negative and T_min of row 4 stays 0, so it
    # takes the negative T_max. The notebook's formula gives NaN at rows 3 and 4
    # (sqrt(T_min * T_max) would give |T_max| at row 4), and the power law is fitted on the
    # interior rows that stay finite.
    "negative_bounds": dict(
        lrs=[0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128],
        U=[0.1, 0.2, 0.35, 0.5, 0.62, 0.9, 1.2, 1.6], S=[1.0, 2.0, 3.0, 4.5, 4.2, 6.0, 7.5, 9.0],
        eps=0.01, width=0.3, range=(0, 8)),
}

for name, table in TABLES.items():
    lrs = np.array(table["lrs"], dtype=np.float64)
    U = np.array(table["U"], dtype=np.float64)
    S = np.array(table["S"], dtype=np.float64)
    r1, r2 = table["range"]
    lrs, U, S = lrs[r1:r2], U[r1:r2], S[r1:r2]
    Us, Ss, T_min, T_max, T = temperatures(lrs, U, S, table["eps"], table["width"])
    b, k, used = power_law(lrs, T)
    print(f"// {name}: range [{r1}, {r2}), eps {table['eps']}, width {table['width']}")
    print(f"U_smooth = {cpp(Us)};")
    print(f"S_smooth = {cpp(Ss)};")
    print(f"T_min = {cpp(T_min)};")
    print(f"T_max = {cpp(T_max)};")
    print(f"T = {cpp(T)};")
    print(f"fit b = {b!r}, k = {k!r}, points_used = {used}")
    argmins = []
    for i in range(1, len(lrs) - 1):
        F = Us - T[i] * Ss
        argmins.append(int(np.nanargmin(F)) if np.isfinite(F).any() else -1)
    print(f"free-energy argmins of the interior curves: {argmins}")
    with np.errstate(invalid="ignore"):
        print(f"sqrt(T_min * T_max) instead: {cpp(np.sqrt(T_min * T_max))}")
    print()
