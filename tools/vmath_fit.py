#!/usr/bin/env python3
"""Fits the polynomial coefficients of compiler/src/main/java/strata/compiler/llvm/VectorMath.java.

Each fit is a weighted discrete minimax problem on a dense grid, solved as a linear program
(minimize t subject to |w(x) (sum_k c_k b_k(x) - f(x))| <= t), with the exact function values
from mpmath at 30 digits. The coefficients are rounded to float one at a time, the later ones
refitted after each rounding, so that the rounding of the leading coefficients is compensated.
Prints each coefficient set and its maximum weighted error (evaluated in double with the
float coefficients). Needs numpy, scipy and mpmath.
"""
import mpmath as mp
import numpy as np
from scipy.optimize import linprog

mp.mp.dps = 30
SCALE = 1e8  # keeps the LP's tolerances well below the errors sought


def lp(a, f, w, fixed):
    k = len(fixed)
    rest = f - a[:, :k] @ np.array(fixed) if k else f
    aw, fw = a[:, k:] * w[:, None], rest * w
    m = aw.shape[1]
    ones = np.ones((len(fw), 1))
    res = linprog(np.r_[np.zeros(m), 1.0], A_ub=np.vstack([np.hstack([aw, -ones]), np.hstack([-aw, -ones])]),
                  b_ub=np.r_[fw, -fw], bounds=[(None, None)] * (m + 1), method='highs')
    return list(fixed) + list(res.x[:m])


def fit(name, xs, basis, target, weight):
    a = np.array([[b(x) for b in basis] for x in xs])
    f = np.array([target(x) for x in xs])
    w = np.array([weight(x) for x in xs]) * SCALE
    fixed = []
    for k in range(len(basis)):
        fixed.append(float(np.float32(lp(a, f, w, fixed)[k])))
    err = np.max(np.abs(a @ np.array(fixed) - f) * w) / SCALE
    print(f"{name}: max error {err:.3g}\n  " + ", ".join(repr(c) + "f" for c in fixed))


def powers(first, step, count):
    return [(lambda p: (lambda x: x ** p))(first + step * k) for k in range(count)]


# e^r = 1 + r + r^2 P(r), |r| <= ln2/2, relative error
fit("EXP_P", np.linspace(-0.3466, 0.3466, 3000), powers(2, 1, 5),
    lambda x: float(mp.exp(x) - 1 - x), lambda x: float(1 / mp.exp(x)))
# 2 atanh(s)/s - 2 = z R'(z), z = s^2 <= (3 - 2 sqrt 2)^2 = 0.0295, absolute error
fit("LOG_R", np.linspace(1e-12, 0.0295, 2000), powers(1, 1, 3),
    lambda z: float(2 * mp.atanh(mp.sqrt(z)) / mp.sqrt(z) - 2), lambda z: 1.0)
# tanh a = a + a^3 P(a^2) on [0, 0.625], relative error
fit("TANH_P", np.linspace(1e-4, 0.625, 3000), powers(3, 2, 6),
    lambda x: float(mp.tanh(x) - x), lambda x: float(1 / mp.tanh(x)))
# erf a = a (2/sqrt(pi) + a^2 P(a^2)) on [0, 0.875], relative error; 2/sqrt(pi) is kept exact
C0 = mp.mpf(float(2 / mp.sqrt(mp.pi)))
fit("ERF_P", np.linspace(1e-3, 0.875, 3000), powers(3, 2, 6),
    lambda x: float(mp.erf(x) - C0 * x), lambda x: float(1 / mp.erf(x)))
# erfc a = e^(-a^2) Q(a - 2.4375) on [0.875, 4], absolute error of erfc
fit("ERF_Q", np.linspace(0.875, 4.0, 3000), [(lambda k: (lambda x: (x - 2.4375) ** k))(k) for k in range(10)],
    lambda x: float(mp.erfc(x) * mp.exp(x * x)), lambda x: float(mp.exp(-x * x)))
