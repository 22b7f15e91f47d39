"""Generate independent reference values for AHP and entropy weights.

The output, ``weights_reference.json`` (written next to this script), is test
data for the Rust index engine (crates/index). The values come from third-party
Python MCDA libraries, not from our own code.

How to run (these are the exact versions used to produce the committed JSON):

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install numpy==2.4.6 scipy==1.17.1 pyDecision==5.1.8 AHPy==2.1 pyrepo-mcda==0.1.15
    /tmp/refvenv/bin/python make_weights_reference.py

(That is: python3 -m venv ...; pip install pyDecision==5.1.8 AHPy==2.1
pyrepo-mcda==0.1.15; python make_weights_reference.py. numpy/scipy are pulled
in as dependencies; the pins above are the versions that were resolved.)

The script is deterministic: all input matrices are fixed literals below. It
takes no arguments and does not use the network.

What each library does (checked against the installed source code):

* AHPy 2.1 (``ahpy.Compare``):
  - weights: principal eigenvector, found by repeatedly squaring the matrix
    (A^2, A^4, A^8, ...) and normalising the row sums. It stops when
    successive vectors are equal after rounding to ``precision`` decimals. The
    result is rounded to ``precision`` decimals (np.round).
  - lambda_max = max(np.linalg.eigvals(A)) (not exposed as an attribute).
  - CR = |Re((lambda_max - n) / (n - 1) / RI[n])|, rounded to ``precision``
    decimals. For n < 3 it sets CR = 0.
  - RI: random_index='dd' (default) is the Donegan & Dodd (1991) table
    (n = 3..20, 25, 30, ..., 100, interpolated linearly in between). 'saaty'
    is Saaty (2005, ANP book). We use the default 'dd'.
  - We use precision=15. precision >= 16 makes the squaring loop overflow to
    inf (the rounded difference never reaches 0, so it keeps squaring).
* pyDecision 5.1.8 (``pyDecision.algorithm.ahp_method(dataset, wd='me')``):
  - weights: real part of the np.linalg.eig eigenvector for the eigenvalue
    with the largest real part, divided by its sum.
  - lambda_max: that eigenvalue's real part (local, not returned).
  - CR = ((lambda_max - n) / (n - 1)) / inc_rat[n], not rounded, no abs().
  - RI: Saaty's classic table (0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41,
    1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59 for n = 1..15).
* pyrepo-mcda 0.1.15 (``pyrepo_mcda.weighting_methods.entropy_weighting``):
  the plain sum-normalisation entropy formula. p_ij = 0 terms are skipped
  (0 ln 0 = 0), and abs() is applied to p.
* pyDecision 5.1.8 (``pyDecision.algorithm.entropy_method(X, ['max']*n)``):
  the same formula with epsilons: p ln(p + 1e-9), ln(m + 1e-9), and
  d_j = 1 - e_j + 1e-9. So it differs from the exact formula by roughly
  1e-9 to 1e-7. With 'min' criteria it uses 1/(x + 1e-9) instead of x. We only
  use 'max'.

Both libraries' random-index tables are read from their installed source code
(via ``ast``), so the tables in the JSON are the ones the code used.
"""

import ast
import importlib.metadata as md
import inspect
import json
import math
import os
import textwrap
import warnings

import numpy as np

import ahpy
from pyDecision.algorithm import ahp_method, entropy_method
from pyrepo_mcda.weighting_methods import entropy_weighting

# Any overflow / invalid-value warning from numpy inside the libraries is a bug
# in the reference values: fail loudly instead of writing NaNs.
warnings.simplefilter("error", RuntimeWarning)
np.seterr(all="raise")

AHPY_PRECISION = 15

