"""Theory and references on numpy arrays: vectorized closed forms equal to the scalar ones, log10 thresholds
below double range, the reference solvers' defining properties, errors as ValueError."""
import numpy as np
import pytest

import depthbias as db


def test_learning_time_is_vectorized_and_matches_scalar_calls():
    s0 = np.array([1e-2, 1e-4, 1e-8])
    t = db.theory.learning_time(3, 1.0, s0, 0.5)
    assert t.shape == (3,)
    for i, x in enumerate(s0):
        assert t[i] == db.theory.learning_time(3, 1.0, float(x), 0.5)
    assert np.all(np.diff(t) > 0)  # smaller init, later
    # The solution at the half-learning time is half the target.
    assert db.theory.solution(3, 1.0, 1e-4, float(t[1])) == pytest.approx(0.5, rel=1e-10)


def test_threshold_below_double_range_is_a_finite_log10():
    lg = db.theory.log10_threshold_sigma0(2, 0.995, 0.05)
    assert np.isfinite(lg) and lg < -500  # about 1e-511 (issue: never reported as 0)


def test_bad_theory_arguments_raise_value_error():
    with pytest.raises(ValueError):
        db.theory.learning_time(3, 1.0, 2.0, 0.5)  # sigma0 >= target


def test_reference_solvers():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 12))
    y = X @ np.r_[1.0, -2.0, np.zeros(10)]
    b2 = db.references.min_l2_interpolation(X, y)
    assert np.allclose(X @ b2, y, atol=1e-10)
    b1 = db.references.basis_pursuit(X, y)
    assert np.allclose(X @ b1, y, atol=1e-7)
    assert np.abs(b1).sum() <= np.abs(b2).sum() + 1e-9
    Xo = rng.standard_normal((40, 12))  # enough measurements for OMP to recover a 2-sparse vector
    r = db.references.omp(Xo, Xo @ np.r_[1.0, -2.0, np.zeros(10)])
    assert sorted(r["order"]) == [0, 1]
    assert np.allclose(r["beta"][:2], [1.0, -2.0], atol=1e-8)
    Xt = np.array([[1.0, 0.2], [2.0, -0.1], [0.5, 0.3]])  # rows y_i x_i, separable by w = e1
    w = db.references.l2_max_margin(Xt)
    assert np.min(Xt @ w) == pytest.approx(1.0, rel=1e-6)  # margin-1 normalization
    w1 = db.references.l1_max_margin(Xt)
    assert np.min(Xt @ w1) == pytest.approx(1.0, rel=1e-6)
    assert np.abs(w1).sum() <= np.abs(w).sum() + 1e-9


def test_references_of_the_geometry_issues():
    """min nuclear norm (SDP and ADMM agree; the 2 x 2 rank-1 completion fills X22 = 1, nuclear norm 2), the
    curvature spline (uniform init: a natural cubic spline, exact on affine data), the Bregman projection
    (quadratic potential = min-l2 interpolation from theta0 = 0)."""
    r = db.references.min_nuclear_norm(2, 2, [0, 0, 1], [0, 1, 0], np.ones(3))
    assert r["x"].shape == (2, 2) and r["x"][1, 1] == pytest.approx(1.0, abs=1e-3)
    assert r["nuclear_norm"] == pytest.approx(2.0, abs=1e-5) and abs(r["duality_gap"]) < 1e-6
    a = db.references.min_nuclear_norm(2, 2, [0, 0, 1], [0, 1, 0], np.ones(3), method="admm")
    assert a["nuclear_norm"] == pytest.approx(2.0, abs=1e-4)
    with pytest.raises(ValueError, match="outside"):
        db.references.min_nuclear_norm(2, 2, [0, 2], [0, 0], np.ones(2))
    x = np.array([-1.0, -0.3, 0.4, 1.0])
    grid = np.linspace(-1, 1, 9)
    g = db.references.curvature_spline(x, 2 * x + 1, grid)
    assert np.allclose(g, 2 * grid + 1, atol=1e-9)  # affine data: g* is the line (no curvature)
    gy = db.references.curvature_spline(x, x ** 2, x)
    assert np.allclose(gy, x ** 2, atol=1e-9)  # interpolates
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 9))
    y = rng.standard_normal(4)
    th = db.references.bregman_projection("quadratic", X, y, np.zeros(9))
    assert np.allclose(th, db.references.min_l2_interpolation(X, y), atol=1e-9)
