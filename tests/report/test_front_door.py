"""The front-door page's step test: a change in the level of monthly referrals."""

import numpy as np
import pytest

from wscb_analysis.report.front_door import _step_test


def test_step_test_worked_by_hand():
    # Before 10, 10, 10 and after 20, 20, 20 a month: no spread within either run, so the
    # dispersion is 1 (Poisson); se = sqrt(1/30 + 1/60) = 0.2236, z = ln 2 / 0.2236 = 3.100,
    # two-sided p = 2 x (1 - Phi(3.100)) = 2 x 0.000968 = 0.00194: higher, twice the level.
    verdict, ratio, p = _step_test(np.array([10.0, 10, 10]), np.array([20.0, 20, 20]))
    assert verdict == "higher" and ratio == 2.0
    assert p == pytest.approx(0.00194, rel=0.01)
    assert _step_test(np.array([10.0, 12, 8]), np.array([11.0, 9, 10]))[::2] == ("similar", 1.0)