# ---------------------------------------------------------------------------
# Input matrices
# ---------------------------------------------------------------------------
# AHP matrices are given by their strict upper triangle, row by row
# (row i lists a_{i,i+1} ... a_{i,n-1}). The lower triangle is the reciprocal
# (a_ji = 1 / a_ij), which is exactly what AHPy builds from its comparison
# dictionary; pyDecision receives the same full matrix.
AHP_MATRICES = [
    ("saaty_3x3", [
        [3, 5],
        [2],
    ]),
    ("inconsistent_3x3_intransitive", [
        [5, 1/2],
        [4],
    ]),
    ("perfectly_consistent_4x4", [  # a_ij = w_i / w_j with w = (8, 4, 2, 1)
        [2, 4, 8],
        [2, 4],
        [2],
    ]),
    ("near_consistent_4x4", [
        [3, 7, 9],
        [5, 7],
        [3],
    ]),
    # CR is about 0.094 with Saaty's RI (pyDecision) but about 0.102 with
    # Donegan & Dodd's RI (AHPy): it lands on different sides of the 0.1 threshold.
    ("threshold_straddling_4x4", [
        [3, 7, 9],
        [5, 3],
        [3],
    ]),
    ("near_consistent_5x5", [
        [2, 3, 5, 7],
        [2, 3, 5],
        [2, 3],
        [2],
    ]),
    ("mildly_inconsistent_5x5", [  # one reversed judgement (a_13); CR about 0.15
        [2, 3, 5, 7],
        [2, 1/3, 5],
        [2, 3],
        [2],
    ]),
    ("inconsistent_5x5", [
        [1/3, 5, 1/7, 9],
        [1/5, 7, 1/2],
        [3, 1/9],
        [6],
    ]),
    ("moderate_6x6", [
        [3, 5, 2, 7, 9],
        [2, 1/2, 3, 5],
        [1/3, 2, 3],
        [4, 6],
        [2],
    ]),
    ("near_consistent_7x7", [
        [2, 2, 3, 3, 4, 6],
        [1, 2, 2, 3, 4],
        [1, 2, 2, 3],
        [1, 1, 2],
        [1, 2],
        [2],
    ]),
    ("moderate_8x8", [
        [1/2, 3, 2, 5, 4, 7, 9],
        [5, 3, 7, 6, 8, 9],
        [1/2, 2, 2, 3, 5],
        [3, 2, 5, 6],
        [1/2, 2, 3],
        [3, 4],
        [2],
    ]),
    ("near_consistent_9x9", [
        [2, 3, 3, 4, 5, 6, 7, 9],
        [2, 2, 3, 4, 5, 6, 7],
        [1, 2, 3, 4, 5, 6],
        [2, 2, 3, 4, 5],
        [1, 2, 3, 4],
        [2, 2, 3],
        [1, 2],
        [2],
    ]),
    ("inconsistent_9x9", [
        [1/3, 5, 1/7, 9, 2, 1/5, 4, 1/2],
        [7, 1/4, 1/6, 3, 8, 1/9, 5],
        [1/2, 6, 1/8, 3, 1/3, 7],
        [1/5, 9, 1/2, 4, 1/7],
        [3, 1/6, 8, 1/2],
        [5, 1/4, 2],
        [1/9, 6],
        [1/3],
    ]),
]

# Entropy matrices: rows = alternatives (units), columns = criteria, all > 0.
ENTROPY_MATRICES = [
    ("units5_criteria3", [
        [120, 3.5, 48],
        [85, 4.2, 36],
        [200, 2.1, 72],
        [150, 5.0, 24],
        [95, 3.8, 60],
    ]),
    ("units8_criteria4", [
        [0.82, 1520, 12, 3.4],
        [0.75, 980, 18, 2.9],
        [0.91, 2210, 9, 4.1],
        [0.66, 760, 25, 2.2],
        [0.88, 1830, 14, 3.8],
        [0.71, 1105, 21, 2.5],
        [0.95, 2540, 7, 4.6],
        [0.79, 1340, 16, 3.1],
    ]),
    ("units10_criteria6_wide_range", [
        [0.5, 12, 340, 7.5, 0.031, 88],
        [1.2, 15, 290, 6.1, 0.027, 92],
        [3.4, 9, 410, 8.8, 0.045, 75],
        [0.8, 22, 380, 5.5, 0.012, 99],
        [2.1, 18, 300, 9.2, 0.050, 81],
        [5.6, 11, 455, 4.9, 0.038, 70],
        [0.3, 25, 275, 7.0, 0.022, 95],
        [4.4, 14, 360, 6.6, 0.041, 85],
        [1.7, 20, 395, 8.1, 0.019, 78],
        [2.9, 16, 320, 5.9, 0.033, 90],
    ]),
    # Column 0 is constant (entropy 1, so its weight should be 0). Column 1 is
    # nearly constant. This is an edge case for the engine.
    ("units6_criteria4_constant_column", [
        [10, 5.000, 1, 100.0],
        [10, 5.001, 20, 100.5],
        [10, 4.999, 3, 99.5],
        [10, 5.000, 40, 100.0],
        [10, 5.002, 2, 101.0],
        [10, 4.998, 7, 99.0],
    ]),
]

ENTROPY_FORMULA = (
    "p_ij = x_ij / sum_i x_ij; "
    "e_j = -1/ln(m) * sum_i p_ij ln p_ij (0 ln 0 := 0); "
    "w_j = (1 - e_j) / sum_k (1 - e_k)"
)
PYDECISION_ENTROPY_FORMULA = (
    "p_ij = x_ij / sum_i x_ij; "
    "e_j = -1/ln(m + 1e-9) * sum_i p_ij ln(p_ij + 1e-9) (p_ij = 0 terms skipped); "
    "d_j = 1 - e_j + 1e-9; w_j = d_j / sum_k d_k"
)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def full_matrix(upper):
    n = len(upper) + 1
    a = np.ones((n, n))
    for i, row in enumerate(upper):
        assert len(row) == n - 1 - i, "bad upper triangle"
        for k, v in enumerate(row):
            j = i + 1 + k
            a[i, j] = float(v)
            a[j, i] = 1.0 / float(v)
    return a


