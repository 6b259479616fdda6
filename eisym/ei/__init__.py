"""The extremum-increment (EI) algorithm: training by solving linear systems layer by layer.

Examples
--------
>>> from eisym.ei import fit, load_dataset
>>> data = load_dataset("xor")
>>> fit(data.x_train, data.y_train, widths=(6,)).score(data.x_test, data.y_test)
1.0
"""

from ._datasets import DATASETS as DATASETS
from ._datasets import Dataset as Dataset
from ._datasets import load_dataset as load_dataset
from ._fit import choose_representatives as choose_representatives
from ._fit import fit as fit
from ._hidden import hidden_layer_step as hidden_layer_step
from ._hidden import hidden_system as hidden_system
from ._model import EIModel as EIModel
from ._model import ExtremumCount as ExtremumCount
from ._model import Increment as Increment
from ._model import MappedSample as MappedSample
from ._model import extremum_counts as extremum_counts
from ._polarize import POLARIZATIONS as POLARIZATIONS
from ._polarize import Polarization as Polarization
from ._polarize import polarize as polarize
