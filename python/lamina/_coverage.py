"""How much of torch's commonly used surface lamina has: the names issue 15 measured on
2026-12-06, by namespace, and the ones still missing.

``TRACKED[ns]`` is the list of commonly used torch names of namespace ``ns`` (what lamina had
then, plus the names the issue listed as missing); ``MISSING[ns]`` are those lamina does not
have yet. tests/test_torch_coverage.py checks both ways: every tracked name not listed as
missing exists, and every name listed as missing is really absent (so adding one means
moving it out of ``MISSING``). ``report()`` gives the counts the README quotes."""
from __future__ import annotations

# lamina.* functions (torch.*)
_FUNCTIONS_HAD = """
abs add all amax amin any arange argmax argmin asarray bernoulli bmm broadcast_to cat ceil chunk
clamp clone cos detach div empty empty_like eq exp expm1 eye flatten floor from_dlpack
from_numpy full full_like gather ge get_float32_matmul_precision get_num_threads gt index_add
index_select initial_seed is_grad_enabled is_tensor isnan le linspace load log log1p log_softmax
logical_and logical_not logical_or logsumexp lt manual_seed masked_fill matmul max maximum mean
min minimum mm mul narrow ne neg ones ones_like permute pow rand rand_like randint randn
randn_like reciprocal relu reshape round rsqrt save scatter_add select
set_float32_matmul_precision set_num_threads sigmoid sign sin softmax split sqrt square squeeze
stack std sub sum t tanh tensor transpose unbind unflatten unsqueeze var where zeros zeros_like
"""
_FUNCTIONS_ISSUE = """
addmm allclose argsort as_tensor atan2 baddbmm clip concat cosh cross cumprod cumsum diag
diagonal dot einsum equal erf exp2 flip fmod isclose isfinite isinf kron lerp log10 log2 median
multinomial nan_to_num nonzero norm normal outer prod randperm remainder repeat_interleave
scatter sinh sort take tan tensordot tile topk trace tril triu unique var_mean vstack hstack
cdist searchsorted bucketize histc meshgrid
"""

# Tensor methods
_METHODS_HAD = """
T abs abs_ add add_ addcdiv_ addcmul_ all amax amin any argmax argmin backward bmm bool
broadcast_to ceil ceil_ chunk clamp clamp_ clone contiguous copy_ cos cos_ cpu cuda data
data_ptr detach detach_ device dim div div_ double dtype element_size eq exp exp_ expand
expand_as expm1 expm1_ fill_ flatten float floor floor_ gather ge grad grad_fn gt index_add
index_select is_contiguous is_cuda is_floating_point is_leaf isnan item le log log1p log1p_
log_ log_softmax logical_and logical_not logical_or logsumexp long lt mT masked_fill matmul max
maximum mean min minimum mm mul mul_ narrow ndim ne neg neg_ numel numpy permute pow pow_
reciprocal reciprocal_ relu relu_ repeat requires_grad requires_grad_ reshape reshape_as
retain_grad round round_ rsqrt rsqrt_ scatter_add select shape sigmoid sigmoid_ sign sign_ sin
sin_ size softmax split sqrt sqrt_ square squeeze std storage_offset stride sub sub_ sum t tanh
tanh_ to tolist transpose type_as unbind unflatten unsqueeze var view view_as zero_
"""
_METHODS_ISSUE = """
index_add_ index_fill_ int masked_fill_ norm scatter_ sort topk unfold where new_zeros new_ones
new_full new_tensor cumsum flip roll argsort masked_select half
"""

# lamina.nn.functional
_FUNCTIONAL_HAD = """
adaptive_avg_pool2d adaptive_max_pool2d avg_pool2d batch_norm binary_cross_entropy_with_logits
conv2d cross_entropy dropout embedding gelu huber_loss l1_loss layer_norm linear log_softmax
max_pool2d mse_loss nll_loss one_hot relu scaled_dot_product_attention sigmoid softmax tanh
"""
_FUNCTIONAL_ISSUE = """
binary_cross_entropy conv1d conv_transpose2d cosine_similarity elu glu group_norm hardtanh
instance_norm interpolate kl_div leaky_relu logsigmoid max_pool1d mish
multi_head_attention_forward normalize pad pairwise_distance relu6 selu silu smooth_l1_loss
softplus softsign unfold fold pixel_shuffle
"""

# lamina.nn modules
_MODULES_HAD = """
AdaptiveAvgPool2d AdaptiveMaxPool2d AvgPool2d BCEWithLogitsLoss BatchNorm1d BatchNorm2d Conv2d
CrossEntropyLoss Dropout Embedding Flatten GELU HuberLoss Identity L1Loss LSTM LSTMCell
LayerNorm Linear LogSoftmax MSELoss MaxPool2d Module ModuleDict ModuleList MultiheadAttention
NLLLoss Parameter ReLU Sequential Sigmoid Softmax Tanh TransformerEncoder
TransformerEncoderLayer
"""
_MODULES_ISSUE = """
Conv1d ConvTranspose2d Dropout2d ELU GRU GRUCell GroupNorm LeakyReLU MaxPool1d PReLU RNN SiLU
TransformerDecoderLayer Unflatten Upsample
"""

# lamina.optim
_OPTIM_HAD = "SGD Adam AdamW"
_OPTIM_ISSUE = "RMSprop Adagrad LBFGS"


def _names(*blocks):
    out = []
    for b in blocks:
        out += [n for n in b.split() if n not in out]
    return out


TRACKED = {
    "functions": _names(_FUNCTIONS_HAD, _FUNCTIONS_ISSUE),
    "methods": _names(_METHODS_HAD, _METHODS_ISSUE),
    "functional": _names(_FUNCTIONAL_HAD, _FUNCTIONAL_ISSUE),
    "modules": _names(_MODULES_HAD, _MODULES_ISSUE),
    "optim": _names(_OPTIM_HAD, _OPTIM_ISSUE),
}

# Still missing: heavy kernels (see issue 15) or not yet written. Keep in step with lamina:
# the coverage test fails when a name here appears, or a tracked name not here disappears.
MISSING = {
    "functions": [],
    "methods": _names("half"),
    "functional": [],
    "modules": [],
    "optim": [],
}

NAMESPACES = {"functions": "lamina", "methods": "lamina.Tensor",
              "functional": "lamina.nn.functional", "modules": "lamina.nn",
              "optim": "lamina.optim"}


def lookup(ns):
    """The object whose attributes namespace ``ns`` names."""
    import lamina
    import lamina.nn.functional as F
    return {"functions": lamina, "methods": lamina.Tensor, "functional": F,
            "modules": lamina.nn, "optim": lamina.optim}[ns]


def report():
    """{namespace: (present, tracked)} for the names lamina has now."""
    out = {}
    for ns, names in TRACKED.items():
        obj = lookup(ns)
        out[ns] = (sum(hasattr(obj, n) for n in names), len(names))
    return out