def to_floats(x):
    return [float(v) for v in np.asarray(x, dtype=float).ravel()]


def _source_tree(func):
    return ast.parse(textwrap.dedent(inspect.getsource(func)))


def ahpy_random_index_table():
    """Return AHPy's 'dd' random-index dict, read from its source."""
    tree = _source_tree(ahpy.Compare._compute_consistency_ratio)
    for node in ast.walk(tree):
        if (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
                and isinstance(node.test.comparators[0], ast.Constant)
                and node.test.comparators[0].value == "dd"):
            assign = node.body[0]
            assert assign.targets[0].id == "ri_dict"
            return ast.literal_eval(assign.value)
    raise RuntimeError("could not find AHPy's 'dd' random index table")


def pydecision_random_index_table():
    """Return pyDecision's inc_rat array (indexed by n), read from its source."""
    tree = _source_tree(ahp_method)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "inc_rat"):
            return ast.literal_eval(node.value.args[0])
    raise RuntimeError("could not find pyDecision's inc_rat table")


def ahpy_ri(ri_dict, n):
    """AHPy's RI lookup for n >= 3 (copy of its interpolation rule). AHPy has
    no value for n < 3 and sets CR = 0 there, so we return None."""
    if n < 3:
        return None
    if n in ri_dict:
        return float(ri_dict[n])
    keys = sorted(ri_dict)
    smaller = max(k for k in keys if k < n)
    larger = min(k for k in keys if k > n)
    slope = (ri_dict[larger] - ri_dict[smaller]) / (larger - smaller)
    return float(slope * (n - smaller) + ri_dict[smaller])


# ---------------------------------------------------------------------------
# AHP
# ---------------------------------------------------------------------------
def run_ahp():
    dd = ahpy_random_index_table()
    inc_rat = pydecision_random_index_table()
    ahpy_ri_1_15 = [ahpy_ri(dd, n) for n in range(1, 16)]
    pyd_ri_1_15 = [float(v) for v in inc_rat[1:16]]

    entries = []
    for name, upper in AHP_MATRICES:
        a = full_matrix(upper)
        n = a.shape[0]
        labels = [f"c{i}" for i in range(n)]
        # Insert in row order, so AHPy's element order is c0..c{n-1}.
        comparisons = {(labels[i], labels[j]): float(a[i, j])
                       for i in range(n) for j in range(i + 1, n)}

        # --- AHPy ---
        c = ahpy.Compare(name, comparisons, precision=AHPY_PRECISION, random_index="dd")
        w_ahpy = np.array([c.local_weights[l] for l in labels], dtype=float)
        cr_ahpy = float(c.consistency_ratio)

        # --- pyDecision (max eigenvalue) ---
        w_pyd, cr_pyd = ahp_method(a, wd="me")
        w_pyd = np.asarray(w_pyd, dtype=float)
        cr_pyd = float(cr_pyd)

        for w, cr in ((w_ahpy, cr_ahpy), (w_pyd, cr_pyd)):
            assert np.all(np.isfinite(w)) and math.isfinite(cr), name
            assert abs(w.sum() - 1.0) < 1e-12, name

        # Cross-check: same weights; CR * RI = CI must agree.
        w_diff = float(np.max(np.abs(w_ahpy - w_pyd)))
        ci_ahpy = cr_ahpy * ahpy_ri(dd, n)
        ci_pyd = cr_pyd * inc_rat[n]
        ci_diff = abs(ci_ahpy - ci_pyd)
        assert w_diff < 1e-12, (name, w_diff)
        assert ci_diff < 1e-12, (name, ci_diff)
        print(f"AHP {name:32s} n={n} CR_AHPy={cr_ahpy:.6f} CR_pyDecision={cr_pyd:.6f} "
              f"max|dw|={w_diff:.1e} |dCI|={ci_diff:.1e}")

        matrix = [to_floats(row) for row in a]
        entries.append({
            "name": name,
            "library": "AHPy",
            "method": "eigenvector",
            "random_index": ahpy_ri_1_15,
            "matrix": matrix,
            "weights": to_floats(w_ahpy),
            "lambda_max": None,
            "consistency_ratio": cr_ahpy,
            "note": (
                f"AHPy {md.version('AHPy')} Compare(precision={AHPY_PRECISION}, random_index='dd'). "
                "Weights and CR are rounded by AHPy to 15 decimals (np.round), so they are exact to about 1e-15. "
                "Weights: row sums of A^(2^k), normalised (principal eigenvector). "
                "CR = |Re(lambda_max - n)/(n - 1)| / RI_DD[n], with lambda_max = max(np.linalg.eigvals(A)). "
                "lambda_max is not exposed by AHPy (you can recover it as n + CR*RI[n]*(n-1)). "
                "random_index = Donegan & Dodd (1991) for n = 1..15. AHPy has no entries for n = 1, 2 "
                "(null here) and sets CR = 0 for n < 3."
            ),
        })
        entries.append({
            "name": name,
            "library": "pyDecision",
            "method": "eigenvector",
            "random_index": pyd_ri_1_15,
            "matrix": matrix,
            "weights": to_floats(w_pyd),
            "lambda_max": None,
            "consistency_ratio": cr_pyd,
            "note": (
                f"pyDecision {md.version('pyDecision')} ahp_method(A, wd='me'), not rounded. "
                "Weights: Re(eigenvector of the eigenvalue with the largest real part) / sum. "
                "CR = ((lambda_max - n)/(n - 1)) / inc_rat[n]; no abs(), so a perfectly consistent matrix "
                "can give a CR of +/- 1e-16. lambda_max is computed but not returned "
                "(you can recover it as n + CR*RI[n]*(n-1)). "
                "random_index = Saaty's classic table (inc_rat[1..15]; note 1.48 for n = 12)."
            ),
        })
    return entries


