"""Attribution analysis: which sources, campaigns and keywords bring revenue. pandas in, pandas out.

`tidy_frame(recon)` joins leads, people and credited opportunities; the analyses return
DataFrames and the `plot_*` functions matplotlib Figures.
"""

from .analyses import by_channel, cohort, funnel, missed_revenue, time_to_opportunity, touch_models, trend, with_spend
from .plots import (
    plot_by_channel,
    plot_funnel,
    plot_missed_revenue,
    plot_time_to_opportunity,
    plot_touch_models,
    plot_trend,
)
from .tidy import tidy_frame

__all__ = [
    "by_channel",
    "cohort",
    "funnel",
    "missed_revenue",
    "plot_by_channel",
    "plot_funnel",
    "plot_missed_revenue",
    "plot_time_to_opportunity",
    "plot_touch_models",
    "plot_trend",
    "tidy_frame",
    "time_to_opportunity",
    "touch_models",
    "trend",
    "with_spend",
]
