"""``thg serve``: a web page, an HTTP API and live sessions around the pipeline.

    from thg.serve.app import create_app
    app = create_app("data")        # a FastAPI app; `thg serve` runs it with uvicorn

Modules: :mod:`~thg.serve.app` (routes), :mod:`~thg.serve.jobs` (the persistent queue),
:mod:`~thg.serve.generate` (a job's work), :mod:`~thg.serve.limits` (upload checks),
:mod:`~thg.serve.ratelimit`, :mod:`~thg.serve.examples`; the page lives in ``static/``.
"""
