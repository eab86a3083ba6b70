"""Shared logic of the 街道治理数据驾驶舱: configuration, warehouse access, metrics, charts."""
