"""Estimators (scikit-learn conventions): collaborative, content, hybrid, segments."""

from origin.models.base import ItemRecommender
from origin.models.content import ContentTfidf
from origin.models.ease import EASE
from origin.models.hybrid import HybridRecommender
from origin.models.itemknn import ItemKNN
from origin.models.kmeans_segments import KMeansSegments
from origin.models.popularity import Popularity
from origin.models.propensity import Propensity
from origin.models.rp3beta import RP3beta
from origin.models.svd import PureSVD

__all__ = [
    "EASE",
    "ContentTfidf",
    "HybridRecommender",
    "ItemKNN",
    "ItemRecommender",
    "KMeansSegments",
    "Popularity",
    "Propensity",
    "PureSVD",
    "RP3beta",
]
