"""eisym: small neural networks opened up with exact mathematics."""

from importlib.metadata import PackageNotFoundError, version

from ._certify import Certificate as Certificate
from ._certify import CertificateCheck as CertificateCheck
from ._certify import CertifiedPoint as CertifiedPoint
from ._certify import certificate_from_json as certificate_from_json
from ._certify import certificate_to_json as certificate_to_json
from ._certify import certify_critical_points as certify_critical_points
from ._certify import check_certificate as check_certificate
from ._critical import CriticalPoint as CriticalPoint
from ._critical import CriticalPointSearch as CriticalPointSearch
from ._critical import critical_points as critical_points
from ._derive import Derivation as Derivation
from ._derive import derive as derive
from ._derive import gradient as gradient
from ._derive import hessian as hessian
from ._derive import jacobians as jacobians
from ._derive import sensitivities as sensitivities
from ._errors import EisymError as EisymError
from ._errors import ExpressionError as ExpressionError
from ._errors import MissingDependency as MissingDependency
from ._errors import NoConvergence as NoConvergence
from ._errors import PrecisionError as PrecisionError
from ._errors import SpecError as SpecError
from ._expr import ParsedExpression as ParsedExpression
from ._expr import parse_expression as parse_expression
from ._network import Network as Network
from ._network import build_network as build_network
from ._network import load_network as load_network
from ._network import network_from_json as network_from_json
from ._network import network_graph as network_graph
from ._network import network_outputs as network_outputs
from ._network import network_to_json as network_to_json
from ._network import neuron_expression as neuron_expression
from ._network import save_network as save_network
from ._network import with_layer as with_layer
from ._numeric import NumericNetwork as NumericNetwork
from ._numeric import numeric_network as numeric_network
from ._rank import PaperCheck as PaperCheck
from ._rank import RankAnalysis as RankAnalysis
from ._rank import paper_check as paper_check
from ._rank import rank_analysis as rank_analysis
from ._signature import hessian_signature as hessian_signature
from ._signature import numeric_signature as numeric_signature
from ._signature import signature_type as signature_type
from ._spec import ActivationSpec as ActivationSpec
from ._spec import NetworkSpec as NetworkSpec
from ._spec import WeightSource as WeightSource
from ._spec import make_spec as make_spec
from ._stationarity import StationaritySystem as StationaritySystem
from ._stationarity import stationarity_system as stationarity_system
from ._store import ResultStore as ResultStore
from ._store import open_store as open_store
from ._sweep import SweepResult as SweepResult
from ._sweep import run_sweep as run_sweep
from ._sweep import spawn_seeds as spawn_seeds
from .claims.verify import Verification as Verification
from .claims.verify import verify_claims as verify_claims

try:
    __version__ = version("eisym")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
