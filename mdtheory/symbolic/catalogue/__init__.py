"""The catalogue of regularizers: each a small module returning a ``Regularizer``."""

from mdtheory.symbolic.catalogue.euclidean import euclidean
from mdtheory.symbolic.catalogue.fermi_dirac import fermi_dirac
from mdtheory.symbolic.catalogue.hypentropy import hypentropy
from mdtheory.symbolic.catalogue.log_barrier import log_barrier
from mdtheory.symbolic.catalogue.mahalanobis import mahalanobis
from mdtheory.symbolic.catalogue.negative_entropy import negative_entropy
from mdtheory.symbolic.catalogue.p_norm import p_norm
from mdtheory.symbolic.catalogue.tsallis import tsallis

CATALOGUE = {
    "euclidean": euclidean,
    "mahalanobis": mahalanobis,
    "negative_entropy": negative_entropy,
    "tsallis": tsallis,
    "log_barrier": log_barrier,
    "hypentropy": hypentropy,
    "p_norm": p_norm,
    "fermi_dirac": fermi_dirac,
}

__all__ = ["CATALOGUE", *CATALOGUE]
