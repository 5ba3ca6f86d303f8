"""Scores per unit and period from findings and a scheme, with roll-up and exports."""

from monitor.scoring.calculate import FindingRecord, UnitResult, combine, score_unit
from monitor.scoring.compute import SCORE_TOPIC, ScoreReport, compute_scores
from monitor.scoring.export import export_scores
from monitor.scoring.query import latest_by_unit, score_rows, scores_as_of
from monitor.scoring.scheme import Scheme, config_hash, load_scheme, parse_scheme, scheme_for

__all__ = [
    "SCORE_TOPIC",
    "FindingRecord",
    "Scheme",
    "ScoreReport",
    "UnitResult",
    "combine",
    "compute_scores",
    "config_hash",
    "export_scores",
    "latest_by_unit",
    "load_scheme",
    "parse_scheme",
    "scheme_for",
    "score_rows",
    "score_unit",
    "scores_as_of",
]
