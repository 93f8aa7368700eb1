"""Connectivity: how source spikes become target input."""
from .avg_pool_2d import AvgPool2D
from .avg_pool_conv_2d import AvgPoolConv2D
from .avg_pool_dense_2d import AvgPoolDense2D
from .chained import Chained
from .connectivity import Connectivity
from .conv_2d import Conv2D
from .conv_2d_transpose import Conv2DTranspose
from .dense import Dense
from .depthwise_conv_2d import DepthwiseConv2D
from .fixed_probability import FixedProbability
from .max_pool_2d import MaxPool2D
from .one_to_one import OneToOne
from .pad_2d import Pad2D
from .sparse import Sparse
from .upsample_2d import Upsample2D

__all__ = ["Connectivity", "Dense", "OneToOne", "AvgPool2D", "AvgPoolConv2D",
           "AvgPoolDense2D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D",
           "FixedProbability", "MaxPool2D", "Sparse", "Chained", "Pad2D", "Upsample2D"]
