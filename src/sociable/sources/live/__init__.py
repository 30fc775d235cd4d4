"""Live capture: clients that follow a platform's public stream and hand batches to a sink.

A client here knows nothing of storage. It reads events, keeps those its filters and the
accounts' consent allow, and gives each batch (raw events, mapped rows, deletes, the cursor
reached and counters) to a `CaptureSink`, which the store implements (store/capture.py).
"""
