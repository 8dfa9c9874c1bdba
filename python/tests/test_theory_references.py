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