# ---------------------------------------------------------------------------
# Entropy
# ---------------------------------------------------------------------------
def exact_entropy(x):
    """The plain formula, used here only as a sanity check, not as a reference value."""
    p = x / x.sum(axis=0)
    e = -(p * np.log(p)).sum(axis=0) / np.log(x.shape[0])
    d = 1.0 - e
    return d / d.sum()


def run_entropy():
    entries = []
    for name, rows in ENTROPY_MATRICES:
        x = np.array(rows, dtype=float)
        assert np.all(x > 0)
        m, n = x.shape

        w_repo = np.asarray(entropy_weighting(x), dtype=float)
        w_pyd = np.asarray(entropy_method(x, ["max"] * n), dtype=float)
        w_exact = exact_entropy(x)

        repo_dev = float(np.max(np.abs(w_repo - w_exact)))
        pyd_dev = float(np.max(np.abs(w_pyd - w_repo)))
        assert repo_dev < 1e-14, (name, repo_dev)
        print(f"ENT {name:32s} {m}x{n} max|w_pyrepo - formula|={repo_dev:.1e} "
              f"max|w_pyDecision - w_pyrepo|={pyd_dev:.1e}")

        matrix = [to_floats(r) for r in x]
        repo_note = (
            f"pyrepo-mcda {md.version('pyrepo-mcda')} weighting_methods.entropy_weighting(X), not rounded. "
            "Source: sum_normalization as for profit criteria, abs(), terms with p_ij = 0 skipped; "
            "otherwise exactly the formula."
        )
        pyd_note = (
            f"pyDecision {md.version('pyDecision')} entropy_method(X, ['max']*n), not rounded. "
            "This differs from the plain formula: it uses ln(p + 1e-9), ln(m + 1e-9), and adds 1e-9 to each d_j. "
            f"On this matrix max |w_pyDecision - w_pyrepo| = {pyd_dev:.3e}; "
            "compare with a tolerance of about 1e-6, or use the pyrepo-mcda entry for tight tests."
        )
        if name.endswith("constant_column"):
            repo_note += (" Column 0 is constant, so e_0 = 1 up to rounding and its weight is "
                          "0 within about 1e-16 (the sign may be negative).")
            pyd_note += (" The constant column gets weight ~1e-9/sum(d) instead of 0 because of the +1e-9, "
                         "and the nearly constant column 1 (weight ~5.6e-8) is off by about 25% relative. "
                         "Use an absolute tolerance here, not a relative one.")
        entries.append({
            "name": name,
            "library": "pyrepo-mcda",
            "formula": ENTROPY_FORMULA,
            "matrix": matrix,
            "weights": to_floats(w_repo),
            "note": repo_note,
        })
        entries.append({
            "name": name,
            "library": "pyDecision",
            "formula": PYDECISION_ENTROPY_FORMULA,
            "matrix": matrix,
            "weights": to_floats(w_pyd),
            "note": pyd_note,
        })
    return entries


def main():
    versions = {p: md.version(p) for p in ("AHPy", "pyDecision", "pyrepo-mcda", "numpy", "scipy")}
    out = {
        "generated_by": (
            f"make_weights_reference.py with AHPy {versions['AHPy']}, "
            f"pyDecision {versions['pyDecision']}, pyrepo-mcda {versions['pyrepo-mcda']} "
            f"(numpy {versions['numpy']}, scipy {versions['scipy']})"
        ),
        "ahp": run_ahp(),
        "entropy": run_entropy(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights_reference.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, allow_nan=False)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
