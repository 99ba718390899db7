"""Score: the chance a trade lands and its expected value. For now every approved trade is taken
at face value (p=1); the ML profit predictor of a later issue replaces `FaceValue`."""

from omniarb.score.face_value import FaceValue

__all__ = ["FaceValue"]
