"""Differentiable tensor operations: one Function per op, forward and backward side by side.

The user-facing names live on ``lamina`` and on ``Tensor``; these modules hold the math."""
