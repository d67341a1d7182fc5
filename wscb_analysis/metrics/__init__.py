"""One module per topic; each takes canonical frames (``wscb_analysis.io``) and a period."""

from __future__ import annotations

import numpy as np
import pandas as pd


def child_codes(frame: pd.DataFrame) -> np.ndarray:
    """An integer per child: the loader's ``child_key`` when the frame has it (free), else a
    factorisation of ``child_id``."""
    if "child_key" in frame.columns:
        return frame["child_key"].to_numpy().astype(np.int64)
    return pd.factorize(frame["child_id"])[0]
