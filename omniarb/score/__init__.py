"""Score: the chance a trade lands and its expected value. `ProfitScorer` uses the trained
profit predictor (PyTorch, `omniarb train`) when the model store holds a valid one, and falls
back to the baseline `FaceValue` rule (p=1, EV = predicted net profit) otherwise. Torch is
imported only when a model is loaded or trained."""

from omniarb.score.active import ModelSource, load_active, open_store, scorer_for
from omniarb.score.face_value import FaceValue
from omniarb.score.features import FEATURE_VERSION, FEATURES, FeatureContext, extract
from omniarb.score.recent import RecentOutcomes
from omniarb.score.scorer import ActiveModel, PendingView, ProfitScorer, ScorerStatus
from omniarb.score.store import ModelMeta, ModelStore, ModelStoreError

__all__ = [
    "FEATURES",
    "FEATURE_VERSION",
    "ActiveModel",
    "FaceValue",
    "FeatureContext",
    "ModelMeta",
    "ModelSource",
    "ModelStore",
    "ModelStoreError",
    "PendingView",
    "ProfitScorer",
    "RecentOutcomes",
    "ScorerStatus",
    "extract",
    "load_active",
    "open_store",
    "scorer_for",
]
